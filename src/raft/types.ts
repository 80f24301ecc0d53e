/**
 * Raft wire and state types, in etcd-raft's vocabulary (raftpb).
 *
 * This module is PURE: no Workers APIs, no clock, no Math.random. Everything in src/raft
 * is a deterministic function of its inputs plus the injected `rand`.
 *
 * @module
 */

/** A member id: lowercase hex of a 64-bit number, never "" (""/NONE means "no one"). */
export type NodeId = string;
/** "No node": no vote cast, no leader known. */
export const NONE: NodeId = "";

export type EntryType = "normal" | "confChange";

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  /** Opaque to raft. An empty normal entry is the leader's no-op. */
  data: Uint8Array;
}

export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
  /**
   * While quiesced: the leader of `term` this member sleeps under (itself, on the leader).
   * Absent (or NONE) while awake. Persisted so that a member evicted in its sleep wakes knowing
   * its leader, and a leader wakes still leading `term`, with no election (raft-quiesce.ts).
   */
  quiescedUnder?: NodeId;
}

/** The voters of the configuration (single-server changes only, no joint consensus). */
export interface ConfState {
  voters: NodeId[];
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

export interface Snapshot {
  metadata: SnapshotMetadata;
  /** Opaque application state. May be empty when the shell ships state out of band. */
  data: Uint8Array;
}

export type MessageType =
  | "MsgHup" // local: start an election
  | "MsgBeat" // local: leader sends heartbeats
  | "MsgProp" // local or follower→leader: propose entries
  | "MsgApp"
  | "MsgAppResp"
  | "MsgVote"
  | "MsgVoteResp"
  | "MsgPreVote"
  | "MsgPreVoteResp"
  | "MsgSnap"
  | "MsgHeartbeat"
  | "MsgHeartbeatResp"
  | "MsgUnreachable" // local: report a peer unreachable
  | "MsgSnapStatus" // local: report snapshot success/failure
  | "MsgCheckQuorum" // local
  | "MsgTransferLeader"
  | "MsgTimeoutNow"
  | "MsgReadIndex"
  | "MsgReadIndexResp";

export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: number;
  /** For MsgApp: term of the entry at `index`. For votes: term of the candidate's last entry. */
  logTerm: number;
  /** For MsgApp: index preceding `entries`. For votes: candidate's last index. For resp: match/reject index. */
  index: number;
  entries: Entry[];
  commit: number;
  snapshot?: Snapshot;
  reject: boolean;
  rejectHint: number;
  /** Opaque context: ReadIndex request ctx, campaign-transfer marker. */
  context?: Uint8Array;
  /**
   * On MsgHeartbeat: the leader's last heartbeat before it quiesces. A follower that holds the
   * whole log quiesces too and does not answer (raft-quiesce.ts).
   */
  quiesce?: boolean;
}

export type ConfChangeType = "addNode" | "removeNode";

export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  /** Opaque to raft (e.g. the member's name and peer URLs). */
  context?: Uint8Array;
}

export type StateType = "StateFollower" | "StateCandidate" | "StateLeader" | "StatePreCandidate";

export interface SoftState {
  lead: NodeId;
  raftState: StateType;
}

export interface ReadState {
  index: number;
  requestCtx: Uint8Array;
}

/**
 * One batch of work for the shell. The contract (etcd-raft README, steps 1–4):
 * 1. persist `hardState`, `entries` and `snapshot` (durably, atomically);
 * 2. send `messages` (only after step 1);
 * 3. apply `snapshot` then `committedEntries` to the state machine;
 * 4. call `advance()`.
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  readStates: ReadState[];
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  mustSync: boolean;
}

export type ProgressStateType = "StateProbe" | "StateReplicate" | "StateSnapshot";

export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressStateType;
  recentActive: boolean;
  pendingSnapshot: number;
  inflight: number;
}

export interface Status {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  lastIndex: number;
  /** Only on the leader: per voter, including itself. */
  progress?: Record<NodeId, ProgressStatus>;
  leadTransferee: NodeId;
}

/** Read-only log storage (etcd-raft storage.go). Writes belong to the shell. */
export interface Storage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at least one if any, total byte size ≤ maxSizeBytes otherwise. Throws ErrCompacted / ErrUnavailable. */
  entries(lo: number, hi: number, maxSizeBytes: number): Entry[];
  /** Term of entry i, for i in [firstIndex()-1, lastIndex()]. Throws ErrCompacted / ErrUnavailable. */
  term(i: number): number;
  lastIndex(): number;
  firstIndex(): number;
  /** Most recent snapshot. Throws ErrSnapshotTemporarilyUnavailable if not ready. */
  snapshot(): Snapshot;
}

export interface Config {
  id: NodeId;
  /** Ticks without hearing from a leader before a follower campaigns (randomized in [e, 2e)). */
  electionTick: number;
  /** Ticks between leader heartbeats. Must be < electionTick. */
  heartbeatTick: number;
  storage: Storage;
  /** Last applied index when restarting; raft will not return entries ≤ applied. */
  applied?: number;
  /** Max bytes of entries per MsgApp (at least one entry is always sent). */
  maxSizePerMsgBytes: number;
  /** Max bytes of committed entries returned per Ready. */
  maxCommittedSizePerReadyBytes?: number;
  /** Max MsgApp in flight per follower in replicate state. */
  maxInflightMsgs: number;
  /** Bytes of uncommitted entries the leader accepts before dropping proposals (0 = no limit). */
  maxUncommittedEntriesSizeBytes?: number;
  checkQuorum: boolean;
  preVote: boolean;
  /**
   * Heartbeat ticks a leader must find its group settled (everything committed, applied and on
   * every voter; nothing pending) before it quiesces: it stops heartbeating and tells its
   * followers to stop their election timers. 0 or absent: never (etcd-raft's behaviour).
   */
  quiesceAfterTicks?: number;
  /** Seeded uniform random source in [0, 1). Injected so runs are reproducible. */
  rand: () => number;
  /** Optional sink for raft's state-change log lines (elections, votes, config switches). */
  logger?: RaftLogger;
}

/** Where raft reports what it does. Lines are plain text, without the node id prefix. */
export interface RaftLogger {
  debug(line: string): void;
  info(line: string): void;
}

export class RaftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RaftError";
  }
}

export const ErrCompacted = new RaftError("requested index is unavailable due to compaction");
export const ErrUnavailable = new RaftError("requested entry at index is unavailable");
export const ErrSnapOutOfDate = new RaftError("requested index is older than the existing snapshot");
export const ErrSnapshotTemporarilyUnavailable = new RaftError("snapshot is temporarily unavailable");
export const ErrProposalDropped = new RaftError("raft proposal dropped");
export const ErrStepLocalMsg = new RaftError("raft: cannot step raft local message");
export const ErrStepPeerNotFound = new RaftError("raft: cannot step as peer not found");
