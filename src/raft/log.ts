/**
 * RaftLog = durable storage + unstable tail (etcd-raft log.go).
 *
 * Invariants: applied <= applying <= committed <= lastIndex; firstIndex-1 <= applied (after a
 * snapshot is applied). `applying` is the highest index handed out in a Ready for applying.
 *
 * @module
 */
import { ErrCompacted, ErrUnavailable, type Entry, type Snapshot, type Storage } from "./types.js";
import { Unstable } from "./log-unstable.js";
import { assert, entriesSizeBytes, limitSize, noLimitBytes } from "./util.js";

export class RaftLog {
  readonly storage: Storage;
  readonly unstable: Unstable;
  committed: number;
  applying: number;
  applied: number;
  /** Byte budget of committed entries handed out per Ready. */
  readonly maxApplyingEntsSizeBytes: number;

  constructor(storage: Storage, maxApplyingEntsSizeBytes = noLimitBytes) {
    this.storage = storage;
    this.maxApplyingEntsSizeBytes = maxApplyingEntsSizeBytes;
    const firstIndex = storage.firstIndex();
    const lastIndex = storage.lastIndex();
    this.unstable = new Unstable(lastIndex + 1);
    this.committed = firstIndex - 1;
    this.applying = firstIndex - 1;
    this.applied = firstIndex - 1;
  }

  firstIndex(): number {
    const i = this.unstable.maybeFirstIndex();
    return i !== undefined ? i : this.storage.firstIndex();
  }

  lastIndex(): number {
    const i = this.unstable.maybeLastIndex();
    return i !== undefined ? i : this.storage.lastIndex();
  }

  /** Term of entry i, or undefined when i is compacted or beyond the log. */
  term(i: number): number | undefined {
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    try {
      return this.storage.term(i);
    } catch (err) {
      if (err === ErrCompacted || err === ErrUnavailable) return undefined;
      throw err;
    }
  }

  /** Term of i, or 0 for an index out of bounds (etcd's zeroTermOnOutOfBounds). */
  termOrZero(i: number): number {
    return this.term(i) ?? 0;
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    assert(t !== undefined, `unexpected error when getting the last term`);
    return t;
  }

  matchTerm(i: number, t: number): boolean {
    const lt = this.term(i);
    return lt !== undefined && lt === t;
  }

  /** A candidate's log (lasti, term) is at least as up to date as ours. */
  isUpToDate(lasti: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && lasti >= this.lastIndex());
  }

  /**
   * Appends entries following (index, logTerm) if that entry matches. Returns the index of
   * the last new entry, or undefined on mismatch.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      assert(ci > this.committed, `entry ${ci} conflict with committed entry [committed(${this.committed})]`);
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    assert(after >= this.committed, `after(${after}) is out of range [committed(${this.committed})]`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** First index whose term differs from ours (or that we lack); 0 when all match. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index ≤ index whose term ≤ term, with that term: the leader's next probe
   * skips every entry that cannot match (fast backtracking).
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (; index > 0; index--) {
      const ours = this.term(index);
      if (ours === undefined) return { index, term: 0 };
      if (ours <= term) return { index, term: ours };
    }
    return { index: 0, term: 0 };
  }

  commitTo(toCommit: number): void {
    if (this.committed < toCommit) {
      assert(this.lastIndex() >= toCommit, `tocommit(${toCommit}) is out of range [lastIndex(${this.lastIndex()})]`);
      this.committed = toCommit;
    }
  }

  /** Commits maxIndex only if it carries the given (current) term: raft §5.4.2. */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.termOrZero(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    assert(this.committed >= i && i >= this.applied, `applied(${i}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`);
    this.applied = i;
    if (this.applying < i) this.applying = i;
  }

  /** The shell applied a snapshot at index i. */
  appliedSnap(i: number): void {
    if (this.applied < i) this.applied = i;
    if (this.applying < i) this.applying = i;
  }

  hasNextOrInProgressSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  hasNextCommittedEnts(): boolean {
    if (this.hasNextOrInProgressSnapshot()) return false;
    return this.committed > this.applying;
  }

  /** Committed entries not yet handed out, within the per-Ready byte budget. */
  nextCommittedEnts(): Entry[] {
    if (!this.hasNextCommittedEnts()) return [];
    const lo = Math.max(this.applying + 1, this.firstIndex());
    const hi = this.committed + 1;
    if (lo >= hi) return [];
    return this.slice(lo, hi, this.maxApplyingEntsSizeBytes) ?? [];
  }

  acceptApplying(i: number): void {
    assert(i <= this.committed, `applying(${i}) beyond committed(${this.committed})`);
    this.applying = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries from i on, within maxSizeBytes; undefined if i is compacted. */
  entries(i: number, maxSizeBytes: number): Entry[] | undefined {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxSizeBytes);
  }

  /** Entries [lo, hi) within maxSizeBytes; undefined if lo is compacted. */
  slice(lo: number, hi: number, maxSizeBytes: number): Entry[] | undefined {
    assert(lo <= hi, `invalid slice ${lo} > ${hi}`);
    const fi = this.firstIndex();
    if (lo < fi) return undefined;
    assert(hi <= this.lastIndex() + 1, `slice[${lo},${hi}) out of bound [${fi},${this.lastIndex()}]`);
    if (lo === hi) return [];
    const uoff = this.unstable.offset;
    if (lo >= uoff) return limitSize(this.unstable.slice(lo, hi), maxSizeBytes);
    const cut = Math.min(hi, uoff);
    let ents: Entry[];
    try {
      ents = this.storage.entries(lo, cut, maxSizeBytes);
    } catch (err) {
      if (err === ErrCompacted) return undefined;
      if (err === ErrUnavailable) throw new Error(`raft: entries[${lo}:${cut}) is unavailable from storage`);
      throw err;
    }
    if (hi <= uoff || ents.length < cut - lo) return ents;
    const size = entriesSizeBytes(ents);
    if (size >= maxSizeBytes) return ents;
    const more = limitSize(this.unstable.slice(uoff, hi), maxSizeBytes - size);
    if (more.length === 1 && size + entriesSizeBytes(more) > maxSizeBytes) return ents;
    return ents.concat(more);
  }

  /** Every entry in [lo, hi), for tests and debugging (no size limit). */
  allEntries(): Entry[] {
    return this.slice(this.firstIndex(), this.lastIndex() + 1, noLimitBytes) ?? [];
  }
}
