/**
 * Locks from the SDK on the local cluster: a hold that outlives a leader crash, contention of
 * 8 clients × 50 acquisitions (never two holders, fencing tokens strictly increasing), and the
 * ordered lock's first-come-first-served order.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EtcdClient, Lock, OrderedLock, type LockHandle } from "../../client/index.js";
import { waitFor } from "../../scripts/lib/local-cluster.js";
import { TestCluster } from "./cluster-helpers.js";

let etcd: EtcdClient;
let cluster: TestCluster;
const p = `/client-lock-${crypto.randomUUID().slice(0, 8)}`;

beforeAll(() => {
  cluster = TestCluster.connect(inject("clusterUrl"));
  etcd = new EtcdClient({ endpoints: [cluster.url] });
});
afterAll(async () => {
  await etcd.delete(p, { recursive: true }).catch(() => undefined);
});

/** Runs critical sections and checks mutual exclusion and the fencing tokens' order. */
function referee() {
  let holders = 0;
  const tokens: number[] = [];
  let overlaps = 0;
  return {
    tokens,
    get overlaps() {
      return overlaps;
    },
    async hold(held: LockHandle, ms = 0) {
      if (++holders > 1) overlaps++;
      tokens.push(held.token);
      if (ms) await new Promise((r) => setTimeout(r, ms));
      holders--;
      await held.release();
    },
  };
}

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

describe("client locks", () => {
  it("keeps a lock through a leader crash longer than its TTL; a contender gets it only after release", async () => {
    const key = `${p}/crash`;
    const held = await new Lock(etcd, key, { ttl: 3, owner: "holder" }).acquire();
    const contender = new Lock(etcd, key, { ttl: 3, owner: "contender" });
    const leader = await cluster.leader();
    await cluster.crash(leader.name);
    const until = Date.now() + 5_000; // past the 3 s TTL: only refreshes keep the key
    while (Date.now() < until) {
      // An outage answer while the members elect is no acquisition; the value check below would catch one.
      expect(await contender.tryAcquire().catch(() => null)).toBeNull();
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(held.signal.aborted).toBe(false);
    expect((await etcd.get(key, { quorum: true })).node.value).toBe(held.value);
    const waiting = contender.acquire({ signal: AbortSignal.timeout(20_000) });
    await held.release();
    const next = await waiting;
    expect(next.token).toBeGreaterThan(held.token);
    await next.release();
    await cluster.leader();
  });

  it("8 clients × 50 acquisitions: never two holders, fencing tokens strictly increasing", async () => {
    const ref = referee();
    const started = Date.now();
    await Promise.all(Array.from({ length: 8 }, async (_, c) => {
      const client = new EtcdClient({ endpoints: [cluster.url] });
      const lock = new Lock(client, `${p}/contended`, { ttl: 10, owner: `c${c}` });
      for (let i = 0; i < 50; i++) await ref.hold(await lock.acquire({ signal: AbortSignal.timeout(120_000) }));
    }));
    console.log(`client-lock: 400 acquisitions by 8 clients in ${Date.now() - started} ms`);
    expect(ref.tokens).toHaveLength(400);
    expect(ref.overlaps).toBe(0);
    expect(increasing(ref.tokens)).toBe(true);
  }, 180_000);

  it("the ordered lock serves contenders in arrival order with increasing tokens", async () => {
    const dir = `${p}/ordered`;
    const first = await new OrderedLock(etcd, dir, { ttl: 5 }).acquire();
    const order: string[] = [];
    // Each waiter queues its key before the next one starts, so the arrival order is known.
    const waiters: { who: string; acquired: Promise<LockHandle> }[] = [];
    for (const who of ["w1", "w2", "w3"]) {
      waiters.push({ who, acquired: new OrderedLock(etcd, dir, { ttl: 5, owner: who }).acquire({ signal: AbortSignal.timeout(30_000) }) });
      await waitFor(async () => (await etcd.list(dir)).length === waiters.length + 1, 10_000);
    }
    const ref = referee();
    await ref.hold(first);
    for (const w of waiters) {
      const held = await w.acquired;
      order.push(w.who);
      await ref.hold(held, 20);
    }
    expect(order).toEqual(["w1", "w2", "w3"]);
    expect(increasing(ref.tokens)).toBe(true);
  });
});
