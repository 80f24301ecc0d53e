/**
 * Shapes that cross the Worker ↔ member and member ↔ member RPC boundary. Structured-clone
 * friendly (plain objects, Uint8Array). Failures are returned as values, never thrown: a
 * thrown RPC error is indistinguishable from a lost connection.
 *
 * @module
 */
import type { Message } from "../raft/types.js";
import type { StoreStats, V2Event, V2Request, V2Result } from "../store/types.js";

/** Which member a call is for. A Durable Object does not know its own name until told. */
export interface MemberAddress {
  token: string;
  name: string;
  /** The member id, when the caller knows it (peers always do): lets a member added at runtime start. */
  id?: string;
}

/** The outcome of a membership change (POST/DELETE/PUT /v2/members). */
export type MemberChangeReply =
  | { kind: "done"; raftIndex: number }
  | { kind: "notLeader"; leader: string }
  | { kind: "timeout" }
  | { kind: "removed" }
  /** Refused before proposing, with etcd's HTTP status and message. */
  | { kind: "refused"; status: number; message: string };

export interface RaftPosition {
  raftIndex: number;
  raftTerm: number;
}

export type MemberReply =
  | ({ kind: "done"; result: V2Result; etcdIndex: number } & RaftPosition)
  /** Not the leader: retry at `leader` (a member name; "" when unknown). */
  | { kind: "notLeader"; leader: string }
  /** No answer in time (etcd's "etcdserver: request timed out"); the write may still apply. */
  | { kind: "timeout" }
  /** This member was removed from the cluster and no longer serves. */
  | { kind: "removed" };

export interface PeerBatch {
  from: MemberAddress;
  /** Raft messages (a quiescing leader's last heartbeat says so itself); empty: only a wake-up. */
  messages: Message[];
}

export interface PeerReply {
  /** The receiver knows the sender was removed from the cluster. */
  removed?: boolean;
}

export interface SnapshotPage {
  /** Identifies one snapshot transfer: "<leader id>/<index>/<term>". */
  snap: string;
  page: number;
  pages: number;
  data: Uint8Array;
}

export interface MemberStatus {
  name: string;
  id: string;
  role: string;
  term: number;
  commit: number;
  applied: number;
  leader: string;
  leaderName: string;
  lastIndex: number;
  firstIndex: number;
  quiesced: boolean;
  /** When this member's alarm is set to fire (Unix ms), or null: an idle member has none. */
  alarmAtMs?: number | null;
  leaderSinceMs: number;
  appendBatches: number;
  entriesAppended: number;
  voters: string[];
}

export interface Faults {
  /** Only members in the same group can talk; null = no partition. Member names. */
  groups: string[][] | null;
}

export type { StoreStats, V2Event, V2Request };
