/**
 * Raft safety invariants, checked incrementally after every simulator step (Raft paper
 * fig. 3; etcd raft tla/etcdraft.tla): election safety, log matching, leader completeness,
 * state machine safety, plus monotonic commit/applied indexes. The checker keeps one global
 * committed history (index → term, content, state hash); every node's view is compared to
 * it, so each check is O(new entries), not O(log).
 *
 * A violation is thrown as a SimViolation; the runner turns it into a failing seed.
 *
 * @module
 */
import type { Entry, NodeId } from "../../src/raft/types.js";
import { chainHash, entryDataHash } from "./sim-hash.js";

export class SimViolation extends Error {
  readonly invariant: string;
  constructor(invariant: string, detail: string) {
    super(`${invariant}: ${detail}`);
    this.name = "SimViolation";
    this.invariant = invariant;
  }
}

/** Terms above this would collide in the (index, term) key; a 1000-step run stays far below. */
const termMax = 1 << 22;

/** Reads a node's log term at an index; throws (ErrCompacted/ErrUnavailable) when it cannot. */
export type TermAt = (index: number) => number;

/** A voter's persisted log, as an election would see it. */
export interface VoterLog {
  id: NodeId;
  lastIndex: number;
  lastTerm: number;
  /** Whether the log holds (index, term), counting entries folded into its snapshot. */
  holds(index: number, term: number): boolean;
}

export class SafetyChecker {
  private readonly terms: number[] = [];
  private readonly dataHashes: number[] = [];
  private readonly chain: number[] = [];
  private readonly baseIndex: number;
  private readonly leaders = new Map<number, NodeId>();
  /** (index, term) → content hash and previous entry's term, as first appended anywhere. */
  private readonly appended = new Map<number, { dataHash: number; prevTerm: number | undefined }>();
  private readonly commits = new Map<NodeId, number>();
  private readonly applied = new Map<NodeId, number>();

  /** The history starts at the bootstrap snapshot every initial member shares. */
  constructor(baseIndex: number, baseTerm: number, baseHash: number) {
    this.baseIndex = baseIndex;
    this.terms[baseIndex] = baseTerm;
    this.chain[baseIndex] = baseHash;
  }

  /** Index of the last entry known committed anywhere. */
  get committedIndex(): number {
    return this.chain.length - 1;
  }

  committedTerm(index: number): number | undefined {
    return this.terms[index];
  }

  stateHash(index: number): number | undefined {
    return this.chain[index];
  }

  /** Election safety: at most one leader per term, ever (across crashes and restarts). */
  onLeader(id: NodeId, term: number): void {
    const other = this.leaders.get(term);
    if (other !== undefined && other !== id) {
      throw new SimViolation("election safety", `term ${term} has two leaders: ${other} and ${id}`);
    }
    this.leaders.set(term, id);
  }

  /**
   * Log matching and "committed entries never change", on every append a node persists.
   * `prevTerm` is the term of the node's entry just before `entries[0]` (undefined when the
   * node cannot tell, e.g. compacted); `commit` is the
   * node's commit index before this append.
   */
  onAppend(id: NodeId, entries: readonly Entry[], prevTerm: number | undefined, commit: number): void {
    let prev = prevTerm;
    for (const e of entries) {
      if (e.term >= termMax) throw new SimViolation("bounds", `term ${e.term} too large for the checker`);
      const dataHash = entryDataHash(e.type, e.data);
      const key = e.index * termMax + e.term;
      const seen = this.appended.get(key);
      if (seen === undefined) {
        this.appended.set(key, { dataHash, prevTerm: prev });
      } else if (seen.prevTerm === undefined) {
        seen.prevTerm = prev;
      }
      if (seen !== undefined && (seen.dataHash !== dataHash || (prev !== undefined && seen.prevTerm !== prev))) {
        throw new SimViolation(
          "log matching",
          `${id} appended index ${e.index} term ${e.term} (prev term ${prev}) differing from an earlier append (prev term ${seen.prevTerm})`,
        );
      }
      if (e.index <= commit) this.checkCommitted(id, e.index, e.term, dataHash, "overwrote committed entry");
      prev = e.term;
    }
  }

  private checkCommitted(id: NodeId, index: number, term: number, dataHash: number | undefined, what: string): void {
    const t = this.terms[index];
    if (t === undefined) return;
    const h = this.dataHashes[index];
    if (t !== term || (dataHash !== undefined && h !== undefined && h !== dataHash)) {
      throw new SimViolation("committed entry changed", `${id} ${what} at index ${index}: term ${term}, history has term ${t}`);
    }
  }

  /** Commit index never goes back; entries newly covered by it must agree with history. */
  onCommit(id: NodeId, commit: number, termAt: TermAt): void {
    const before = this.commits.get(id) ?? 0;
    if (commit < before) {
      throw new SimViolation("commit monotonic", `${id} commit went back from ${before} to ${commit}`);
    }
    const hi = Math.min(commit, this.committedIndex);
    for (let i = Math.max(before + 1, this.baseIndex + 1); i <= hi; i++) {
      let t: number;
      try {
        t = termAt(i);
      } catch {
        continue; // compacted: covered by the snapshot check
      }
      this.checkCommitted(id, i, t, undefined, "has a different committed entry");
    }
    this.commits.set(id, commit);
  }

