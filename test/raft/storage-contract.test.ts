// The raft Storage contract (etcd raft's storage.go and its storage_test.go), run against both
// implementations: MemoryStorage (the simulator's) and SqlRaftStorage (the member's, over a real
// SQLite through test/support/node-sql.ts). Raft relies on exactly these answers: which index
// range is readable, ErrCompacted below it, ErrUnavailable above it, size-limited reads, a
// conflicting append truncating the tail, and HardState/ConfState surviving a restart.
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../../src/raft/storage.js";
import { ErrCompacted, ErrUnavailable, type ConfState, type Entry, type HardState, type SnapshotMetadata, type Storage } from "../../src/raft/types.js";
import { SqlRaftStorage } from "../../src/member/sql-raft-storage.js";
import { memberDb } from "../support/node-sql.js";

interface Subject {
  storage: Storage;
  append(entries: Entry[]): void;
  setHardState(hs: HardState): void;
  setConfState(cs: ConfState): void;
  applySnapshot(meta: SnapshotMetadata): void;
  compact(index: number): void;
  /** The same durable state as seen by a restarted member. */
  reopen(): Subject;
}

function memorySubject(): Subject {
  const s = new MemoryStorage();
  const subject: Subject = {
    storage: s,
    append: (es) => s.append(es),
    setHardState: (hs) => s.setHardState(hs),
    setConfState: (cs) => s.setConfState(cs),
    applySnapshot: (meta) => s.applySnapshot({ metadata: meta, data: new Uint8Array(0) }),
    compact: (i) => s.compact(i),
    reopen: () => subject, // memory is its own "disk"
  };
  return subject;
}

function sqlSubject(): Subject {
  const sql = memberDb();
  let applied = 0;
  const open = (): Subject => {
    const s = new SqlRaftStorage(sql, () => applied);
    return {
      storage: s,
      append: (es) => sql.transactionSync(() => s.append(es)),
      setHardState: (hs) => sql.transactionSync(() => s.setHardState(hs)),
      setConfState: (cs) => sql.transactionSync(() => s.setConfState(cs)),
      applySnapshot: (meta) => {
        sql.transactionSync(() => s.applySnapshot(meta));
        applied = meta.index;
      },
      compact: (i) => {
        applied = Math.max(applied, i); // the member compacts only what it applied
        sql.transactionSync(() => s.compact(i));
      },
      reopen: open,
    };
  };
  return open();
}

function ents(from: number, to: number, term: number, tag = ""): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push({ index: i, term, type: "normal", data: new TextEncoder().encode(`${tag}${i}@${term}`) });
  return out;
}

const terms = (s: Storage, lo: number, hi: number): number[] => s.entries(lo, hi, Infinity).map((e) => e.term);

