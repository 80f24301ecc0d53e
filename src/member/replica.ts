/**
 * One etcd member's server loop (etcd's etcdserver/raft.go): a RawNode over SQLite storage,
 * the v2 store over SQLite tables, and the Ready loop persist → send → apply → advance.
 *
 * Platform-free apart from the Sql port: the Durable Object (member-do.ts) owns time, alarms,
 * RPC and WebSockets, and calls in here synchronously. Every input returns what to do as a value
 * (ReplicaOutput: messages per peer with their snapshot pages, events to publish, whether a
 * group-committed Ready is due, the next deadline); the object carries it out in one place.
 * Persisting and applying happen in one transactionSync; the messages in the output exist only
 * after it returned (and the platform's output gate holds them until the write is durable), so
 * a crash can never have sent what it did not persist.
 *
 * @module
 */
import { RawNode, decodeConfChange } from "../raft/index.js";
import { v2Request } from "../store/apply.js";
import { ErrProposalDropped, ErrStepPeerNotFound, NONE, type Message, type NodeId, type Snapshot } from "../raft/types.js";
import type { V2ApplyResult, V2Request, V2Result } from "../store/types.js";
import type { Sql } from "./sql.js";
import { MemberMeta } from "./member-meta.js";
import { SqlRaftStorage } from "./sql-raft-storage.js";
import { StateMachine, accessDenied, type Published, type WatchIndex } from "./state-machine.js";
import type { Access } from "../auth/types.js";
import { Membership } from "./membership.js";
import { captureOutgoing, restoreSnapshot } from "./snapshot-pages.js";
import { decodeProposal, encodeProposal } from "./proposal.js";
import type { ConfChangeType } from "../raft/types.js";
import { Waiters } from "./waiters.js";
import { Clock, type Timing } from "./clock.js";
import type { MemberChangeReply, MemberReply, MemberStatus } from "./rpc-types.js";
import { decodeMemberContext, encodeMemberContext, type MemberContext } from "./proposal.js";
import { checkMembershipChange } from "./reconfig.js";
import { slowApplyMs } from "./metrics.js";
import { V3Member, minLeaseTtlSeconds, type V3Outcome } from "./v3-member.js";
import type { V3Command } from "../v3/types.js";

/** What the replica reads from its host: storage, time and randomness. Everything it wants done comes back as a ReplicaOutput. */
export interface ReplicaEnv {
  sql: Sql;
  transactionSync<T>(fn: () => T): T;
  now(): number;
  rand(): number;
  /** Who watches on this member (asked by the store while applying). */
  watchers: WatchIndex;
}

/**
 * One batch for the transport. `snapshotPages` accompany a MsgSnap. An empty batch only wakes
 * the peer (its Durable Object starts, from storage if it was evicted).
 */
export interface Outgoing {
  to: NodeId;
  messages: Message[];
  snapshotPages: Uint8Array[] | null;
}

/** What an input asks the host to do, in this order: send, publish, schedule, re-arm. */
export interface ReplicaOutput {
  /** Sends, in the order raft produced them; their Ready's transaction has committed. */
  sends: Outgoing[];
  /** Events applied by this member, in index order, after their transaction committed. */
  events: Published[];
  /**
   * Call ready() once the requests already queued for this object have been taken in:
   * proposals and acks that arrive together share one Ready (one transaction, one MsgApp per
   * follower). Set at most once until ready() runs.
   */
  readyDue: boolean;
  /** When tick() is next due (the alarm), or null: nothing to do until an input comes. */
  deadlineMs: number | null;
}

export const limits = {
  proposalsPendingMax: 10_000,
  readsPendingMax: 10_000,
  requestTimeoutMs: 7_000,
  /** Request ids remembered for deduplication, counted in raft entries. */
  requestIdsRetainedEntries: 20_000,
  maxSizePerMsgBytes: 1 << 20,
  maxInflightMsgs: 256,
  maxCommittedSizePerReadyBytes: 4 << 20,
  maxUncommittedEntriesSizeBytes: 64 << 20,
};

/** Heartbeat ticks a leader must find its group settled before it quiesces (raft-quiesce.ts). */
const quiesceAfterTicks = 3;

