/**
 * The leader's view of one follower (etcd-raft tracker/progress.go).
 *
 * Probe: one append at a time until the follower's match is found (msgAppFlowPaused after
 * each). Replicate: optimistic pipelining, bounded by Inflights. Snapshot: nothing is sent
 * until the snapshot is reported applied or failed.
 *
 * @module
 */
import type { ProgressStateType, ProgressStatus } from "./types.js";
import { Inflights } from "./inflights.js";

export class Progress {
  match = 0;
  next: number;
  state: ProgressStateType = "StateProbe";
  /** In Probe: an append is outstanding. In Replicate: the inflights are full. */
  msgAppFlowPaused = false;
  /** Index of the snapshot being sent, while in StateSnapshot. */
  pendingSnapshot = 0;
  /** Heard from within the current election timeout (CheckQuorum). */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(next: number, maxInflightMsgs: number, maxInflightBytes: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
  }

  private resetState(state: ProgressStateType): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === "StateSnapshot") {
      const pendingSnapshot = this.pendingSnapshot;
      this.resetState("StateProbe");
      this.next = Math.max(this.match + 1, pendingSnapshot + 1);
    } else {
      this.resetState("StateProbe");
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState("StateReplicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState("StateSnapshot");
    this.pendingSnapshot = snapshotIndex;
  }

  /** Bookkeeping after sending an append of `entries` entries and `bytes` bytes. */
  sentEntries(entries: number, bytes: number): void {
    if (this.state === "StateReplicate") {
      if (entries > 0) {
        this.next += entries;
        this.inflights.add(this.next - 1, bytes);
      }
      this.msgAppFlowPaused = this.inflights.full();
    } else if (this.state === "StateProbe") {
      // Every append in probe is a probe: wait for its answer (or a heartbeat response).
      this.msgAppFlowPaused = true;
    }
  }

  /** The follower acknowledged n. Returns false if the ack is stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    if (this.next < n + 1) this.next = n + 1;
    return updated;
  }

  /**
   * The follower rejected an append at `rejected`, hinting its log may match up to
   * matchHint. Returns false if the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "StateReplicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "StateProbe":
      case "StateReplicate":
        return this.msgAppFlowPaused;
      case "StateSnapshot":
        return true;
    }
  }

  status(): ProgressStatus {
    return {
      match: this.match,
      next: this.next,
      state: this.state,
      recentActive: this.recentActive,
      pendingSnapshot: this.pendingSnapshot,
      inflight: this.inflights.size(),
    };
  }

  toString(): string {
    let s = `${this.state} match=${this.match} next=${this.next}`;
    if (this.msgAppFlowPaused) s += " paused";
    if (this.pendingSnapshot > 0) s += ` pendingSnap=${this.pendingSnapshot}`;
    if (!this.recentActive) s += " inactive";
    const n = this.inflights.size();
    if (n > 0) s += ` inflight=${n}${this.inflights.full() ? "[full]" : ""}`;
    return s;
  }
}
