// The checkers must bite: each hand-made violating history below has to be reported.
import { describe, expect, it } from "vitest";
import type { Entry } from "../../src/raft/types.js";
import { SafetyChecker, SimViolation } from "./sim-checker.js";
import { CHAIN_START, asciiBytes, chainHash, entryDataHash } from "./sim-hash.js";

function ent(index: number, term: number, payload: string): Entry {
  return { index, term, type: "normal", data: asciiBytes(payload) };
}

/** A node's state hash after applying `entries` on top of the bootstrap state. */
function stateAfter(entries: Entry[]): number {
  let h = CHAIN_START;
  for (const e of entries) h = chainHash(h, e.index, e.term, entryDataHash(e.type, e.data));
  return h;
}

function fresh(): SafetyChecker {
  return new SafetyChecker(1, 1, CHAIN_START);
}

function violation(f: () => void): string {
  try {
    f();
  } catch (e) {
    if (e instanceof SimViolation) return e.invariant;
    throw e;
  }
  return "none";
}

describe("SafetyChecker", () => {
  it("accepts a consistent history", () => {
    const c = fresh();
    const log = [ent(2, 2, "a"), ent(3, 2, "b")];
    c.onLeader("1", 2);
    c.onLeader("1", 2);
    c.onAppend("1", log, 1, 1);
    c.onAppend("2", log, 1, 1);
    c.onCommit("1", 3, (i) => log[i - 2]!.term);
    c.onApply("1", log[0]!, stateAfter(log.slice(0, 1)));
    c.onApply("1", log[1]!, stateAfter(log));
    c.onApply("2", log[0]!, stateAfter(log.slice(0, 1)));
    c.onLeader("2", 3);
    c.onLeaderLog("2", 3, 2, 3, (i) => log[i - 2]!.term);
    c.onSnapshot("3", 3, 2, stateAfter(log));
    expect(c.committedIndex).toBe(3);
  });

  it("reports two leaders in one term", () => {
    const c = fresh();
    c.onLeader("1", 5);
    expect(violation(() => c.onLeader("2", 5))).toBe("election safety");
  });

  it("reports a changed committed entry (different payload, same index and term)", () => {
    const c = fresh();
    c.onApply("1", ent(2, 2, "a"), stateAfter([ent(2, 2, "a")]));
    expect(violation(() => c.onApply("2", ent(2, 2, "b"), stateAfter([ent(2, 2, "b")])))).toBe("committed entry changed");
  });

  it("reports a changed committed entry (different term)", () => {
    const c = fresh();
    c.onApply("1", ent(2, 2, "a"), stateAfter([ent(2, 2, "a")]));
    expect(violation(() => c.onApply("2", ent(2, 3, "a"), stateAfter([ent(2, 3, "a")])))).toBe("committed entry changed");
  });

  it("reports a node overwriting an entry it had committed", () => {
    const c = fresh();
    c.onApply("1", ent(2, 2, "a"), stateAfter([ent(2, 2, "a")]));
    expect(violation(() => c.onAppend("2", [ent(2, 4, "x")], 1, 2))).toBe("committed entry changed");
  });

  it("reports a commit index that goes back", () => {
    const c = fresh();
    c.onCommit("1", 5, () => 1);
    expect(violation(() => c.onCommit("1", 4, () => 1))).toBe("commit monotonic");
  });

  it("reports a committed index whose log entry differs from history", () => {
    const c = fresh();
    c.onApply("1", ent(2, 2, "a"), stateAfter([ent(2, 2, "a")]));
    expect(violation(() => c.onCommit("2", 2, () => 7))).toBe("committed entry changed");
  });

  it("reports log matching violations: same index and term, different content or prefix", () => {
    const c = fresh();
    c.onAppend("1", [ent(3, 2, "a")], 1, 0);
    expect(violation(() => c.onAppend("2", [ent(3, 2, "b")], 1, 0))).toBe("log matching");
    expect(violation(() => c.onAppend("3", [ent(3, 2, "a")], 2, 0))).toBe("log matching");
  });

  it("reports a gap or repeat in a node's applied sequence", () => {
    const c = fresh();
    const log = [ent(2, 2, "a"), ent(3, 2, "b"), ent(4, 2, "c")];
    c.onApply("1", log[0]!, stateAfter(log.slice(0, 1)));
    expect(violation(() => c.onApply("1", log[2]!, stateAfter(log)))).toBe("applied sequence");
    expect(violation(() => c.onApply("1", log[0]!, stateAfter(log.slice(0, 1))))).toBe("applied sequence");
  });

  it("reports a state machine that diverged from a replay of history", () => {
    const c = fresh();
    expect(violation(() => c.onApply("1", ent(2, 2, "a"), 12345))).toBe("state machine safety");
  });

  it("reports a snapshot at or below applied, and a restart that forgot applied", () => {
    const c = fresh();
    const log = [ent(2, 2, "a"), ent(3, 2, "b")];
    c.onApply("1", log[0]!, stateAfter(log.slice(0, 1)));
    c.onApply("1", log[1]!, stateAfter(log));
    expect(violation(() => c.onSnapshot("1", 2, 2, stateAfter(log.slice(0, 1))))).toBe("applied monotonic");
    expect(violation(() => c.onRestart("1", 2))).toBe("applied monotonic");
    expect(violation(() => c.onSnapshot("2", 3, 2, 999))).toBe("state machine safety");
    expect(violation(() => c.onSnapshot("2", 9, 2, 999))).toBe("snapshot committed");
  });

  it("reports a leader missing a committed entry (leader completeness)", () => {
    const c = fresh();
    const log = [ent(2, 2, "a"), ent(3, 2, "b")];
    c.onApply("1", log[0]!, stateAfter(log.slice(0, 1)));
    c.onApply("1", log[1]!, stateAfter(log));
    expect(violation(() => c.onLeaderLog("2", 3, 2, 2, () => 2))).toBe("leader completeness");
    expect(violation(() => c.onLeaderLog("2", 3, 2, 3, (i) => (i === 3 ? 1 : 2)))).toBe("leader completeness");
  });

  it("reports a voter that could win an election without the last committed entry (figure 8)", () => {
    const c = fresh();
    const log = [ent(2, 2, "a")];
    c.onApply("1", log[0]!, stateAfter(log));
    const voter = (id: string, lastIndex: number, lastTerm: number, has: boolean) => ({
      id,
      lastIndex,
      lastTerm,
      holds: () => has,
    });
    // Fine: the only voter lacking index 2 has an older log than the two holding it.
    c.onElectable([voter("1", 2, 2, true), voter("2", 2, 2, true), voter("3", 1, 1, false)]);
    // Figure 8: index 2 (term 2) sits on a majority, yet "3" has a term-3 entry and wins.
    expect(
      violation(() => c.onElectable([voter("1", 2, 2, true), voter("2", 2, 2, true), voter("3", 2, 3, false)])),
    ).toBe("leader completeness");
  });
});