type ApplyOutcome = { result: V2Result; etcdIndex: number; raftIndex: number } | { lost: true; leader: string };

/** A SYNC has no event of its own; only requests with ids (client writes) report results. */
function clientResult(r: V2ApplyResult): V2Result {
  if (r.ok && r.event === null) throw new Error("a client request applied as SYNC");
  return r as V2Result;
}

export class Replica {
  readonly id: NodeId;
  readonly storage: SqlRaftStorage;
  readonly stateMachine: StateMachine;
  /** The v3 key space, applied from the same log (src/member/v3-member.ts). */
  readonly v3: V3Member;
  readonly membership: Membership;
  readonly clock: Clock;
  private readonly meta: MemberMeta;
  private readonly rawNode: RawNode;
  private applied: number;
  private leader: NodeId = NONE;
  /** When the current leader became known here (etcd's leaderInfo.startTime). */
  private leaderSinceMs: number;
  private readonly proposals = new Waiters<ApplyOutcome>(limits.proposalsPendingMax);
  private readonly reads = new Waiters<number | null>(limits.readsPendingMax);
  private readonly confChanges = new Waiters<MemberChangeReply>(1);
  private appliedWaiters: Array<{ index: number; resolve: () => void }> = [];
  private syncProposedAtMs = 0;
  private readyScheduled = false;
  /** Group-commit counters (in memory): Readies that appended entries, and entries appended. */
  private appendBatches = 0;
  private entriesAppended = 0;
  /** For GET /metrics; in memory, so they reset when the member restarts (as etcd's do). */
  private readonly counters = { leaderChangesSeen: 0, proposalsFailed: 0, slowApplies: 0 };
  private appliedConfChanges: Array<[string, number]> = [];

  private outbox: { sends: Outgoing[]; events: Published[]; readyDue: boolean } = { sends: [], events: [], readyDue: false };

  constructor(private readonly env: ReplicaEnv, id: NodeId, timing: Timing) {
    this.id = id;
    this.meta = new MemberMeta(env.sql);
    this.applied = this.meta.applied;
    this.storage = new SqlRaftStorage(env.sql, () => this.applied);
    this.stateMachine = new StateMachine(env.sql, env.watchers);
    this.v3 = new V3Member({ sql: env.sql, propose: (data) => this.proposeData(data) }, minLeaseTtlSeconds(timing));
    this.membership = new Membership(this.meta.kv);
    this.clock = new Clock(timing, env.now());
    this.leaderSinceMs = env.now();
    this.rawNode = new RawNode({
      id,
      electionTick: timing.electionTicks,
      heartbeatTick: 1,
      storage: this.storage,
      applied: this.applied,
      maxSizePerMsgBytes: limits.maxSizePerMsgBytes,
      maxCommittedSizePerReadyBytes: limits.maxCommittedSizePerReadyBytes,
      maxInflightMsgs: limits.maxInflightMsgs,
      maxUncommittedEntriesSizeBytes: limits.maxUncommittedEntriesSizeBytes,
      checkQuorum: true,
      preVote: true,
      rand: env.rand,
      quiesceAfterTicks,
    });
    // Restarted asleep (evicted while quiesced), it knows its leader or leads: no election.
    this.leader = this.rawNode.status().softState.lead;
    this.clock.follow(this.rawNode.quiesced, env.now());
    this.handleReady();
  }

  /**
   * Called once the object serves this replica (its output is carried out). A leader restarted
   * asleep was called for something, most likely work that needs a quorum: its followers
   * (evicted too, probably) start now, in parallel with its own start-up, rather than one
   * after another behind its first message.
   */
  start(): ReplicaOutput {
    if (this.rawNode.quiesced && this.isLeader()) {
      for (const peer of this.storage.confState().voters) if (peer !== this.id) this.send(peer, [], null);
    }
    return this.takeOutput();
  }

  /**
   * What the inputs since the last call asked for. Synchronous inputs return it themselves;
   * the asynchronous ones (propose, reads, membership changes) leave theirs here for the host
   * to take right after calling them.
   */
  takeOutput(): ReplicaOutput {
    const { sends, events, readyDue } = this.outbox;
    this.outbox = { sends: [], events: [], readyDue: false };
    return { sends, events, readyDue, deadlineMs: this.nextDeadlineMs() };
  }

