/**
 * `npm run bench -- --v3`: the v3 JSON gateway under load — put, linearizable and serializable
 * range, and a compare-and-put txn — on the local cluster and on a real etcd 3.4's gateway in
 * the same run, with the cluster/etcd ratio. Not a test: nothing here asserts.
 *
 *   npm run bench -- --v3 [--seconds 5 --clients 1,16,64]
 */
import type { LocalCluster } from "./local-cluster.js";
import { startEtcd } from "../../test/oracle/etcd-oracle.js";

export interface LoadResult {
  ops: number;
  errors: number;
  opsPerSec: number;
  p50: number;
  p99: number;
}

type Load = (clients: number, op: (i: number) => Promise<Response>) => Promise<LoadResult>;

const keysMax = 1_000;
const b64 = (s: string) => Buffer.from(s).toString("base64");
const value = b64("x".repeat(256));

function post(base: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${base}/v3/${path}`, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
}

/** Each request kind the bench runs, by name. */
function operations(base: string): Array<[string, (i: number) => Promise<Response>]> {
  const key = (i: number) => b64(`bench/v3/k${i % keysMax}`);
  return [
    ["put", (i) => post(base, "kv/put", { key: key(i), value })],
    ["range", (i) => post(base, "kv/range", { key: key(i % 100) })],
    ["range serializable", (i) => post(base, "kv/range", { key: key(i % 100), serializable: true })],
    [
      "txn (compare + put)",
      (i) =>
        post(base, "kv/txn", {
          compare: [{ key: key(i), target: "VERSION", result: "GREATER", version: "0" }],
          success: [{ request_put: { key: key(i), value } }],
          failure: [{ request_put: { key: key(i), value } }],
        }),
    ],
  ];
}

const fmt = (r: LoadResult) =>
  `${r.opsPerSec.toFixed(0).padStart(7)} ops/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  (${r.ops} ops, ${r.errors} errors)`;

export async function benchV3(cluster: LocalCluster, memberCount: number, clientCounts: number[], seconds: number, load: Load): Promise<void> {
  const etcd = await startEtcd("bench-v3");
  try {
    // Warm up both: elect, create the keys every later range reads.
    for (const base of [cluster.url, etcd.clientURL]) await load(4, operations(base)[0]![1]);
    console.log(`bench --v3: ${memberCount}-member cluster (local wrangler dev) vs a real etcd 3.4 (one member, same machine), ${seconds} s per run, 256 B values, ${new Date().toISOString()}`);
    for (const clients of clientCounts) {
      console.log(`\n${clients} client(s)`);
      const ours = operations(cluster.url);
      const theirs = operations(etcd.clientURL);
      for (let k = 0; k < ours.length; k++) {
        const [name, op] = ours[k]!;
        const c = await load(clients, op);
        const e = await load(clients, theirs[k]![1]);
        console.log(`  ${name.padEnd(19)} cluster ${fmt(c)}`);
        console.log(`  ${"".padEnd(19)} etcd    ${fmt(e)}`);
        console.log(`  ${"".padEnd(19)} ratio   ${(c.opsPerSec / e.opsPerSec).toFixed(2)}x etcd ops/s, p99 ${(c.p99 / e.p99).toFixed(2)}x etcd`);
      }
    }
  } finally {
    await etcd.stop();
  }
}