  /**
   * State machine safety: a node applies exactly index applied+1, the entry agrees with the
   * committed history (or extends it by one), and its state hash equals history's.
   */
  onApply(id: NodeId, e: Entry, stateHash: number): void {
    const last = this.applied.get(id) ?? this.baseIndex;
    if (e.index !== last + 1) {
      throw new SimViolation("applied sequence", `${id} applied index ${e.index} after ${last}`);
    }
    const dataHash = entryDataHash(e.type, e.data);
    if (e.index > this.committedIndex + 1) {
      throw new SimViolation("applied sequence", `${id} applied index ${e.index} beyond history ${this.committedIndex} + 1`);
    }
    if (e.index === this.committedIndex + 1) {
      this.terms[e.index] = e.term;
      this.dataHashes[e.index] = dataHash;
      this.chain[e.index] = chainHash(this.chain[e.index - 1]!, e.index, e.term, dataHash);
    } else {
      this.checkCommitted(id, e.index, e.term, dataHash, "applied a different entry");
    }
    if (this.chain[e.index] !== stateHash) {
      throw new SimViolation("state machine safety", `${id} state after index ${e.index} differs from a replay of history`);
    }
    this.applied.set(id, e.index);
  }

  /** A restored snapshot is committed history, never older than what the node applied. */
  onSnapshot(id: NodeId, index: number, term: number, stateHash: number): void {
    const last = this.applied.get(id) ?? this.baseIndex;
    if (index <= last) {
      throw new SimViolation("applied monotonic", `${id} restored snapshot ${index} at or below applied ${last}`);
    }
    if (index > this.committedIndex) {
      throw new SimViolation("snapshot committed", `${id} restored snapshot ${index} beyond committed history ${this.committedIndex}`);
    }
    this.checkCommitted(id, index, term, undefined, "restored a snapshot of a different entry");
    if (this.chain[index] !== stateHash) {
      throw new SimViolation("state machine safety", `${id} snapshot state at ${index} differs from a replay of history`);
    }
    this.applied.set(id, index);
  }

  /** After a restart a node's applied index comes from its durable state; it must not go back. */
  onRestart(id: NodeId, appliedIndex: number): void {
    const last = this.applied.get(id);
    if (last === undefined) {
      this.applied.set(id, appliedIndex);
    } else if (appliedIndex < last) {
      throw new SimViolation("applied monotonic", `${id} restarted with applied ${appliedIndex} below ${last}`);
    }
  }

  /**
   * Leader completeness, before any election happens: every voter that could win one on log
   * up-to-dateness alone (a quorum of the voters' persisted logs are no more up to date than
   * its own) must hold the last committed entry. In correct Raft this follows from the proof
   * of Leader Completeness; it catches figure-8-style bugs at the moment of the bad commit
   * instead of waiting for an unlucky election. Quorums are taken over the committed
   * configuration: single-server changes keep them intersecting the committing quorum.
   */
  onElectable(voters: readonly VoterLog[]): void {
    const h = this.committedIndex;
    if (h <= this.baseIndex) return;
    const t = this.terms[h]!;
    for (const x of voters) {
      let approvals = 0;
      for (const v of voters) {
        if (x.lastTerm > v.lastTerm || (x.lastTerm === v.lastTerm && x.lastIndex >= v.lastIndex)) approvals++;
      }
      if (2 * approvals > voters.length && !x.holds(h, t)) {
        throw new SimViolation(
          "leader completeness",
          `${x.id} (last ${x.lastIndex}/term ${x.lastTerm}) could win an election but lacks committed index ${h} term ${t}`,
        );
      }
    }
  }

  /**
   * Leader completeness: a new leader's log holds every entry committed so far. A leader that
   * resumed its term after a restart (raft-quiesce.ts) must hold every committed entry of its
   * term and earlier ones; later terms may have committed more without it (it is then a stale
   * leader, as a partitioned one is, and cannot commit again: a quorum has left its term).
   */
  onLeaderLog(id: NodeId, term: number, firstIndex: number, lastIndex: number, termAt: TermAt, resumed = false): void {
    let hi = this.committedIndex;
    if (resumed) while (hi > this.baseIndex && this.terms[hi]! > term) hi--;
    if (lastIndex < hi) {
      throw new SimViolation("leader completeness", `${id} leader of term ${term} has last index ${lastIndex} < committed ${hi}`);
    }
    for (let i = Math.max(firstIndex - 1, this.baseIndex + 1); i <= hi; i++) {
      let t: number;
      try {
        t = termAt(i);
      } catch {
        throw new SimViolation("leader completeness", `${id} leader of term ${term} cannot read committed index ${i}`);
      }
      if (t !== this.terms[i]) {
        throw new SimViolation("leader completeness", `${id} leader of term ${term} has term ${t} at committed index ${i}, history ${this.terms[i]}`);
      }
    }
  }
}
