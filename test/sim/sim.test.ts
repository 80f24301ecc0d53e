// A fixed batch of simulator seeds with every invariant checked after every step, plus the
// determinism promise: a seed fully determines its trace.
import { describe, expect, it } from "vitest";
import { runSeed, type SeedResult } from "./run-seed.js";

const batchSeeds = 100;
const stepsPerSeed = 1000;

function explain(r: SeedResult): string {
  return `seed ${r.seed}: ${r.violation?.message}\n${r.traceTail.join("\n")}\nreplay: npm run sim -- --seed ${r.seed} --steps ${stepsPerSeed} --trace`;
}

describe("raft cluster simulation", () => {
  it(`keeps every invariant over seeds 1..${batchSeeds} (${stepsPerSeed} steps each, then heal and converge)`, () => {
    const failures: string[] = [];
    let committed = 0;
    let acked = 0;
    let resumed = 0;
    let committedByResumed = 0;
    for (let seed = 1; seed <= batchSeeds; seed++) {
      const r = runSeed(seed, { steps: stepsPerSeed });
      if (r.violation !== undefined) failures.push(explain(r));
      committed += r.committedIndex;
      acked += r.acked;
      resumed += r.wake.resumedLeaders;
      committedByResumed += r.wake.committedByResumed;
    }
    expect(failures).toEqual([]);
    // The batch must actually do work, or "no violations" means nothing: the wake path too.
    expect(committed).toBeGreaterThan(batchSeeds * 10);
    expect(acked).toBeGreaterThan(batchSeeds * 5);
    expect(resumed).toBeGreaterThan(batchSeeds);
    expect(committedByResumed).toBeGreaterThan(batchSeeds * 5);
  });

  it("covers 3- and 5-node clusters when forced", () => {
    for (const nodes of [3, 5]) {
      const r = runSeed(4242, { steps: 500, nodes });
      expect(r.params.nodes).toBe(nodes);
      expect(r.violation, r.violation?.message).toBeUndefined();
    }
  });

  it("replays a seed to a byte-identical trace", () => {
    for (const seed of [7, 1234, 99999]) {
      const a = runSeed(seed, { steps: 600, traceAll: true });
      const b = runSeed(seed, { steps: 600, traceAll: true });
      expect(b.trace!.join("\n")).toBe(a.trace!.join("\n"));
      expect(b.traceHash).toBe(a.traceHash);
      expect(runSeed(seed + 1, { steps: 600 }).traceHash).not.toBe(a.traceHash);
    }
  });
});
