/**
 * A member's v3 key space: the MVCC store (src/v3) over this member's SQLite tables, applied
 * from the same raft log as the v2 store. Writes are proposed like v2 writes (a request id so
 * a retried write applies at most once, its result remembered in `requests`); the leader
 * proposes lease expiries with its clock, as it proposes v2's SYNC.
 *
 * The Replica calls in here: applyEntry inside the Ready loop's transaction, afterCommit once
 * it has committed, and the propose/expiry hooks.
 *
 * @module
 */
import { decode, encode } from "cbor-x";
import { V3Store } from "../v3/store.js";
import type { V3Command, V3Result } from "../v3/types.js";
import { scanEvents, type EventBatch, type WatchFilter } from "../v3/watch.js";
import { encodeProposal, type V3Proposal } from "./proposal.js";
import { bytesOf, type Sql } from "./sql.js";
import { SqlV3Backend } from "./v3-sql-backend.js";
import { Waiters } from "./waiters.js";

export const v3MemberLimits = {
  proposalsPendingMax: 10_000,
  requestTimeoutMs: 7_000,
  /** History rows one watch poll reads. */
  watchRowsMax: 1_000,
  /** Watch polls waiting on this member for new revisions. */
  watchPollsPendingMax: 10_000,
  /** Bytes of an applied request's result kept for answering its retries. */
  rememberedResultBytesMax: 256 * 1024,
};

/** What a retry gets when the first attempt's result was too large to remember. */
const resultTooLargeToRepeat = { code: 14, message: "etcdserver: request applied; its result is too large to repeat, read it again" };

/** etcd's minimum lease TTL: 1.5 election timeouts, rounded up to whole seconds. */
export function minLeaseTtlSeconds(timing: { tickMs: number; electionTicks: number }): number {
  return Math.ceil((1.5 * timing.tickMs * timing.electionTicks) / 1000);
}

export type V3Outcome = { kind: "done"; result: V3Result; raftIndex: number } | { kind: "lost"; leader: string };

export interface V3MemberPorts {
  sql: Sql;
  /** Hand data to raft as a proposal; false when raft dropped it (no leader). */
  propose(data: Uint8Array): boolean;
}

export class V3Member {
  readonly store: V3Store;
  private readonly proposals = new Waiters<V3Outcome>(v3MemberLimits.proposalsPendingMax);
  private outcomes: Array<[string, V3Outcome]> = [];
  private revisionWaiters: Array<() => void> = [];
  private lastRevision: number;
  private expiryProposedAtMs = 0;

  constructor(private readonly ports: V3MemberPorts, minLeaseTtlSeconds: number) {
    this.store = new V3Store(new SqlV3Backend(ports.sql), minLeaseTtlSeconds);
    this.lastRevision = this.store.revision();
  }

  /** A remembered result of an applied request, for a retry with the same id. */
  appliedResult(id: string): { result: V3Result; raftIndex: number } | undefined {
    if (!id) return undefined;
    const row = this.ports.sql.exec("SELECT raft_index, result FROM requests WHERE id = ?", id).toArray()[0];
    if (!row) return undefined;
    const stored = decode(bytesOf(row.result)) as { v3?: V3Result };
    return stored.v3 ? { result: stored.v3, raftIndex: row.raft_index as number } : undefined;
  }

  /** Propose a client's write and wait for its result (the caller checked leadership). */
  async propose(id: string, cmd: V3Command, timeMs: number): Promise<V3Outcome> {
    const done = this.appliedResult(id);
    if (done) return { kind: "done", ...done };
    const waiting = this.proposals.has(id);
    const outcome = this.proposals.wait(id, v3MemberLimits.requestTimeoutMs, () => ({ kind: "lost", leader: "" }));
    if (!waiting && !this.ports.propose(encodeProposal({ id, v3: cmd, timeMs } satisfies V3Proposal))) {
      this.proposals.trigger(id, { kind: "lost", leader: "" });
    }
    return outcome;
  }

  /** Inside the Ready loop's transaction. */
  applyEntry(raftIndex: number, p: V3Proposal): void {
    if (p.id && this.appliedResult(p.id)) return;
    const result = this.store.apply(p.v3, p.timeMs);
    if (p.v3.op === "leaseExpire") this.expiryProposedAtMs = 0;
    if (!p.id) return;
    // A SQLite row holds at most 2 MB, and a failed insert here would stop the apply loop: a
    // result too large to remember is remembered as such (a retry of it gets an error).
    let remembered = encode({ v3: result });
    if (remembered.length > v3MemberLimits.rememberedResultBytesMax) remembered = encode({ v3: { ok: false, error: resultTooLargeToRepeat } satisfies V3Result });
    this.ports.sql.exec("INSERT OR REPLACE INTO requests (id, raft_index, result) VALUES (?, ?, ?)", p.id, raftIndex, remembered);
    this.outcomes.push([p.id, { kind: "done", result, raftIndex }]);
  }

  /** After the transaction that applied entries committed: answer proposers, wake watch polls. */
  afterCommit(): void {
    for (const [id, outcome] of this.outcomes.splice(0)) this.proposals.trigger(id, outcome);
    const rev = this.store.revision();
    if (rev !== this.lastRevision) {
      this.lastRevision = rev;
      for (const wake of this.revisionWaiters.splice(0)) wake();
    }
  }

  /** A snapshot replaced the tables. */
  reload(): void {
    this.lastRevision = -1;
  }

  /** Leadership moved: proposals waiting here may commit under the new leader or not; callers retry. */
  failPending(leader: string): void {
    this.proposals.triggerAll(() => ({ kind: "lost", leader }));
  }

  earliestExpiryMs(): number | null {
    const due = this.store.earliestLeaseExpiryMs();
    if (due === null) return null;
    return this.expiryProposedAtMs > 0 ? Math.max(due, this.expiryProposedAtMs + expiryRetryMs) : due;
  }

  /** On the leader: propose the revocation of due leases, once per retry interval. */
  maybeProposeExpiry(nowMs: number): void {
    const due = this.store.earliestLeaseExpiryMs();
    if (due === null || due > nowMs) return;
    if (this.expiryProposedAtMs > 0 && nowMs - this.expiryProposedAtMs < expiryRetryMs) return;
    if (this.ports.propose(encodeProposal({ id: "", v3: { op: "leaseExpire" }, timeMs: nowMs } satisfies V3Proposal))) this.expiryProposedAtMs = nowMs;
  }

  /** Events from `from` on; waits up to `waitMs` for a revision ≥ from when there is none yet. */
  async watchPoll(from: number, filter: WatchFilter, waitMs: number): Promise<EventBatch> {
    if (waitMs > 0 && this.store.revision() < from && this.revisionWaiters.length < v3MemberLimits.watchPollsPendingMax) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.revisionWaiters = this.revisionWaiters.filter((w) => w !== wake);
          resolve();
        }, waitMs);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        this.revisionWaiters.push(wake);
      });
    }
    return scanEvents(this.store, from, filter, v3MemberLimits.watchRowsMax);
  }
}

/** A proposed expiry not applied within this long is proposed again (it may have been dropped). */
const expiryRetryMs = 1_000;
