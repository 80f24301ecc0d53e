import { describe, expect, it } from "vitest";
import { MiniSim } from "./harness/mini-sim.js";

describe("random clusters (seeded): safety under drops, duplicates, reordering, partitions, crash-restart, compaction, membership changes", () => {
  for (const [seed, nodes] of [[1, 3], [2, 5], [3, 3], [4, 5], [5, 3]] as const) {
    it(`seed ${seed}, ${nodes} nodes`, () => {
      const sim = new MiniSim(seed, { nodes, dropRate: 0.05, dupRate: 0.02, compactEvery: 50, maxQueue: 5000, confChanges: nodes === 5 });
      const steps = 60_000;
      try {
        for (let i = 0; i < steps; i++) sim.step();
      } catch (err) {
        throw new Error(`seed ${seed}: ${(err as Error).message}`);
      }
      // Liveness, loosely: leaders were elected and a good share of proposals committed.
      expect(sim.leaders.size).toBeGreaterThan(0);
      expect(sim.maxCommit).toBeGreaterThan(sim.proposals / 4);
      expect(sim.restarts).toBeGreaterThan(0);
      if (nodes === 5) expect(sim.confChanges).toBeGreaterThan(0);
    });
  }
});
