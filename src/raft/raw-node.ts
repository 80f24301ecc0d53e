/**
 * RawNode: the thread-unsafe node of etcd-raft rawnode.go, the only surface the shell uses.
 *
 * The loop: tick()/step()/propose() feed input; when hasReady(), take ready(), then
 *   1. persist hardState, entries and snapshot (atomically),
 *   2. send messages,
 *   3. apply snapshot then committedEntries (calling applyConfChange for conf changes),
 *   4. call advance().
 *
 * @module
 */
import {
  ErrStepLocalMsg,
  ErrStepPeerNotFound,
  NONE,
  type ConfChange,
  type ConfState,
  type Config,
  type HardState,
  type Message,
  type NodeId,
  type ProgressStatus,
  type Ready,
  type SoftState,
  type Status,
} from "./types.js";
import { Raft } from "./raft.js";
import { encodeConfChange } from "./conf-change.js";
import { flushBcast } from "./raft-leader.js";
import { applyConfChange } from "./raft-conf.js";
import { wake } from "./raft-quiesce.js";
import { assert, isLocalMsg, isResponseMsg, newMessage, payloadsSizeBytes } from "./util.js";

function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit && (a.quiescedUnder ?? NONE) === (b.quiescedUnder ?? NONE);
}

function isEmptyHardState(h: HardState): boolean {
  return h.term === 0 && h.vote === NONE && h.commit === 0;
}

export class RawNode {
  readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  /** The Ready handed out and not yet advanced. */
  private pending: Ready | undefined = undefined;

  constructor(config: Config) {
    this.raft = new Raft(config);
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  tick(): void {
    this.raft.tick();
  }

  /** Asleep (raft-quiesce.ts): the shell need not tick it until an input wakes it. */
  get quiesced(): boolean {
    return this.raft.quiesced;
  }

  /**
   * Wakes a quiesced member without giving it input: a client asked a follower for leader
   * work, so its election timer must run in case the leader it sleeps under is gone.
   */
  wake(): void {
    wake(this.raft);
  }

  campaign(): void {
    this.raft.step(newMessage("MsgHup", this.raft.id, this.raft.id));
  }

  /** Proposes data to be appended. Throws ErrProposalDropped when no leader can take it. */
  propose(data: Uint8Array): void {
    this.proposeEntries([{ term: 0, index: 0, type: "normal", data }]);
  }

  /** Proposes several entries at once (they go into one append). */
  proposeBatch(datas: readonly Uint8Array[]): void {
    this.proposeEntries(datas.map((data) => ({ term: 0, index: 0, type: "normal" as const, data })));
  }

  proposeConfChange(cc: ConfChange): void {
    this.proposeEntries([{ term: 0, index: 0, type: "confChange", data: encodeConfChange(cc) }]);
  }

  private proposeEntries(entries: Message["entries"]): void {
    const err = this.raft.step(newMessage("MsgProp", this.raft.id, this.raft.id, { entries }));
    if (err !== null) throw err;
  }

  /** Steps a message from a peer. Throws ErrStepLocalMsg / ErrStepPeerNotFound. */
  step(m: Message): void {
    if (isLocalMsg(m.type)) throw ErrStepLocalMsg;
    // Responses from peers outside the configuration carry nothing we can use.
    if (!this.raft.prs.has(m.from) && isResponseMsg(m.type)) throw ErrStepPeerNotFound;
    const err = this.raft.step(m);
    if (err !== null) throw err;
  }

  /** Applies a committed conf change; the shell stores the returned ConfState for snapshots. */
  applyConfChange(cc: ConfChange): ConfState {
    return applyConfChange(this.raft, cc.type, cc.nodeId);
  }

  /** Requests a linearizable read; the answer arrives as a ReadState with the same ctx. */
  readIndex(ctx: Uint8Array): void {
    this.raft.step(newMessage("MsgReadIndex", NONE, NONE, { entries: [], context: ctx }));
  }

  transferLeader(to: NodeId): void {
    this.raft.step(newMessage("MsgTransferLeader", NONE, to));
  }

  reportUnreachable(id: NodeId): void {
    this.raft.step(newMessage("MsgUnreachable", NONE, id));
  }

  reportSnapshot(id: NodeId, failed: boolean): void {
    this.raft.step(newMessage("MsgSnapStatus", NONE, id, { reject: failed }));
  }

  hasReady(): boolean {
    const r = this.raft;
    if (r.bcastPending && r.state === "StateLeader") return true;
    const ss = r.softState();
    if (ss.lead !== this.prevSoftState.lead || ss.raftState !== this.prevSoftState.raftState) return true;
    const hs = r.hardState();
    if (!isEmptyHardState(hs) && !hardStateEqual(hs, this.prevHardState)) return true;
    if (r.raftLog.unstable.nextSnapshot() !== undefined) return true;
    if (r.msgs.length > 0 || r.raftLog.unstable.hasNextEntries() || r.raftLog.hasNextCommittedEnts()) return true;
    return r.readStates.length > 0;
  }

  /** The next batch of work. Must be followed by advance() before the next ready(). */
  ready(): Ready {
    assert(this.pending === undefined, "ready() called twice without advance()");
    const r = this.raft;
    flushBcast(r);
    const log = r.raftLog;
    const rd: Ready = {
      readStates: r.readStates,
      entries: log.unstable.nextEntries(),
      committedEntries: log.nextCommittedEnts(),
      messages: r.msgs,
      mustSync: false,
    };
    const ss = r.softState();
    if (ss.lead !== this.prevSoftState.lead || ss.raftState !== this.prevSoftState.raftState) {
      rd.softState = ss;
      this.prevSoftState = ss;
    }
    const hs = r.hardState();
    if (!hardStateEqual(hs, this.prevHardState)) rd.hardState = hs;
    const snap = log.unstable.nextSnapshot();
    if (snap !== undefined) rd.snapshot = snap;
    // Term, vote and new entries must be durable before anyone hears of them; commit need not.
    rd.mustSync =
      rd.entries.length > 0 || snap !== undefined || hs.term !== this.prevHardState.term || hs.vote !== this.prevHardState.vote;
    // Accept: hand out each item once.
    r.readStates = [];
    r.msgs = [];
    log.unstable.acceptInProgress();
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted !== undefined) log.acceptApplying(lastCommitted.index);
    this.pending = rd;
    return rd;
  }

  /** Everything in the last Ready is persisted, sent and applied. */
  advance(): void {
    const rd = this.pending;
    assert(rd !== undefined, "advance() without ready()");
    this.pending = undefined;
    const r = this.raft;
    if (rd.hardState !== undefined) this.prevHardState = rd.hardState;
    const lastEnt = rd.entries[rd.entries.length - 1];
    if (lastEnt !== undefined) r.raftLog.stableTo(lastEnt.index, lastEnt.term);
    if (rd.snapshot !== undefined) {
      r.raftLog.stableSnapTo(rd.snapshot.metadata.index);
      r.raftLog.appliedSnap(rd.snapshot.metadata.index);
    }
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted !== undefined) {
      r.raftLog.appliedTo(lastCommitted.index);
      r.reduceUncommittedSize(payloadsSizeBytes(rd.committedEntries));
    }
  }

  status(): Status {
    const r = this.raft;
    const s: Status = {
      id: r.id,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.raftLog.applied,
      lastIndex: r.raftLog.lastIndex(),
      leadTransferee: r.leadTransferee,
    };
    if (r.state === "StateLeader") {
      const progress: Record<NodeId, ProgressStatus> = {};
      for (const [id, pr] of r.prs) progress[id] = pr.status();
      s.progress = progress;
    }
    return s;
  }
}
