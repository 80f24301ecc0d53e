/**
 * `npm run bench -- --wake`: what the first requests after an idle spell cost. For each spell
 * (default 0, 15, 30 and 60 s, with no request at all during it) the first GET, the first PUT
 * and a second PUT, in that order; then, after the same spell again, a PUT as the very first
 * request. A warm write (median of sequential PUTs) is measured in the same run. The last
 * column says how many members' Durable Objects were started anew during the spell (local
 * workerd evicts an idle one 10 s after its last request): an honest table shows the spells
 * past 10 s with every member restarted. Not a test: nothing here asserts.
 *
 *   npm run bench -- --wake [--spells 0,15,30,60] [--members 3]
 */
import type { LocalCluster } from "./local-cluster.js";

const warmWrites = 50;

interface Timed {
  ms: number;
  status: number;
  term: string;
}

async function timed(req: () => Promise<Response>): Promise<Timed> {
  const t = performance.now();
  const res = await req();
  await res.arrayBuffer();
  return { ms: performance.now() - t, status: res.status, term: res.headers.get("x-raft-term") ?? "?" };
}

function put(base: string, key: string): () => Promise<Response> {
  return () =>
    fetch(`${base}/v2/keys/wake/${key}`, { method: "PUT", body: "value=v", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
}

/** When each member's Durable Object last started (its /v2/stats/self startTime). */
async function startTimes(base: string, names: string[]): Promise<string[]> {
  return Promise.all(
    names.map(async (n) => {
      const res = await fetch(`${base}/members/${n}/v2/stats/self`);
      return ((await res.json()) as { startTime: string }).startTime;
    }),
  );
}

function idle(seconds: number): Promise<void> {
  return new Promise((r) => setTimeout(r, seconds * 1000));
}

const ms = (t: Timed) => `${t.ms.toFixed(0)} ms${t.status >= 300 ? ` (HTTP ${t.status})` : ""}`;

export async function benchWake(cluster: LocalCluster, names: string[], spells: number[]): Promise<void> {
  const base = cluster.url;
  for (let i = 0; i < 10; i++) await timed(put(base, `warmup${i}`));
  const warm: number[] = [];
  for (let i = 0; i < warmWrites; i++) warm.push((await timed(put(base, `warm${i % 10}`))).ms);
  warm.sort((a, b) => a - b);
  const warmMs = warm[Math.floor(warm.length / 2)]!;
  console.log(`bench --wake: ${names.length}-member cluster, local wrangler dev (workerd), ${new Date().toISOString()}`);
  console.log(`warm PUT (median of ${warmWrites} sequential): ${warmMs.toFixed(1)} ms\n`);
  console.log(`| idle before | first GET | first PUT | second PUT | PUT as first request | restarted | term kept |`);
  console.log(`|---|---|---|---|---|---|---|`);
  for (const s of spells) {
    // Settle (the leader hint points at the leader), then note when each member last started.
    const before = await timed(put(base, "settle"));
    const started = await startTimes(base, names);
    await idle(s);
    const get = await timed(() => fetch(`${base}/v2/keys/wake/settle`));
    const first = await timed(put(base, "a"));
    const second = await timed(put(base, "b"));
    const restarted = (await startTimes(base, names)).filter((t, i) => t !== started[i]).length;
    await idle(s);
    const cold = await timed(put(base, "c"));
    const kept = [get, first, second, cold].every((t) => t.term === before.term) ? "yes" : `no (${before.term} → ${cold.term})`;
    console.log(`| ${s} s | ${ms(get)} | ${ms(first)} | ${ms(second)} | ${ms(cold)} | ${restarted}/${names.length} | ${kept} |`);
  }
  console.log(`\nfirst PUT ÷ warm PUT is the wake cost; the target is ≤ 2×.`);
}