  /** The group-committed Ready an earlier output asked for (readyDue). */
  ready(): ReplicaOutput {
    this.readyScheduled = false;
    this.handleReady();
    return this.takeOutput();
  }

  get removed(): boolean {
    return this.membership.isRemoved(this.id);
  }

  // ---- inputs ----

  step(messages: Message[]): ReplicaOutput {
    for (const m of messages) {
      try {
        this.rawNode.step(m);
      } catch (e) {
        // A message from a peer this member does not know (yet) is dropped, as etcd does.
        if (e !== ErrProposalDropped && e !== ErrStepPeerNotFound) throw e;
      }
    }
    this.scheduleReady();
    return this.takeOutput();
  }

  /** The alarm: drive the ticks elapsed since the last one, and the leader's expiry proposals. */
  tick(): ReplicaOutput {
    const now = this.env.now();
    this.clock.follow(this.rawNode.quiesced, now);
    const ticks = this.clock.dueTicks(now);
    for (let i = 0; i < ticks; i++) this.rawNode.tick();
    this.handleReady();
    this.maybeProposeSync(now);
    if (this.isLeader()) {
      this.v3.maybeProposeExpiry(now);
      this.handleReady();
    }
    return this.takeOutput();
  }

  /** A v3 write: proposed on the leader, answered once applied (or lost with the leadership). */
  async proposeV3(id: string, cmd: V3Command): Promise<Extract<V3Outcome, { kind: "done" }> | { kind: "notLeader"; leader: string } | { kind: "timeout" } | { kind: "removed" }> {
    if (this.removed) return { kind: "removed" };
    const done = this.v3.appliedResult(id);
    if (done) return { kind: "done", ...done };
    if (!this.isLeader()) return this.notLeader();
    const out = await this.v3.propose(id, cmd, this.env.now());
    if (out.kind === "done") return out;
    this.counters.proposalsFailed++;
    return out.leader || !this.isLeader() ? { kind: "notLeader", leader: out.leader } : { kind: "timeout" };
  }

  /** Raft data proposed by the v3 key space; false when raft dropped it. */
  private proposeData(data: Uint8Array): boolean {
    try {
      this.rawNode.propose(data);
    } catch (e) {
      if (e !== ErrProposalDropped) throw e;
      return false;
    }
    this.scheduleReady();
    return true;
  }

  /** A linearizable read's barrier: ReadIndex through the leader, then wait until applied. */
  async readBarrier(ctx: string): Promise<"ready" | "notLeader" | "timeout" | "removed"> {
    if (this.removed) return "removed";
    if (this.leader === NONE) return this.notLeader().kind;
    const index = this.reads.wait(ctx, limits.requestTimeoutMs, () => null);
    this.rawNode.readIndex(new TextEncoder().encode(ctx));
    this.handleReady();
    const readIndex = await index;
    if (readIndex === null) return "timeout";
    if (this.applied < readIndex) await this.waitApplied(readIndex);
    return "ready";
  }

  raftTerm(): number {
    return this.rawNode.raft.term;
  }

  async propose(id: string, req: V2Request, access: Access | null): Promise<MemberReply> {
    if (this.removed) return { kind: "removed" };
    const done = this.stateMachine.appliedRequest(id);
    if (done) return this.reply(done.result, done.etcdIndex, done.raftIndex);
    if (!this.isLeader()) return this.notLeader();
    const waiting = this.proposals.has(id);
    const outcome = this.proposals.wait(id, limits.requestTimeoutMs, () => ({ lost: true, leader: "" }) as const);
    if (!waiting) {
      try {
        this.rawNode.propose(encodeProposal(access ? { id, req, access } : { id, req }));
      } catch (e) {
        if (e !== ErrProposalDropped) throw e;
        this.proposals.trigger(id, { lost: true, leader: this.membership.nameOf(this.leader) });
      }
      this.scheduleReady();
    }
    const out = await outcome;
    if ("lost" in out) this.counters.proposalsFailed++;
    if ("lost" in out) return out.leader || !this.isLeader() ? { kind: "notLeader", leader: out.leader } : { kind: "timeout" };
    return this.reply(out.result, out.etcdIndex, out.raftIndex);
  }

