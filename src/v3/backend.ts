/**
 * The storage port under the v3 MVCC store (src/v3/store.ts). Two implementations: in memory
 * (the in-process server, tests) and SQLite tables inside a member (src/member/v3-sql-backend.ts),
 * so a member applies a committed entry in the transaction that advances its applied index.
 *
 * The history holds one row per change, (revision, sub) ordered, tombstones included: it answers
 * ranges at past revisions and feeds watches. The live table is its newest row per key, minus
 * deleted keys: it answers current ranges without walking history.
 *
 * @module
 */
import type { KeyRange, KeyValue, Lease } from "./types.js";

export interface HistoryRow {
  revision: number;
  sub: number;
  /** A tombstone carries only the key and its mod revision. */
  tombstone: boolean;
  kv: KeyValue;
}

export interface V3Backend {
  /** The store's current revision (1 when fresh) and its compaction point (0: none). */
  revision(): number;
  setRevision(rev: number): void;
  compactRevision(): number;
  setCompactRevision(rev: number): void;

  /** The live pair of `key`, or undefined. */
  get(key: string): KeyValue | undefined;
  /** Live pairs in `r`, ascending by key; at most `limit` (0: all). */
  rangeLive(r: KeyRange, limit: number): KeyValue[];
  countLive(r: KeyRange): number;
  /** Pairs in `r` as they were at `rev`, ascending by key. */
  rangeAt(r: KeyRange, rev: number): KeyValue[];
  /** Record a put (live + history). */
  put(row: HistoryRow): void;
  /** Record a delete (live row gone, tombstone in history). */
  remove(row: HistoryRow): void;
  /** History rows with revision ≥ from, in (revision, sub) order; at most `limit`. */
  historyFrom(from: number, limit: number): HistoryRow[];
  /** The row before (revision, sub) for `key`, or undefined (none, or compacted away). */
  previous(key: string, revision: number, sub: number): HistoryRow | undefined;
  /** Drop history superseded at `rev`: older rows of every key, and tombstones ≤ rev. */
  compact(rev: number): void;

  getLease(id: string): Lease | undefined;
  putLease(l: Lease): void;
  deleteLease(id: string): void;
  /** Every lease, ascending by ID as a number. */
  leases(): Lease[];
  /** Leases with expiresMs ≤ timeMs, earliest first; at most `limit`. */
  dueLeases(timeMs: number, limit: number): Lease[];
  earliestLeaseExpiryMs(): number | null;
  /** Live keys attached to lease `id`, ascending. */
  keysOfLease(id: string): string[];
}

/** Is `key` inside range `r` (etcd's rules for end: "" one key, "00" to the end)? */
export function inRange(r: KeyRange, key: string): boolean {
  if (r.end === "") return key === r.key;
  if (r.end === "00") return key >= r.key;
  return key >= r.key && key < r.end;
}