for (const [name, make] of [["MemoryStorage", memorySubject], ["SqlRaftStorage", sqlSubject]] as const) {
  describe(`raft Storage contract: ${name}`, () => {
    it("starts empty: first 1, last 0, term(0) = 0, nothing readable", () => {
      const { storage } = make();
      expect(storage.firstIndex()).toBe(1);
      expect(storage.lastIndex()).toBe(0);
      expect(storage.term(0)).toBe(0);
      expect(() => storage.term(1)).toThrow(ErrUnavailable);
      expect(storage.initialState().hardState).toEqual({ term: 0, vote: "", commit: 0 });
    });

    it("appends and reads back entries in [lo, hi) with their terms and data", () => {
      const s = make();
      s.append(ents(1, 5, 1));
      expect(s.storage.lastIndex()).toBe(5);
      const got = s.storage.entries(2, 5, Infinity);
      expect(got.map((e) => e.index)).toEqual([2, 3, 4]);
      expect(new TextDecoder().decode(got[0]!.data)).toBe("2@1");
      expect(s.storage.term(5)).toBe(1);
      expect(() => s.storage.term(6)).toThrow(ErrUnavailable);
    });

    it("a conflicting append truncates the tail after the matching prefix", () => {
      const s = make();
      s.append(ents(1, 3, 1));
      s.append(ents(4, 7, 2, "old"));
      s.append(ents(5, 5, 3, "new"));
      expect(s.storage.lastIndex()).toBe(5);
      expect(terms(s.storage, 1, 6)).toEqual([1, 1, 1, 2, 3]);
      expect(new TextDecoder().decode(s.storage.entries(5, 6, Infinity)[0]!.data)).toBe("new5@3");
      expect(() => s.storage.term(6)).toThrow(ErrUnavailable);
      // The truncation is durable: a restarted member sees the same log.
      const again = s.reopen();
      expect(again.storage.lastIndex()).toBe(5);
      expect(terms(again.storage, 4, 6)).toEqual([2, 3]);
    });

    it("re-appending the same suffix leaves the log as it was", () => {
      const s = make();
      s.append(ents(1, 4, 1));
      s.append(ents(3, 4, 1));
      expect(s.storage.lastIndex()).toBe(4);
      expect(terms(s.storage, 1, 5)).toEqual([1, 1, 1, 1]);
    });

    it("limits a read by size but always returns at least one entry", () => {
      const s = make();
      s.append(ents(1, 5, 1));
      expect(s.storage.entries(1, 6, 0)).toHaveLength(1);
      const one = s.storage.entries(1, 2, Infinity)[0]!;
      const size = one.data.length;
      const got = s.storage.entries(1, 6, 2 * size + 30);
      expect(got.length).toBeGreaterThanOrEqual(1);
      expect(got.length).toBeLessThan(5);
      expect(got.map((e) => e.index)).toEqual([1, 2, 3, 4, 5].slice(0, got.length));
    });

    it("compaction: first moves past the compacted index, its term stays readable, below it ErrCompacted", () => {
      const s = make();
      s.append(ents(1, 3, 1));
      s.append(ents(4, 8, 2));
      s.compact(5);
      expect(s.storage.firstIndex()).toBe(6);
      expect(s.storage.lastIndex()).toBe(8);
      expect(s.storage.term(5)).toBe(2);
      expect(() => s.storage.term(4)).toThrow(ErrCompacted);
      expect(() => s.storage.entries(5, 7, Infinity)).toThrow(ErrCompacted);
      expect(() => s.storage.entries(4, 7, Infinity)).toThrow(ErrCompacted);
      expect(terms(s.storage, 6, 9)).toEqual([2, 2, 2]);
      expect(() => s.storage.entries(6, 10, Infinity)).toThrow();
      const again = s.reopen();
      expect(again.storage.firstIndex()).toBe(6);
      expect(again.storage.term(5)).toBe(2);
      // Appending after compaction continues the log.
      again.append(ents(9, 9, 3));
      expect(again.storage.lastIndex()).toBe(9);
      expect(again.storage.term(9)).toBe(3);
    });

    it("a snapshot replaces the log: first = index + 1, last = index, term(index) = its term", () => {
      const s = make();
      s.append(ents(1, 4, 1));
      s.applySnapshot({ index: 10, term: 3, confState: { voters: ["a", "b", "c"] } });
      expect(s.storage.firstIndex()).toBe(11);
      expect(s.storage.lastIndex()).toBe(10);
      expect(s.storage.term(10)).toBe(3);
      expect(() => s.storage.term(4)).toThrow(ErrCompacted);
      expect(() => s.storage.term(11)).toThrow(ErrUnavailable);
      expect(s.storage.initialState().confState.voters).toEqual(["a", "b", "c"]);
      s.append(ents(11, 12, 4));
      expect(terms(s.storage, 11, 13)).toEqual([4, 4]);
      const again = s.reopen();
      expect(again.storage.firstIndex()).toBe(11);
      expect(again.storage.lastIndex()).toBe(12);
      expect(again.storage.term(10)).toBe(3);
      expect(again.storage.initialState().confState.voters).toEqual(["a", "b", "c"]);
    });

    it("HardState and ConfState survive a restart", () => {
      const s = make();
      s.append(ents(1, 3, 2));
      s.setHardState({ term: 7, vote: "b", commit: 3 });
      s.setConfState({ voters: ["a", "b"] });
      const again = s.reopen();
      const init = again.storage.initialState();
      expect(init.hardState).toMatchObject({ term: 7, vote: "b", commit: 3 });
      expect(init.confState.voters).toEqual(["a", "b"]);
      expect(again.storage.lastIndex()).toBe(3);
    });

    it("a read ending past the last index is refused", () => {
      const s = make();
      s.append(ents(1, 3, 1));
      expect(() => s.storage.entries(2, 6, Infinity)).toThrow();
    });
  });
}

describe("SqlRaftStorage: what only the SQLite log must also do", () => {
  it("detects a CRC mismatch on read and never returns the corrupted entry", () => {
    const sql = memberDb();
    const s = new SqlRaftStorage(sql, () => 0);
    sql.transactionSync(() => s.append(ents(1, 3, 1)));
    sql.exec("UPDATE raft_log SET data = ? WHERE idx = 2", new TextEncoder().encode("2@9"));
    expect(() => s.entries(1, 4, Infinity)).toThrow(/CRC mismatch at index 2/);
    expect(s.entries(1, 2, Infinity)).toHaveLength(1);
  });

  it("an append that throws inside the transaction leaves the log untouched", () => {
    const sql = memberDb();
    const s = new SqlRaftStorage(sql, () => 0);
    sql.transactionSync(() => s.append(ents(1, 3, 1)));
    expect(() =>
      sql.transactionSync(() => {
        s.append(ents(2, 2, 5));
        throw new Error("crash mid-Ready");
      }),
    ).toThrow("crash mid-Ready");
    const again = new SqlRaftStorage(sql, () => 0);
    expect(again.lastIndex()).toBe(3);
    expect(again.term(2)).toBe(1);
  });

  it("writes more entries than one statement may bind (100 parameters) in chunks", () => {
    const sql = memberDb();
    const s = new SqlRaftStorage(sql, () => 0);
    sql.transactionSync(() => s.append(ents(1, 50, 1)));
    expect(new SqlRaftStorage(sql, () => 0).lastIndex()).toBe(50);
  });
});
