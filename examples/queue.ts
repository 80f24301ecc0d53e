/** Two producers enqueue ten jobs each; three consumers drain them behind a barrier: each job once, in order. */
import { Barrier, Queue } from "../client/index.js";
import { check, type Example } from "./lib.js";

export const queue: Example = async ({ etcd, prefix, log, signal }) => {
  const q = new Queue(etcd, `${prefix}/jobs`);
  const gate = new Barrier(etcd, `${prefix}/gate`);
  await gate.hold({ ttl: 30 });
  let released = false;
  const taken: { who: string; value: string; index: number; early: boolean }[] = [];
  const consumers = ["c1", "c2", "c3"].map(async (who) => {
    await gate.wait(signal);
    const early = !released;
    while (taken.length < 20) {
      const item = await q.tryDequeue(signal);
      if (item) taken.push({ who, value: item.value, index: item.index, early });
      else await new Promise((r) => setTimeout(r, 20));
    }
  });
  await Promise.all(["p1", "p2"].map(async (p) => {
    for (let i = 0; i < 10; i++) await q.enqueue(`${p}-job${i}`);
  }));
  log("producers enqueued 20 jobs; consumers wait at the barrier");
  released = true;
  await gate.release();
  await Promise.all(consumers);
  log(`consumed: ${taken.map((t) => `${t.who}:${t.value}`).join(" ")}`);
  check(taken.every((t) => !t.early), "no consumer passed the barrier before it was released");
  check(new Set(taken.map((t) => t.value)).size === 20 && taken.length === 20, "each job was consumed exactly once");
  for (const who of ["c1", "c2", "c3"]) {
    const mine = taken.filter((t) => t.who === who).map((t) => t.index);
    check(mine.every((x, i) => i === 0 || x > mine[i - 1]!), `${who} got jobs in FIFO order`);
  }
  const mid = await q.dequeue(AbortSignal.any([signal, AbortSignal.timeout(100)])).catch(() => null);
  check(mid === null, "the drained queue is empty");
};
