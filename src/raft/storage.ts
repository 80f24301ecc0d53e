/**
 * MemoryStorage: the in-memory Storage of etcd-raft's storage.go. ents[0] is a dummy entry
 * holding the snapshot's index and term, so term(firstIndex-1) always answers.
 *
 * Bootstrap a cluster by applying a snapshot whose ConfState lists the initial voters.
 *
 * @module
 */
import {
  ErrCompacted,
  ErrSnapOutOfDate,
  ErrUnavailable,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
  type Storage,
} from "./types.js";
import { assert, limitSize } from "./util.js";

const emptyData = new Uint8Array(0);

export class MemoryStorage implements Storage {
  private hardState: HardState = { term: 0, vote: "", commit: 0 };
  private snap: Snapshot = { metadata: { index: 0, term: 0, confState: { voters: [] } }, data: emptyData };
  private ents: Entry[] = [{ term: 0, index: 0, type: "normal", data: emptyData }];
  /** The configuration as of the shell's applied index (see setConfState). */
  private confState: ConfState = { voters: [] };

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: { voters: [...this.confState.voters] } };
  }

  /**
   * Records the configuration returned by RawNode.applyConfChange. A shell that restarts
   * with Config.applied past the snapshot must do this (etcd re-applies conf changes from
   * the log instead); applySnapshot sets it too.
   */
  setConfState(cs: ConfState): void {
    this.confState = { voters: [...cs.voters] };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  private offset(): number {
    return this.ents[0]!.index;
  }

  entries(lo: number, hi: number, maxSizeBytes: number): Entry[] {
    const offset = this.offset();
    if (lo <= offset) throw ErrCompacted;
    assert(hi <= this.lastIndex() + 1, `entries' hi(${hi}) is out of bound lastindex(${this.lastIndex()})`);
    if (this.ents.length === 1) throw ErrUnavailable;
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxSizeBytes);
  }

  term(i: number): number {
    const offset = this.offset();
    if (i < offset) throw ErrCompacted;
    const e = this.ents[i - offset];
    if (e === undefined) throw ErrUnavailable;
    return e.term;
  }

  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the contents with the snapshot (the log after it is discarded). */
  applySnapshot(snap: Snapshot): void {
    if (this.snap.metadata.index >= snap.metadata.index) throw ErrSnapOutOfDate;
    this.snap = snap;
    this.confState = { voters: [...snap.metadata.confState.voters] };
    this.ents = [{ term: snap.metadata.term, index: snap.metadata.index, type: "normal", data: emptyData }];
  }

  /** Records a snapshot of the state machine at applied index i; the log is not compacted. */
  createSnapshot(i: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (i <= this.snap.metadata.index) throw ErrSnapOutOfDate;
    assert(i <= this.lastIndex(), `snapshot ${i} is out of bound lastindex(${this.lastIndex()})`);
    const term = this.ents[i - this.offset()]!.term;
    this.snap = { metadata: { index: i, term, confState: { voters: [...confState.voters] } }, data };
    return this.snap;
  }

  /** Discards entries before compactIndex; compactIndex becomes the dummy entry. */
  compact(compactIndex: number): void {
    const offset = this.offset();
    if (compactIndex <= offset) throw ErrCompacted;
    assert(compactIndex <= this.lastIndex(), `compact ${compactIndex} is out of bound lastindex(${this.lastIndex()})`);
    const i = compactIndex - offset;
    const head = this.ents[i]!;
    const rest = this.ents.slice(i + 1);
    rest.unshift({ term: head.term, index: head.index, type: "normal", data: emptyData });
    this.ents = rest;
  }

  /** Appends entries, truncating any conflicting suffix. Entries must be contiguous. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const lastNew = entries[0]!.index + entries.length - 1;
    if (lastNew < first) return; // all already compacted
    let from = 0;
    if (first > entries[0]!.index) from = first - entries[0]!.index;
    const start = entries[from]!.index - this.offset();
    assert(start <= this.ents.length, `missing log entry [last: ${this.lastIndex()}, append at: ${entries[from]!.index}]`);
    this.ents.length = start;
    for (let k = from; k < entries.length; k++) this.ents.push(entries[k]!);
  }
}