  /**
   * A single-server membership change (add or remove one voter), one at a time. Removing the
   * leader itself first hands leadership to a caught-up follower; the caller retries there.
   */
  async changeMembership(type: ConfChangeType, nodeId: NodeId, ctx: MemberContext & { requestId: string }): Promise<MemberChangeReply> {
    if (this.removed) return { kind: "removed" };
    if (!this.isLeader()) return this.notLeader();
    const raft = this.rawNode.raft;
    const pending = raft.pendingConfIndex > raft.raftLog.applied || this.confChanges.size > 0;
    const refusal = checkMembershipChange(type, nodeId, this.rawNode.status(), this.membership, pending);
    if (refusal) return refusal;
    if (type === "removeNode" && nodeId === this.id) {
      const successor = this.bestFollower();
      if (successor) this.rawNode.transferLeader(successor);
      this.handleReady();
      return { kind: "notLeader", leader: "" };
    }
    const outcome = this.confChanges.wait(ctx.requestId, limits.requestTimeoutMs, () => ({ kind: "timeout" }));
    this.rawNode.proposeConfChange({ type, nodeId, context: encodeMemberContext(ctx) });
    this.handleReady();
    return outcome;
  }

  /** A local (possibly stale) read, as etcd's default v2 GET; permissions as this member knows them. */
  read(req: V2Request, access: Access | null): MemberReply {
    const result = this.stateMachine.allows(access) ? this.stateMachine.read(req) : accessDenied;
    return this.reply(result, this.stateMachine.index(), this.rawNode.raft.raftLog.committed);
  }

  /** A linearizable read: ReadIndex through the leader, wait for apply, then read locally. */
  async quorumRead(req: V2Request, ctx: string, access: Access | null): Promise<MemberReply> {
    const barrier = await this.readBarrier(ctx);
    if (barrier === "notLeader") return { kind: "notLeader", leader: this.leaderName() };
    if (barrier !== "ready") return { kind: barrier };
    return this.read({ ...req, method: "GET" }, access);
  }

  /** Told by a peer that this member was removed (it may never apply its own removal). */
  markRemoved(): ReplicaOutput {
    this.env.transactionSync(() => this.membership.markRemoved(this.id));
    this.proposals.triggerAll(() => ({ lost: true, leader: "" }));
    return this.takeOutput();
  }

  reportUnreachable(id: NodeId): ReplicaOutput {
    this.rawNode.reportUnreachable(id);
    this.handleReady();
    return this.takeOutput();
  }

  reportSnapshot(id: NodeId, failed: boolean): ReplicaOutput {
    this.rawNode.reportSnapshot(id, failed);
    this.handleReady();
    return this.takeOutput();
  }

  status(): MemberStatus {
    const s = this.rawNode.status();
    return {
      name: this.membership.nameOf(this.id),
      id: this.id,
      role: s.softState.raftState,
      term: s.hardState.term,
      commit: s.hardState.commit,
      applied: this.applied,
      leader: s.softState.lead,
      leaderName: this.membership.nameOf(s.softState.lead),
      lastIndex: this.storage.lastIndex(),
      firstIndex: this.storage.firstIndex(),
      quiesced: this.rawNode.quiesced,
      leaderSinceMs: this.leaderSinceMs,
      appendBatches: this.appendBatches,
      entriesAppended: this.entriesAppended,
      voters: this.storage.confState().voters,
    };
  }

  /** etcd_server_* counters for GET /metrics (see src/member/metrics.ts). */
  metricsCounters(): { leaderChangesSeen: number; proposalsFailed: number; slowApplies: number; proposalsPending: number } {
    return { ...this.counters, proposalsPending: this.proposals.size };
  }

  isLeader(): boolean {
    return this.leader === this.id;
  }

  leaderName(): string {
    return this.membership.nameOf(this.leader);
  }

