// Seeds that once failed, pinned so they stay fixed. Each name says what went wrong then.
// A seed replays the same run only with the same generator (sim-params, event mix, fault
// choices): when those change, re-check that each seed still exercises its scenario (undo
// the fix, see it fail) and re-pin if it does not.
import { describe, expect, it } from "vitest";
import { livenessElectionTimeouts, runSeed } from "./run-seed.js";

function run(seed: number, steps = 1000): ReturnType<typeof runSeed> {
  const r = runSeed(seed, { steps });
  expect(r.violation, `${r.violation?.message}\n${r.traceTail.join("\n")}`).toBeUndefined();
  return r;
}

describe("pinned simulator seeds", () => {
  it("seed 3 — a follower stalled at commit 10: a lost MsgSnap left the leader's Progress in StateSnapshot forever (the simulated transport now reports snapshot status)", () => {
    run(3);
  });

  it("seed 37 — two new members never caught up (commit 19 and 22) for the same reason", () => {
    run(37);
  });

  it("seed 7065 — without PreVote, stale members kept resetting up-to-date members' election timers; convergence took 12.9 election timeouts, past the 10 first allowed", () => {
    const r = run(7065);
    expect(r.params.raft.preVote).toBe(false);
    expect(r.livenessTicks).toBeGreaterThan(livenessElectionTimeouts * r.params.raft.electionTick);
  });
});
