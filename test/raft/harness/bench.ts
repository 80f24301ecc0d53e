/** Throughput of the raft core under the mini simulator: node --import tsx test/raft/harness/bench.ts */
import { MiniSim } from "./mini-sim.js";
for (const nodes of [3, 5]) {
  const sim = new MiniSim(11, { nodes, dropRate: 0.05, dupRate: 0.02, compactEvery: 200, maxQueue: 5000 });
  const steps = 1_000_000;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) sim.step();
  const ms = performance.now() - t0;
  console.log(`${nodes} nodes: ${steps} steps in ${ms.toFixed(0)} ms = ${(steps / ms * 1000).toFixed(0)} steps/s; proposals=${sim.proposals} maxCommit=${sim.maxCommit} terms=${sim.leaders.size} delivered=${sim.messagesDelivered}`);
}