  nextDeadlineMs(): number | null {
    if (this.removed) return null;
    this.clock.follow(this.rawNode.quiesced, this.env.now());
    const tick = this.clock.nextTickAtMs(this.isLeader());
    const expiry = this.isLeader() ? earliest(this.stateMachine.earliestExpirationMs(), this.v3.earliestExpiryMs()) : null;
    const sync = expiry === null ? null : Math.max(expiry, this.syncProposedAtMs + this.clock.timing.tickMs);
    if (tick === null) return sync;
    return sync === null ? tick : Math.min(tick, sync);
  }

  // ---- the Ready loop ----

  private scheduleReady(): void {
    if (this.readyScheduled) return;
    this.readyScheduled = true;
    this.outbox.readyDue = true;
  }

  private handleReady(): void {
    while (this.rawNode.hasReady()) {
      const rd = this.rawNode.ready();
      // Captured before applying this Ready: raft asked for the snapshot at the current applied index.
      const snapshots = captureOutgoing(this.env.sql, this.id, this.applied, rd.messages);
      const outcomes: Array<[string, ApplyOutcome]> = [];
      const startedMs = this.env.now();
      const events = this.env.transactionSync(() => {
        if (rd.snapshot && rd.snapshot.metadata.index > 0) this.installSnapshot(rd.snapshot);
        this.storage.append(rd.entries);
        if (rd.entries.length > 0) {
          this.appendBatches++;
          this.entriesAppended += rd.entries.length;
        }
        if (rd.hardState) this.storage.setHardState(rd.hardState);
        for (const entry of rd.committedEntries) this.applyEntry(entry, outcomes);
        this.meta.applied = this.applied;
        this.maybeCompact();
        return this.stateMachine.drainEvents();
      });
      if (this.env.now() - startedMs > slowApplyMs) this.counters.slowApplies++;
      this.sendAll(rd.messages, snapshots);
      if (rd.softState) this.onSoftState(rd.softState.lead);
      for (const rs of rd.readStates) this.reads.trigger(new TextDecoder().decode(rs.requestCtx), rs.index);
      this.rawNode.advance();
      for (const [id, outcome] of outcomes) this.proposals.trigger(id, outcome);
      this.v3.afterCommit();
      for (const [id, raftIndex] of this.appliedConfChanges.splice(0)) this.confChanges.trigger(id, { kind: "done", raftIndex });
      for (const e of events) this.outbox.events.push(e);
      this.releaseAppliedWaiters();
    }
  }

  private applyEntry(entry: { index: number; term: number; type: string; data: Uint8Array }, outcomes: Array<[string, ApplyOutcome]>): void {
    if (entry.index <= this.applied) return;
    this.applied = entry.index;
    if (entry.type === "confChange") {
      const cc = decodeConfChange(entry.data);
      const cs = this.rawNode.applyConfChange(cc);
      this.storage.setConfState(cs);
      this.membership.apply(cc, this.stateMachine);
      const requestId = decodeMemberContext(cc.context).requestId;
      if (requestId) this.appliedConfChanges.push([requestId, entry.index]);
      return;
    }
    if (entry.data.length === 0) return; // a new leader's no-op
    const proposal = decodeProposal(entry.data);
    if ("v3" in proposal) return this.v3.applyEntry(entry.index, proposal);
    const { id, req, access } = proposal;
    if (id && this.stateMachine.appliedRequest(id)) return; // a retried write: applied at most once
    // Permission is decided here, at the entry's place in the log, identically on every member.
    const applied = this.stateMachine.allows(access) ? this.stateMachine.apply(req) : accessDenied;
    if (applied.ok && req.method === "PUT" && req.path.startsWith("/0/members/")) this.membership.observe(req.path, req.val);
    const etcdIndex = this.stateMachine.index();
    if (id) {
      const result = clientResult(applied);
      this.stateMachine.rememberRequest(id, entry.index, result, etcdIndex);
      outcomes.push([id, { result, etcdIndex, raftIndex: entry.index }]);
    }
    if (req.method === "SYNC") this.syncProposedAtMs = 0;
  }

