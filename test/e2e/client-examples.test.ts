/**
 * The SDK's recipes end to end: each runnable example (examples/) starts its cooperating
 * parties against the local cluster and throws if its property fails (two lock holders, a
 * missed message, a job taken twice, two leaders, a stale config or instance list).
 */
import { describe, inject, it } from "vitest";
import { examples } from "../../examples/index.js";
import { runExample } from "../../examples/lib.js";

describe("client recipes (the examples)", () => {
  for (const [name, example] of Object.entries(examples)) {
    it(name, async () => {
      const lines: string[] = [];
      try {
        await runExample(name, example, inject("clusterUrl"), (l) => lines.push(l), 50_000);
      } catch (e) {
        throw new Error(`${String(e)}\n${lines.join("\n")}`);
      }
    });
  }
});
