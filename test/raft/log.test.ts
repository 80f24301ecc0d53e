import { describe, expect, it } from "vitest";
import { RaftLog } from "../../src/raft/log.js";
import { Unstable } from "../../src/raft/log-unstable.js";
import { MemoryStorage } from "../../src/raft/storage.js";
import { ErrCompacted, ErrSnapOutOfDate, ErrUnavailable, type Entry } from "../../src/raft/types.js";
import { entryOverheadBytes } from "../../src/raft/util.js";

function ent(index: number, term: number, data = ""): Entry {
  return { index, term, type: "normal", data: new TextEncoder().encode(data) };
}

function ents(...specs: [number, number][]): Entry[] {
  return specs.map(([i, t]) => ent(i, t));
}

const all = Number.MAX_SAFE_INTEGER;

describe("MemoryStorage", () => {
  it("answers term and entries around its dummy entry, and truncates on conflicting append", () => {
    const s = new MemoryStorage();
    s.append(ents([1, 1], [2, 1], [3, 2]));
    expect(s.firstIndex()).toBe(1);
    expect(s.lastIndex()).toBe(3);
    expect(s.term(0)).toBe(0);
    expect(s.term(3)).toBe(2);
    expect(() => s.term(4)).toThrow(ErrUnavailable);
    s.append(ents([2, 3]));
    expect(s.lastIndex()).toBe(2);
    expect(s.term(2)).toBe(3);
    expect(() => s.append(ents([5, 3]))).toThrow(/missing log entry/);
  });

  it("compacts, snapshots and refuses stale snapshots", () => {
    const s = new MemoryStorage();
    s.append(ents([1, 1], [2, 1], [3, 2], [4, 2]));
    const snap = s.createSnapshot(3, { voters: ["1"] }, new Uint8Array(0));
    expect(snap.metadata).toEqual({ index: 3, term: 2, confState: { voters: ["1"] } });
    s.compact(3);
    expect(s.firstIndex()).toBe(4);
    expect(s.term(3)).toBe(2);
    expect(() => s.term(2)).toThrow(ErrCompacted);
    expect(() => s.entries(3, 5, all)).toThrow(ErrCompacted);
    expect(s.entries(4, 5, all).map((e) => e.index)).toEqual([4]);
    expect(() => s.compact(3)).toThrow(ErrCompacted);
    expect(() => s.createSnapshot(2, { voters: [] }, new Uint8Array(0))).toThrow(ErrSnapOutOfDate);
    // Appending entries that overlap the compacted prefix keeps only the new part.
    s.append(ents([2, 1], [3, 2], [4, 2], [5, 3]));
    expect(s.lastIndex()).toBe(5);
    expect(() => s.applySnapshot({ metadata: { index: 3, term: 2, confState: { voters: [] } }, data: new Uint8Array(0) })).toThrow(ErrSnapOutOfDate);
  });

  it("limits entries by size but always returns one", () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1, "aaaa"), ent(2, 1, "bbbb"), ent(3, 1, "cccc")]);
    const one = entryOverheadBytes + 4;
    expect(s.entries(1, 4, 0).length).toBe(1);
    expect(s.entries(1, 4, one * 2).length).toBe(2);
    expect(s.entries(1, 4, one * 2 + 1).length).toBe(2);
  });
});

describe("Unstable", () => {
  it("truncateAndAppend in the three cases, keeping offsetInProgress consistent", () => {
    const u = new Unstable(5);
    u.truncateAndAppend(ents([5, 1], [6, 1], [7, 1]));
    u.acceptInProgress();
    expect(u.nextEntries()).toEqual([]);
    u.truncateAndAppend(ents([8, 1]));
    expect(u.nextEntries().map((e) => e.index)).toEqual([8]);
    // Replace a suffix that was in progress: it must be handed out again.
    u.truncateAndAppend(ents([7, 2], [8, 2]));
    expect(u.offsetInProgress).toBe(7);
    expect(u.nextEntries().map((e) => `${e.term}/${e.index}`)).toEqual(["2/7", "2/8"]);
    // Replace everything from before the offset.
    u.truncateAndAppend(ents([4, 3]));
    expect(u.offset).toBe(4);
    expect(u.entries.length).toBe(1);
  });

  it("stableTo ignores an entry that was replaced since", () => {
    const u = new Unstable(1);
    u.truncateAndAppend(ents([1, 1], [2, 1]));
    u.truncateAndAppend(ents([2, 2]));
    u.stableTo(2, 1); // stale: index 2 now has term 2
    expect(u.offset).toBe(1);
    u.stableTo(2, 2);
    expect(u.offset).toBe(3);
    expect(u.entries).toEqual([]);
  });
});

