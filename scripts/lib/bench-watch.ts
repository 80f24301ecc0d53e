/**
 * `npm run bench -- --watch`: N long-poll watchers (`?wait=true`) on one key, then one write;
 * how long each watcher waits for its event (from the moment the PUT is sent to the end of its
 * response), p50/p99 and how many were notified. The same against a real etcd 3.4 and against the
 * platform floor (scripts/bench/baseline-worker.ts: one Worker isolate answering the held
 * requests itself, no Raft, no member) in the same run, and the ratios. Not a test: nothing here
 * asserts.
 *
 * The client side is Node's http with one keep-alive socket per watcher (no pool limit): Node's
 * fetch pools per origin and would itself queue thousands of watchers. With 10,000 watchers
 * the client (one Node thread parsing 10,000 responses) is part of what is measured, for etcd
 * and for the cluster alike.
 *
 *   npm run bench -- --watch [--watchers 1000,10000 --watch-rounds 3 --members 3]
 */
import { Agent, request } from "node:http";
import type { LocalCluster } from "./local-cluster.js";
import { startEtcd } from "../../test/oracle/etcd-oracle.js";

/** How long one round waits for every watcher to be registered, then to be notified. */
const registerMsMax = 300_000;
const notifyMsMax = 60_000;
const registerEachMsMax = 60_000;

interface Round {
  watchers: number;
  notified: number;
  p50: number;
  p99: number;
  max: number;
  min: number;
  /** The write's own latency (PUT sent → its answer). */
  put: number;
  /** How long registering every watcher took. */
  registeredMs: number;
  /** Watchers that could not register, by reason ("" = none). */
  refused: string;
}

/** A GET whose headers have arrived (the watch is registered) and whose end is awaited. */
/** Why watchers of the current round failed to register, and how many. */
const refusals = new Map<string, number>();

function openWatcher(agent: Agent, url: URL): Promise<{ ended: Promise<number> }> {
  return new Promise((resolve) => {
    const req = request(url, { agent, method: "GET" }, (res) => {
      if (res.statusCode !== 200) {
        refusals.set(`HTTP ${res.statusCode}`, (refusals.get(`HTTP ${res.statusCode}`) ?? 0) + 1);
        res.resume();
        return resolve({ ended: Promise.resolve(-1) });
      }
      const ended = new Promise<number>((done) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        // Notified = the event of the write ("after"), not an early or empty end.
        res.on("end", () => done(body.includes('"value":"after"') ? performance.now() : -1));
        res.on("error", () => done(-1));
        res.on("close", () => done(-1)); // after "end" this is a no-op
      });
      resolve({ ended });
    });
    // A watcher whose headers do not come in time is given up (and reported), not waited for.
    req.setTimeout(registerEachMsMax, () => req.destroy(Object.assign(new Error("timeout"), { code: "no headers in time" })));
    req.on("response", () => req.setTimeout(0));
    req.on("error", (e: NodeJS.ErrnoException) => {
      // A watcher that could not register counts as not notified (and is reported).
      refusals.set(e.code ?? e.message, (refusals.get(e.code ?? e.message) ?? 0) + 1);
      resolve({ ended: Promise.resolve(-1) });
    });
    req.end();
  });
}

async function put(base: string, key: string, value: string): Promise<void> {
  const res = await fetch(`${base}/v2/keys/${key}`, { method: "PUT", body: `value=${value}`, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
  await res.arrayBuffer();
  if (res.status >= 300) throw new Error(`PUT ${key}: HTTP ${res.status}`);
}

async function round(base: string, key: string, watchers: number): Promise<Round> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  refusals.clear();
  try {
    await put(base, key, "before");
    const url = new URL(`${base}/v2/keys/${key}?wait=true`);
    // Open in slices so neither side sees 10,000 SYNs at once (a listen backlog overflow
    // would be measured as watch latency).
    const opened: Array<{ ended: Promise<number> }> = [];
    const slice = 500;
    const registerBy = Date.now() + registerMsMax;
    for (let i = 0; i < watchers; i += slice) {
      if (Date.now() > registerBy) throw new Error(`only ${opened.length} of ${watchers} watchers registered in ${registerMsMax} ms`);
      const n = Math.min(slice, watchers - i);
      opened.push(...(await Promise.all(Array.from({ length: n }, () => openWatcher(agent, url)))));
    }
    const registeredMs = Date.now() - (registerBy - registerMsMax);
    const sent = performance.now();
    await put(base, key, "after");
    const putMs = performance.now() - sent;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), notifyMsMax)));
    const ends = await Promise.all(opened.map((w) => Promise.race([w.ended, deadline])));
    clearTimeout(timer);
    const ms = ends.filter((e): e is number => typeof e === "number" && e >= 0).map((e) => e - sent).sort((a, b) => a - b);
    const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? NaN;
    return { watchers, notified: ms.length, p50: q(0.5), p99: q(0.99), max: ms[ms.length - 1] ?? NaN, min: ms[0] ?? NaN, put: putMs, registeredMs, refused: [...refusals].map(([why, n]) => `${n} × ${why}`).join(", ") };
  } finally {
    agent.destroy();
  }
}

