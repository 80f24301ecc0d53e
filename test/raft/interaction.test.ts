import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runFile } from "./harness/datadriven.js";
import { InteractionEnv } from "./harness/interaction-env.js";
import { handle } from "./harness/interaction-handlers.js";

const dir = join(import.meta.dirname, "../testdata/raft");
const files = readdirSync(dir).filter((f) => f.endsWith(".txt")).sort();

describe("raft interaction scenarios (REWRITE=1 regenerates)", () => {
  it("has scenario files", () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    it(f, () => {
      const env = new InteractionEnv();
      const { mismatches } = runFile(join(dir, f), (tc) => handle(env, tc));
      const first = mismatches[0];
      if (first !== undefined) {
        expect(first.actual, `${f}:${first.tc.line}: ${first.tc.input}`).toBe(first.tc.expected);
      }
    });
  }
});
