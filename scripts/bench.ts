/**
 * `npm run bench`: writes/s, reads/s and p50/p99 latency at 1, 16 and 64 concurrent clients
 * against a local 3-member cluster, and the same load against a baseline Worker → one DO →
 * one SQLite write, measured in the same run. Prints numbers and the cluster/baseline ratio.
 * Not a test: nothing here asserts.
 *
 *   npm run bench [-- --seconds 5 --clients 1,16,64 --members 3]
 *   npm run bench -- --wake [--spells 0,15,30,60 --members 3]   (first requests after idle spells; scripts/lib/bench-wake.ts)
 *   npm run bench -- --auth [--auth-rounds 2]   (also: writes and reads as a non-root user with auth on, vs auth off)
 *   npm run bench -- --watch [--watchers 1000,10000 --watch-rounds 3]   (notify latency vs etcd 3.4; scripts/lib/bench-watch.ts)
 *   npm run bench -- --v3 [--seconds 5 --clients 1,16,64]   (the v3 gateway vs etcd 3.4's; scripts/lib/bench-v3.ts)
 *
 * Local clusters run without wrangler's DevTools inspector (scripts/lib/dev-server.ts), as
 * deployed Workers do; `--inspector` measures them as `npm start` runs them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchWake } from "./lib/bench-wake.js";
import { benchV3, type LoadResult } from "./lib/bench-v3.js";
import { benchWatch } from "./lib/bench-watch.js";
import { startLocalCluster, type LocalCluster } from "./lib/local-cluster.js";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const seconds = Number(arg("seconds", "5"));
const clientCounts = arg("clients", "1,16,64").split(",").map(Number);
/** Cluster size (default 3): 1 isolates the cost of replication from the rest of the path. */
const memberCount = Number(arg("members", "3"));
const wake = args.includes("--wake");
const spells = arg("spells", "0,15,30,60").split(",").map(Number);
const withAuth = args.includes("--auth");
const watch = args.includes("--watch");
const v3 = args.includes("--v3");
const watcherCounts = arg("watchers", "1000,10000").split(",").map(Number);
const watchRounds = Number(arg("watch-rounds", "3"));
const authRounds = Number(arg("auth-rounds", "2"));
const inspector = args.includes("--inspector");
const valueBytes = 256;
const keysMax = 1_000;

type Result = LoadResult;

async function load(clients: number, op: (i: number) => Promise<Response>): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          const res = await op(i++);
          await res.arrayBuffer();
          if (res.status >= 300) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { ops: latencies.length, errors, opsPerSec: latencies.length / elapsed, p50: q(0.5), p99: q(0.99) };
}

const value = "x".repeat(valueBytes);
const put = (base: string, headers: Record<string, string> = {}) => (i: number) =>
  fetch(`${base}/v2/keys/bench/k${i % keysMax}`, {
    method: "PUT",
    body: `value=${value}`,
    headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" },
  });
const get = (base: string, headers: Record<string, string> = {}) => (i: number) => fetch(`${base}/v2/keys/bench/k${i % 100}`, { headers });
const qget = (base: string) => (i: number) => fetch(`${base}/v2/keys/bench/k${i % 100}?quorum=true`);

/** Leader-side append batches so far (from the debug route). */
async function batches(base: string): Promise<{ batches: number; entries: number }> {
  const res = await fetch(`${base}/debug/members`);
  const { members } = (await res.json()) as { members: Array<{ role?: string; appendBatches?: number; entriesAppended?: number }> };
  const l = members.find((m) => m.role === "StateLeader");
  return { batches: l?.appendBatches ?? 0, entries: l?.entriesAppended ?? 0 };
}

const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
const rootAuth = basic("root", "bench-root");