describe("RaftLog", () => {
  function logWith(specs: [number, number][]): RaftLog {
    const s = new MemoryStorage();
    s.append(ents(...specs));
    return new RaftLog(s);
  }

  it("maybeAppend: matches, appends, truncates conflicts, and commits up to the last new entry", () => {
    const l = logWith([[1, 1], [2, 2], [3, 3]]);
    expect(l.maybeAppend(3, 2, 3, ents([4, 4]))).toBeUndefined(); // term mismatch at 3
    expect(l.maybeAppend(3, 3, 10, ents([4, 4], [5, 4]))).toBe(5);
    expect(l.committed).toBe(5); // min(leader commit, last new)
    expect(l.lastIndex()).toBe(5);
    const l2 = logWith([[1, 1], [2, 2], [3, 3]]);
    expect(l2.maybeAppend(1, 1, 1, ents([2, 2], [3, 4]))).toBe(3);
    expect(l2.term(3)).toBe(4);
    expect(l2.committed).toBe(1);
    // A conflict below commit is a programmer error.
    expect(() => l.maybeAppend(1, 1, 1, ents([2, 9]))).toThrow(/conflict with committed/);
  });

  it("findConflict and findConflictByTerm", () => {
    const l = logWith([[1, 1], [2, 1], [3, 2], [4, 2], [5, 4]]);
    expect(l.findConflict(ents([1, 1], [2, 1]))).toBe(0);
    expect(l.findConflict(ents([4, 2], [5, 5]))).toBe(5);
    expect(l.findConflict(ents([5, 4], [6, 4]))).toBe(6);
    expect(l.findConflictByTerm(5, 3)).toEqual({ index: 4, term: 2 });
    expect(l.findConflictByTerm(5, 1)).toEqual({ index: 2, term: 1 });
    expect(l.findConflictByTerm(5, 0)).toEqual({ index: 0, term: 0 });
  });

  it("isUpToDate compares last term, then last index", () => {
    const l = logWith([[1, 1], [2, 2]]);
    expect(l.isUpToDate(1, 3)).toBe(true);
    expect(l.isUpToDate(2, 2)).toBe(true);
    expect(l.isUpToDate(1, 2)).toBe(false);
    expect(l.isUpToDate(9, 1)).toBe(false);
  });

  it("maybeCommit only commits an entry of the given term", () => {
    const l = logWith([[1, 1], [2, 1], [3, 2]]);
    expect(l.maybeCommit(2, 2)).toBe(false);
    expect(l.committed).toBe(0);
    expect(l.maybeCommit(3, 2)).toBe(true);
    expect(l.committed).toBe(3);
    expect(() => l.commitTo(9)).toThrow(/out of range/);
  });

  it("nextCommittedEnts spans storage and unstable, bounded per Ready, and advances with applying", () => {
    const s = new MemoryStorage();
    s.append(ents([1, 1], [2, 1]));
    const l = new RaftLog(s, entryOverheadBytes * 2);
    l.append(ents([3, 1], [4, 1]));
    l.commitTo(4);
    const first = l.nextCommittedEnts();
    expect(first.map((e) => e.index)).toEqual([1, 2]);
    l.acceptApplying(2);
    expect(l.nextCommittedEnts().map((e) => e.index)).toEqual([3, 4]);
    l.appliedTo(2);
    expect(l.applied).toBe(2);
    expect(() => l.appliedTo(1)).toThrow(/out of range/);
    expect(() => l.appliedTo(5)).toThrow(/out of range/);
  });

  it("restore replaces the log with a snapshot and blocks applying until it is persisted", () => {
    const l = logWith([[1, 1], [2, 1]]);
    l.restore({ metadata: { index: 10, term: 3, confState: { voters: [] } }, data: new Uint8Array(0) });
    expect(l.committed).toBe(10);
    expect(l.firstIndex()).toBe(11);
    expect(l.lastIndex()).toBe(10);
    expect(l.term(10)).toBe(3);
    expect(l.term(2)).toBeUndefined();
    expect(l.hasNextCommittedEnts()).toBe(false);
    expect(l.entries(5, all)).toBeUndefined(); // compacted: the leader must send a snapshot
  });
});