  private sendAll(messages: Message[], snapshots: Map<NodeId, Uint8Array[]>): void {
    const byPeer = new Map<NodeId, Message[]>();
    for (const m of messages) {
      const list = byPeer.get(m.to) ?? [];
      list.push(m);
      byPeer.set(m.to, list);
    }
    for (const [to, list] of byPeer) this.send(to, list, snapshots.get(to) ?? null);
  }

  private send(to: NodeId, messages: Message[], snapshotPages: Uint8Array[] | null): void {
    this.outbox.sends.push({ to, messages, snapshotPages });
  }

  private installSnapshot(snapshot: Snapshot): void {
    const snap = new TextDecoder().decode(snapshot.data);
    restoreSnapshot(this.env.sql, snap);
    this.storage.applySnapshot(snapshot.metadata);
    this.applied = snapshot.metadata.index;
    this.membership.reload();
    this.v3.reload();
  }

  private maybeCompact(): void {
    const retained = this.applied - this.storage.firstIndex() + 1;
    const { snapshotCount } = this.clock.timing;
    if (retained <= snapshotCount) return;
    // Keep a tail so a slightly lagging follower catches up from the log, not a snapshot.
    const tail = Math.min(5_000, Math.floor(snapshotCount / 2));
    this.storage.compact(this.applied - tail);
    this.stateMachine.forgetRequestsBelow(this.applied - limits.requestIdsRetainedEntries);
  }

  private onSoftState(lead: NodeId): void {
    const wasLeader = this.isLeader();
    if (lead !== this.leader) this.leaderSinceMs = this.env.now();
    if (lead !== this.leader && lead !== NONE) this.counters.leaderChangesSeen++;
    this.leader = lead;
    if (wasLeader && lead !== this.id) {
      // Proposals still waiting here may or may not commit under the new leader: the caller
      // retries there with the same request id, and the apply loop deduplicates.
      this.proposals.triggerAll(() => ({ lost: true, leader: this.membership.nameOf(lead) }));
      this.v3.failPending(this.membership.nameOf(lead));
    }
  }

  private maybeProposeSync(now: number): void {
    if (!this.isLeader() || this.syncProposedAtMs > 0) return;
    const expiry = this.stateMachine.earliestExpirationMs();
    if (expiry === null || expiry > now) return;
    try {
      this.rawNode.propose(encodeProposal({ id: "", req: syncRequest(now) }));
      this.syncProposedAtMs = now;
    } catch (e) {
      if (e !== ErrProposalDropped) throw e;
    }
    this.handleReady();
  }

  /**
   * Not the leader: say who is. Asked for what only the leader does, a sleeping member wakes
   * (its election timer must run, in case the leader it slept under is gone) and wakes that
   * leader at once, so it starts from storage while the client is being redirected to it.
   */
  private notLeader(): { kind: "notLeader"; leader: string } {
    if (this.rawNode.quiesced) {
      this.rawNode.wake();
      if (this.leader !== NONE && this.leader !== this.id) this.send(this.leader, [], null);
      this.scheduleReady();
    }
    return { kind: "notLeader", leader: this.membership.nameOf(this.leader) };
  }

  /** The voter with the highest match index, to hand leadership to. */
  private bestFollower(): NodeId {
    const progress = this.rawNode.status().progress ?? {};
    let best: NodeId = NONE;
    let bestMatch = -1;
    for (const [id, p] of Object.entries(progress)) {
      if (id !== this.id && p.match > bestMatch) [best, bestMatch] = [id, p.match];
    }
    return best;
  }

  private waitApplied(index: number): Promise<void> {
    return new Promise((resolve) => this.appliedWaiters.push({ index, resolve }));
  }

  private releaseAppliedWaiters(): void {
    if (this.appliedWaiters.length === 0) return;
    const ready = this.appliedWaiters.filter((w) => w.index <= this.applied);
    this.appliedWaiters = this.appliedWaiters.filter((w) => w.index > this.applied);
    for (const w of ready) w.resolve();
  }

  private reply(result: V2Result, etcdIndex: number, raftIndex: number): MemberReply {
    return { kind: "done", result, etcdIndex, raftIndex, raftTerm: this.rawNode.raft.term };
  }
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

function syncRequest(timeMs: number): V2Request {
  return v2Request({ method: "SYNC", timeMs });
}
