/**
 * Waking an idle cluster without an election (docs/design.md, "Wake"), end to end.
 *
 * Two ways to lose every member's memory: the debug crash route (ctx.abort(): the instance is
 * gone, storage and alarms stay — for the raft state exactly what an eviction leaves, and
 * instant), and a real idle spell past local workerd's eviction (a Durable Object is dropped
 * 10 s after its last request), which is the only way to keep the hibernated WebSockets that
 * hold watches (abort closes them).
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../../scripts/lib/local-cluster.js";
import { TestCluster, names, type DebugMember } from "./cluster-helpers.js";

let cluster: TestCluster;

beforeAll(() => {
  cluster = TestCluster.connect(inject("clusterUrl"));
});

/** Every member asleep under one leader; returns that leader as the members see it. */
async function quiesced(): Promise<DebugMember> {
  let leader: DebugMember | undefined;
  await waitFor(async () => {
    const all = await cluster.members();
    leader = all.find((m) => m.role === "StateLeader");
    return !!leader && all.every((m) => m.quiesced === true && m.term === leader!.term && m.leader === leader!.name);
  }, 20_000);
  return leader!;
}

/** The promise's value, or null after `ms` (the timer is cleared either way). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function termOf(res: Response): number {
  return Number(res.headers.get("x-raft-term"));
}

async function startTime(name: string): Promise<number> {
  const res = await fetch(`${cluster.url}/members/${name}/v2/stats/self`);
  return Date.parse(((await res.json()) as { startTime: string }).startTime);
}

describe("waking an idle cluster", () => {
  it("serves a write, a quorum read and a CAS in the same term after every member lost its memory", async () => {
    expect((await cluster.put("/e2e/wake/cas", "one")).status).toBeLessThan(300);
    const before = await quiesced();
    for (const name of names) await cluster.crash(name);

    const put = await cluster.put("/e2e/wake/k", "after");
    expect(put.status).toBe(201);
    expect(termOf(put)).toBe(before.term);
    const read = await fetch(`${cluster.url}/v2/keys/e2e/wake/k?quorum=true`);
    expect(((await read.json()) as { node: { value: string } }).node.value).toBe("after");
    expect(termOf(read)).toBe(before.term);
    const cas = await fetch(`${cluster.url}/v2/keys/e2e/wake/cas?prevValue=one`, {
      method: "PUT",
      body: new URLSearchParams({ value: "two" }),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(cas.status).toBe(200);
    expect(termOf(cas)).toBe(before.term);
    // Nobody campaigned: same leader, same term, everywhere.
    for (const m of await cluster.members()) expect([m.term, m.leader]).toEqual([before.term, before.name]);
  });

  it("keeps watches and TTLs through a real idle spell: the key expires on time, the watches fire", async () => {
    const ttlS = 14;
    const setAt = Date.now();
    const ttl = await fetch(`${cluster.url}/v2/keys/e2e/wake/ttl`, {
      method: "PUT",
      body: new URLSearchParams({ value: "soon", ttl: String(ttlS) }),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(ttl.status).toBeLessThan(300);
    const leader = (await cluster.leader()).name;
    // A watch answers its headers at once and its body when the event comes: time the body.
    const expired = fetch(`${cluster.url}/v2/keys/e2e/wake/ttl?wait=true`).then(async (r) => {
      const body = (await r.json()) as { action: string };
      return { at: Date.now(), body };
    });
    const later = fetch(`${cluster.url}/v2/keys/e2e/wake/later?wait=true`).then(async (r) => (await r.json()) as { action: string; node: { value: string } });

    // The idle spell: nothing but the two held watches until the key expires. Every member is
    // evicted ~10 s after its last request; the leader's alarm brings it back at the expiry.
    const expiry = await within(expired, (ttlS + 10) * 1000);
    expect(expiry, "the TTL key never expired").not.toBeNull();
    expect(expiry!.body.action).toBe("expire");
    const lateMs = expiry!.at - (setAt + ttlS * 1000);
    console.log(`wake: TTL expired ${lateMs} ms after its deadline, with every member asleep`);
    expect(lateMs).toBeGreaterThan(-1_000); // never early (the TTL counts from the leader's clock)
    expect(lateMs).toBeLessThan(5_000);
    // The leader's Durable Object did restart in the spell (so this was the wake path).
    expect(await startTime(leader)).toBeGreaterThan(setAt);

    expect((await cluster.put("/e2e/wake/later", "fired")).status).toBe(201);
    const event = await within(later, 10_000);
    expect(event?.action).toBe("set");
    expect(event?.node.value).toBe("fired");
  });
});
