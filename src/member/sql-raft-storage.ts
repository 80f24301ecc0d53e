/**
 * Raft's read-only Storage over the member's SQLite tables, plus the write side the Ready loop
 * uses (append, hard state, snapshot install, compaction). Every write happens inside the
 * caller's transactionSync, so HardState, entries and the applied state machine move together.
 *
 * The raft snapshot is "on demand": its metadata is the applied index at the moment raft asks,
 * and its data is empty; the member ships the store's tables in pages out of band (as etcd's
 * rafthttp streams snapshots), captured in the same synchronous turn.
 *
 * @module
 */
import {
  ErrCompacted,
  ErrUnavailable,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
  type SnapshotMetadata,
  type Storage,
} from "../raft/types.js";
import { crc32 } from "../util/crc32.js";
import { Meta, bytesOf, numberOf, type Sql } from "./sql.js";

const entryTypeCode = { normal: 0, confChange: 1 } as const;
const entryOverheadBytes = 24;
/** 5 columns × 16 rows = 80 bound parameters, under the 100 a statement may have. */
const rowsPerInsert = 16;

export class SqlRaftStorage implements Storage {
  private readonly meta: Meta;
  private first: number;
  private last: number;

  constructor(private readonly sql: Sql, private readonly appliedIndex: () => number) {
    this.meta = new Meta(sql);
    this.first = this.meta.num("snap_index") + 1;
    const row = sql.exec("SELECT MAX(idx) AS last FROM raft_log").toArray()[0];
    const maxIdx = row?.last;
    this.last = typeof maxIdx === "number" ? maxIdx : this.first - 1;
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    const hardState: HardState = {
      term: this.meta.num("hs_term"),
      vote: this.meta.str("hs_vote"),
      commit: this.meta.num("hs_commit"),
    };
    const under = this.meta.str("hs_quiesced_under");
    if (under) hardState.quiescedUnder = under;
    return { hardState, confState: this.confState() };
  }

  confState(): ConfState {
    const raw = this.meta.str("conf_voters", "[]");
    return { voters: JSON.parse(raw) as string[] };
  }

  entries(lo: number, hi: number, maxSizeBytes: number): Entry[] {
    if (lo < this.first) throw ErrCompacted;
    if (hi > this.last + 1) throw ErrUnavailable;
    const rows = this.sql
      .exec("SELECT idx, term, type, data, crc FROM raft_log WHERE idx >= ? AND idx < ? ORDER BY idx", lo, hi)
      .toArray();
    const out: Entry[] = [];
    let size = 0;
    if (rows.length === 0 && hi > lo) throw new Error(`raft_log: missing entries in [${lo}, ${hi})`);
    for (const row of rows) {
      if (numberOf(row.idx) !== lo + out.length) throw new Error(`raft_log: gap before index ${numberOf(row.idx)}`);
      const entry: Entry = {
        index: numberOf(row.idx),
        term: numberOf(row.term),
        type: row.type === entryTypeCode.confChange ? "confChange" : "normal",
        data: bytesOf(row.data),
      };
      if (entryCrc(entry) !== numberOf(row.crc)) throw new Error(`raft_log: CRC mismatch at index ${entry.index}`);
      size += entry.data.length + entryOverheadBytes;
      if (out.length > 0 && size > maxSizeBytes) break;
      out.push(entry);
    }
    return out;
  }

  term(i: number): number {
    const snapIndex = this.first - 1;
    if (i === snapIndex) return this.meta.num("snap_term");
    if (i < snapIndex) throw ErrCompacted;
    if (i > this.last) throw ErrUnavailable;
    const row = this.sql.exec("SELECT term FROM raft_log WHERE idx = ?", i).toArray()[0];
    if (!row) throw new Error(`raft_log: missing index ${i}`);
    return numberOf(row.term);
  }

  firstIndex(): number {
    return this.first;
  }

  lastIndex(): number {
    return this.last;
  }

  snapshot(): Snapshot {
    const index = this.appliedIndex();
    return { metadata: { index, term: this.term(index), confState: this.confState() }, data: new Uint8Array(0) };
  }

  // ---- write side (inside transactionSync) ----

  setHardState(hs: HardState): void {
    this.meta.set("hs_term", hs.term);
    this.meta.set("hs_vote", hs.vote);
    this.meta.set("hs_commit", hs.commit);
    // The quiesce record goes to disk with the term it belongs to (raft-quiesce.ts).
    this.meta.set("hs_quiesced_under", hs.quiescedUnder ?? "");
  }

  setConfState(cs: ConfState): void {
    this.meta.set("conf_voters", JSON.stringify(cs.voters));
  }

  /** Append entries, truncating any conflicting suffix (raft guarantees entries are contiguous). */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const firstNew = entries[0]!.index;
    if (firstNew < this.first) throw new Error(`append below first index: ${firstNew} < ${this.first}`);
    if (firstNew > this.last + 1) throw new Error(`append leaves a gap: ${firstNew} > ${this.last + 1}`);
    if (firstNew <= this.last) this.sql.exec("DELETE FROM raft_log WHERE idx >= ?", firstNew);
    // One statement per chunk: SQLite in a Durable Object allows 100 bound parameters.
    for (let i = 0; i < entries.length; i += rowsPerInsert) {
      const chunk = entries.slice(i, i + rowsPerInsert);
      const values: unknown[] = [];
      for (const e of chunk) values.push(e.index, e.term, entryTypeCode[e.type], e.data, entryCrc(e));
      this.sql.exec(`INSERT INTO raft_log (idx, term, type, data, crc) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?)").join(", ")}`, ...values);
    }
    this.last = entries[entries.length - 1]!.index;
  }

  /** Install snapshot metadata: the log restarts after it. The caller restores the state machine. */
  applySnapshot(meta: SnapshotMetadata): void {
    this.sql.exec("DELETE FROM raft_log");
    this.meta.set("snap_index", meta.index);
    this.meta.set("snap_term", meta.term);
    this.setConfState(meta.confState);
    this.first = meta.index + 1;
    this.last = meta.index;
  }

  /** Drop entries up to and including `index` (which must be applied). */
  compact(index: number): void {
    if (index < this.first) return;
    if (index > this.appliedIndex()) throw new Error(`compact ${index} beyond applied ${this.appliedIndex()}`);
    const term = this.term(index);
    this.sql.exec("DELETE FROM raft_log WHERE idx <= ?", index);
    this.meta.set("snap_index", index);
    this.meta.set("snap_term", term);
    this.first = index + 1;
  }
}

function entryCrc(e: Entry): number {
  const header = new Uint8Array(entryOverheadBytes);
  const view = new DataView(header.buffer);
  view.setFloat64(0, e.index);
  view.setFloat64(8, e.term);
  view.setFloat64(16, entryTypeCode[e.type]);
  return crc32(e.data, crc32(header));
}