/** Median of each number over the rounds (the rounds are noisy on a shared machine). */
function median(rounds: Round[]): Round {
  const mid = <T>(xs: T[], f: (x: T) => number) => xs.map(f).sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { watchers: rounds[0]!.watchers, notified: Math.min(...rounds.map((r) => r.notified)), p50: mid(rounds, (r) => r.p50), p99: mid(rounds, (r) => r.p99), max: mid(rounds, (r) => r.max), min: mid(rounds, (r) => r.min), put: mid(rounds, (r) => r.put), registeredMs: mid(rounds, (r) => r.registeredMs), refused: rounds.map((r) => r.refused).filter(Boolean).join("; ") };
}

const fmt = (r: Round) =>
  `min ${r.min.toFixed(0).padStart(5)} ms  p50 ${r.p50.toFixed(0).padStart(5)} ms  p99 ${r.p99.toFixed(0).padStart(5)} ms  max ${r.max.toFixed(0).padStart(5)} ms  notified ${r.notified}/${r.watchers}  (the write itself ${r.put.toFixed(0)} ms; registering took ${(r.registeredMs / 1000).toFixed(1)} s)${r.refused ? `\n           not registered: ${r.refused}` : ""}`;

export async function benchWatch(cluster: LocalCluster, floor: LocalCluster, memberCount: number, counts: number[], rounds: number): Promise<void> {
  const etcd = await startEtcd("bench");
  // Straight to the workerd that runs each Worker when known (no dev proxy, as deployed).
  const clusterUrl = cluster.directUrl() ?? cluster.url;
  const floorUrl = floor.directUrl() ?? floor.url;
  try {
    console.log(`bench --watch: ${memberCount}-member cluster (local, ${clusterUrl === cluster.url ? "through wrangler dev's proxy" : "straight to its workerd"}) vs etcd 3.4 (one member) vs the platform floor, one write to a key with N long-poll watchers, median of ${rounds} rounds, ${new Date().toISOString()}`);
    await round(clusterUrl, "watchbench/warm", 10);
    await round(etcd.clientURL, "watchbench/warm", 10);
    await round(floorUrl, "watchbench/warm", 10);
    for (const n of counts) {
      const c: Round[] = [];
      const e: Round[] = [];
      const f: Round[] = [];
      try {
        for (let i = 0; i < rounds; i++) {
          // Alternate, so drift on a shared machine hits all alike.
          c.push(await round(clusterUrl, `watchbench/k${n}`, n));
          e.push(await round(etcd.clientURL, `watchbench/k${n}`, n));
          f.push(await round(floorUrl, `watchbench/k${n}`, n));
        }
      } catch (err) {
        // E.g. wrangler dev's proxy out of file descriptors (two sockets per watcher).
        console.log(`\n${n} watchers: round failed: ${String((err as Error).cause ?? err)}`);
        break;
      }
      const cm = median(c);
      const em = median(e);
      const fm = median(f);
      console.log(`\n${n} watchers`);
      console.log(`  cluster  ${fmt(cm)}`);
      console.log(`  etcd     ${fmt(em)}`);
      console.log(`  floor    ${fmt(fm)}`);
      console.log(`  ratio    p50 ${(cm.p50 / em.p50).toFixed(2)}x  p99 ${(cm.p99 / em.p99).toFixed(2)}x etcd;  p50 ${(cm.p50 / fm.p50).toFixed(2)}x  p99 ${(cm.p99 / fm.p99).toFixed(2)}x the floor (floor: p99 ${(fm.p99 / em.p99).toFixed(2)}x etcd)`);
    }
  } finally {
    await etcd.stop();
  }
}