/** Root, a role with read/write on /bench/*, a user holding it, auth on: the user's headers. */
async function authOn(base: string): Promise<Record<string, string>> {
  const send = async (path: string, method: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { method, headers: { ...headers, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status >= 300 && res.status !== 409) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  };
  await send("/v2/auth/users/root", "PUT", { user: "root", password: "bench-root" });
  await send("/v2/auth/roles/bench", "PUT", { role: "bench", permissions: { kv: { read: ["/bench/*"], write: ["/bench/*"] } } });
  await send("/v2/auth/users/bench", "PUT", { user: "bench", password: "bench-pw", roles: ["bench"] });
  await send("/v2/auth/enable", "PUT", undefined, rootAuth);
  return basic("bench", "bench-pw");
}

async function authOff(base: string): Promise<void> {
  await fetch(`${base}/v2/auth/enable`, { method: "DELETE", headers: rootAuth });
}

const fmt = (r: Result) =>
  `${r.opsPerSec.toFixed(0).padStart(7)} ops/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  (${r.ops} ops, ${r.errors} errors)`;

const dir = mkdtempSync(join(tmpdir(), "etcd-bench-"));
let cluster: LocalCluster | null = null;
let baseline: LocalCluster | null = null;
try {
  const names = Array.from({ length: memberCount }, (_, i) => `infra${i}`).join(",");
  console.log(`local clusters: ${inspector ? "wrangler dev with its DevTools inspector (as npm start)" : "wrangler dev without the DevTools inspector (as deployed; --inspector for npm start's)"}`);
  cluster = await startLocalCluster({ persistTo: join(dir, "cluster"), vars: { ETCD_DEBUG: "1", ETCD_INITIAL_CLUSTER: names }, inspector });
  if (wake) await benchWake(cluster, names.split(","), spells);
  else if (watch) {
    baseline = await startLocalCluster({ persistTo: join(dir, "baseline"), config: "scripts/bench/wrangler.toml", readyCheckPath: "/health-baseline", inspector });
    await benchWatch(cluster, baseline, memberCount, watcherCounts, watchRounds);
  }
  else if (v3) await benchV3(cluster, memberCount, clientCounts, seconds, load);
  else {
    baseline = await startLocalCluster({ persistTo: join(dir, "baseline"), config: "scripts/bench/wrangler.toml", readyCheckPath: "/health-baseline", inspector });
    await throughput(cluster, baseline);
  }
} finally {
  await cluster?.stop();
  await baseline?.stop();
  rmSync(dir, { recursive: true, force: true });
}

async function throughput(cluster: LocalCluster, baseline: LocalCluster): Promise<void> {
  await load(4, put(cluster.url)); // warm up: elect, create keys
  await load(4, put(baseline.url));
  console.log(`bench: ${memberCount}-member cluster, ${seconds} s per run, ${valueBytes} B values, local wrangler dev (workerd), ${new Date().toISOString()}`);
  for (const clients of clientCounts) {
    const before = await batches(cluster.url);
    const cw = await load(clients, put(cluster.url));
    const after = await batches(cluster.url);
    const bw = await load(clients, put(baseline.url));
    const cr = await load(clients, get(cluster.url));
    const cq = await load(clients, qget(cluster.url));
    const br = await load(clients, get(baseline.url));
    console.log(`\n${clients} client(s)`);
    console.log(`  cluster  writes        ${fmt(cw)}`);
    console.log(`  baseline writes        ${fmt(bw)}`);
    console.log(`  ratio    writes        ${(cw.opsPerSec / bw.opsPerSec).toFixed(2)}x baseline`);
    const b = after.batches - before.batches;
    console.log(`  group commit           ${b ? ((after.entries - before.entries) / b).toFixed(1) : "-"} entries per append on the leader (${b} appends)`);
    console.log(`  cluster  reads         ${fmt(cr)}`);
    console.log(`  cluster  quorum reads  ${fmt(cq)}`);
    console.log(`  baseline reads         ${fmt(br)}`);
    if (withAuth) {
      // Off and on alternate (two rounds each), so drift on a shared machine hits both alike.
      const userAuth = await authOn(cluster.url);
      const sum = { offW: 0, onW: 0, offR: 0, onR: 0 };
      for (let round = 0; round < authRounds; round++) {
        await authOff(cluster.url);
        sum.offW += (await load(clients, put(cluster.url))).opsPerSec;
        sum.offR += (await load(clients, get(cluster.url))).opsPerSec;
        await authOn(cluster.url);
        sum.onW += (await load(clients, put(cluster.url, userAuth))).opsPerSec;
        sum.onR += (await load(clients, get(cluster.url, userAuth))).opsPerSec;
      }
      await authOff(cluster.url);
      const per = (x: number) => (x / authRounds).toFixed(0).padStart(7);
      console.log(`  auth off  writes ${per(sum.offW)} ops/s  reads ${per(sum.offR)} ops/s  (anonymous, mean of ${authRounds} runs)`);
      console.log(`  auth on   writes ${per(sum.onW)} ops/s  reads ${per(sum.onR)} ops/s  (user with a /bench/* role)`);
      console.log(`  ratio     writes ${(sum.onW / sum.offW).toFixed(2)}x  reads ${(sum.onR / sum.offR).toFixed(2)}x auth off`);
    }
  }
}
