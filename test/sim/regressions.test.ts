// Seeds that once failed, pinned so they stay fixed. Each name says what went wrong then.
import { describe, expect, it } from "vitest";
import { runSeed } from "./run-seed.js";

function expectClean(seed: number, steps = 1000): void {
  const r = runSeed(seed, { steps });
  expect(r.violation, `${r.violation?.message}\n${r.traceTail.join("\n")}`).toBeUndefined();
}

describe("pinned simulator seeds", () => {
  it("seed 6 — a follower stalled at commit 17: a lost MsgSnap left the leader's Progress in StateSnapshot (the transport now reports snapshot status)", () => {
    expectClean(6);
  });

  it("seed 22 — a new member never caught up (commit 0) for the same reason", () => {
    expectClean(22);
  });

  it("seed 162 — removing the leader itself: it stepped down, survivors still counted it and split votes past the bound (the simulator no longer removes the leader)", () => {
    expectClean(162);
  });

  it("seed 1000 — CheckQuorum without PreVote: a stale member with a higher term deposed leaders for 14 election timeouts", () => {
    expectClean(1000);
  });
});
