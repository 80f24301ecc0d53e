/**
 * The Raft state machine (etcd-raft raft.go). Roles are expressed by swapping `stepFn` and
 * `tickFn`; `step` settles terms first and then delegates. Role handlers live in
 * raft-leader.ts and raft-follower.ts, elections in raft-election.ts.
 *
 * @module
 */
import {
  NONE,
  type Config,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type RaftError,
  type RaftLogger,
  type ReadState,
  type SoftState,
  type StateType,
} from "./types.js";
import { RaftLog } from "./log.js";
import { Progress } from "./progress.js";
import { committedIndex } from "./quorum.js";
import { ReadOnly } from "./read-only.js";
import { assert, noLimitBytes, payloadsSizeBytes } from "./util.js";
import { stepLeader } from "./raft-leader.js";
import { stepFollower, stepCandidate } from "./raft-follower.js";
import { stepTermAndVotes, tickElection, tickHeartbeat } from "./raft-election.js";
import { resume, wake, wakesOn } from "./raft-quiesce.js";

type StepFn = (r: Raft, m: Message) => RaftError | null;

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  state: StateType = "StateFollower";
  readonly raftLog: RaftLog;

  /** Progress of every voter (meaningful on the leader only). */
  prs = new Map<NodeId, Progress>();
  /** Sorted voter ids of the current configuration. */
  voters: NodeId[] = [];
  votes = new Map<NodeId, boolean>();

  msgs: Message[] = [];
  readStates: ReadState[] = [];
  readOnly = new ReadOnly();
  /** ReadIndex requests that arrived before the leader committed an entry of its term. */
  pendingReadIndexMessages: Message[] = [];

  leadTransferee: NodeId = NONE;
  /** Index of the latest conf change the leader appended; another waits until it is applied. */
  pendingConfIndex = 0;
  uncommittedSizeBytes = 0;
  /** Appends to broadcast when the shell next takes a Ready (group commit). */
  bcastPending = false;

  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Asleep: ticks do nothing until an input wakes it (raft-quiesce.ts). */
  quiesced = false;
  /** Consecutive leader ticks that found the group settled. */
  settledTicks = 0;

  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly maxMsgSizeBytes: number;
  readonly maxInflightMsgs: number;
  readonly maxUncommittedSizeBytes: number;
  readonly quiesceAfterTicks: number;
  private readonly rand: () => number;
  readonly logger: RaftLogger | undefined;

  stepFn: StepFn = stepFollower;
  tickFn: (r: Raft) => void = tickElection;

  constructor(c: Config) {
    assert(c.id !== NONE, "cannot use none as id");
    assert(c.heartbeatTick > 0, "heartbeat tick must be greater than 0");
    assert(c.electionTick > c.heartbeatTick, "election tick must be greater than heartbeat tick");
    assert(c.maxInflightMsgs > 0, "max inflight messages must be greater than 0");
    assert(c.maxSizePerMsgBytes > 0, "maxSizePerMsgBytes must be greater than 0");
    this.id = c.id;
    this.electionTimeout = c.electionTick;
    this.heartbeatTimeout = c.heartbeatTick;
    this.checkQuorum = c.checkQuorum;
    this.preVote = c.preVote;
    this.maxMsgSizeBytes = c.maxSizePerMsgBytes;
    this.maxInflightMsgs = c.maxInflightMsgs;
    this.maxUncommittedSizeBytes = c.maxUncommittedEntriesSizeBytes || noLimitBytes;
    this.quiesceAfterTicks = c.quiesceAfterTicks ?? 0;
    this.rand = c.rand;
    this.logger = c.logger;
    this.raftLog = new RaftLog(c.storage, c.maxCommittedSizePerReadyBytes ?? noLimitBytes);

    const { hardState, confState } = c.storage.initialState();
    this.setConfig(confState);
    if (hardState.term !== 0 || hardState.vote !== NONE || hardState.commit !== 0) this.loadState(hardState);
    if (c.applied !== undefined && c.applied > 0) this.raftLog.appliedTo(c.applied);
    this.becomeFollower(this.term, NONE);
    resume(this, hardState.quiescedUnder);
    this.info(`newRaft ${this.id} [peers: [${this.voters.join(",")}], term: ${this.term}, commit: ${this.raftLog.committed}, applied: ${this.raftLog.applied}, lastindex: ${this.raftLog.lastIndex()}, lastterm: ${this.raftLog.lastTerm()}]`);
  }

  info(line: string): void {
    this.logger?.info(`${this.id} ${line}`);
  }

  debug(line: string): void {
    this.logger?.debug(`${this.id} ${line}`);
  }

  private loadState(hs: HardState): void {
    assert(
      hs.commit >= this.raftLog.committed && hs.commit <= this.raftLog.lastIndex(),
      `${this.id} state.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`,
    );
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  hardState(): HardState {
    const hs: HardState = { term: this.term, vote: this.vote, commit: this.raftLog.committed };
    // Whom we sleep under is the leader of this very term: it goes to disk with it.
    if (this.quiesced && this.lead !== NONE) hs.quiescedUnder = this.lead;
    return hs;
  }

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state };
  }

  isVoter(id: NodeId): boolean {
    return this.prs.has(id);
  }

  /** Can campaign: a voter with no snapshot waiting to be applied. */
  promotable(): boolean {
    return this.prs.has(this.id) && !this.raftLog.hasNextOrInProgressSnapshot();
  }

  newProgress(): Progress {
    return new Progress(this.raftLog.lastIndex() + 1, this.maxInflightMsgs, 0);
  }

  /** Replaces the configuration (on restart and snapshot restore). */
  setConfig(cs: ConfState): void {
    this.prs = new Map();
    for (const id of cs.voters) this.prs.set(id, this.newProgress());
    this.voters = [...this.prs.keys()].sort();
  }

  confState(): ConfState {
    return { voters: [...this.voters] };
  }

  // ---- sending -------------------------------------------------------------------------------

  send(m: Message): void {
    if (m.from === NONE) m.from = this.id;
    if (m.type === "MsgVote" || m.type === "MsgVoteResp" || m.type === "MsgPreVote" || m.type === "MsgPreVoteResp") {
      // Vote messages carry the term being campaigned for, which is not always ours.
      assert(m.term !== 0, `term should be set when sending ${m.type}`);
    } else {
      assert(m.term === 0, `term should not be set when sending ${m.type} (was ${m.term})`);
      // Proposals and read requests forwarded to the leader stay term-less: local to it.
      if (m.type !== "MsgProp" && m.type !== "MsgReadIndex") m.term = this.term;
    }
    this.msgs.push(m);
  }

  // ---- role transitions ----------------------------------------------------------------------

  reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.votes = new Map();
    const lastIndex = this.raftLog.lastIndex();
    for (const id of this.prs.keys()) {
      const fresh = this.newProgress();
      if (id === this.id) {
        fresh.match = lastIndex;
        fresh.recentActive = true;
      }
      this.prs.set(id, fresh);
    }
    this.pendingConfIndex = 0;
    this.uncommittedSizeBytes = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
    this.bcastPending = false;
    // Every role change wakes: a record of sleep belongs to the role and term it was made in.
    this.quiesced = false;
    this.settledTicks = 0;
  }

  resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(this.rand() * this.electionTimeout);
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.stepFn = stepFollower;
    this.reset(term);
    this.tickFn = tickElection;
    this.lead = lead;
    this.state = "StateFollower";
    this.info(`became follower at term ${this.term}`);
  }

  becomeCandidate(): void {
    assert(this.state !== "StateLeader", "invalid transition [leader -> candidate]");
    this.stepFn = stepCandidate;
    this.reset(this.term + 1);
    this.tickFn = tickElection;
    this.vote = this.id;
    this.state = "StateCandidate";
    this.info(`became candidate at term ${this.term}`);
  }

  becomePreCandidate(): void {
    assert(this.state !== "StateLeader", "invalid transition [leader -> pre-candidate]");
    // A pre-candidate changes neither term nor vote: it only asks whether it could win.
    this.stepFn = stepCandidate;
    this.votes = new Map();
    this.tickFn = tickElection;
    this.lead = NONE;
    this.quiesced = false;
    this.state = "StatePreCandidate";
    this.info(`became pre-candidate at term ${this.term}`);
  }

  becomeLeader(): void {
    assert(this.state !== "StateFollower", "invalid transition [follower -> leader]");
    this.takeLead();
    const ok = this.appendEntry([{ term: 0, index: 0, type: "normal", data: new Uint8Array(0) }]);
    assert(ok, "empty entry was dropped");
    this.info(`became leader at term ${this.term}`);
  }

  /**
   * Leads the current term again after a restart, without an election: the persisted quiesce
   * record says this member won it, and nobody else can (raft-quiesce.ts). No empty entry: the
   * last committed entry is already of this term. Followers are probed from our last index.
   */
  resumeLeader(): void {
    this.takeLead();
    this.info(`resumed leadership of term ${this.term}`);
  }

  /** The leader's state for the current term, shared by winning it and resuming it. */
  private takeLead(): void {
    this.stepFn = stepLeader;
    this.reset(this.term);
    this.tickFn = tickHeartbeat;
    this.lead = this.id;
    this.state = "StateLeader";
    this.prs.get(this.id)?.becomeReplicate();
    // Any conf change in the log may be pending; refuse new ones until all of it is committed.
    this.pendingConfIndex = this.raftLog.lastIndex();
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  // ---- log -----------------------------------------------------------------------------------

  /** Appends new entries of the current term to the leader's log. False if over budget. */
  appendEntry(es: Entry[]): boolean {
    const li = this.raftLog.lastIndex();
    for (let i = 0; i < es.length; i++) {
      const e = es[i]!;
      es[i] = { term: this.term, index: li + 1 + i, type: e.type, data: e.data };
    }
    if (!this.increaseUncommittedSize(es)) {
      this.debug(`appending new entries to log would exceed uncommitted entry size limit; dropping proposal`);
      return false;
    }
    const last = this.raftLog.append(es);
    this.prs.get(this.id)?.maybeUpdate(last);
    this.maybeCommit();
    return true;
  }

  private increaseUncommittedSize(es: readonly Entry[]): boolean {
    const s = payloadsSizeBytes(es);
    if (this.uncommittedSizeBytes > 0 && s > 0 && this.uncommittedSizeBytes + s > this.maxUncommittedSizeBytes) return false;
    this.uncommittedSizeBytes += s;
    return true;
  }

  reduceUncommittedSize(s: number): void {
    this.uncommittedSizeBytes = s > this.uncommittedSizeBytes ? 0 : this.uncommittedSizeBytes - s;
  }

  /** Advances commit to the quorum-acknowledged index if that entry is of this term. */
  maybeCommit(): boolean {
    const mci = committedIndex(this.voters, (id) => this.prs.get(id)?.match);
    return this.raftLog.maybeCommit(mci, this.term);
  }

  committedEntryInCurrentTerm(): boolean {
    return this.raftLog.termOrZero(this.raftLog.committed) === this.term;
  }

  // ---- stepping ------------------------------------------------------------------------------

  step(m: Message): RaftError | null {
    if (this.quiesced && wakesOn(this, m)) wake(this);
    if (!stepTermAndVotes(this, m)) return null;
    return this.stepFn(this, m);
  }

  tick(): void {
    if (this.quiesced) return;
    this.tickFn(this);
  }
}
