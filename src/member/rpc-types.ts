/**
 * Shapes that cross the Worker ↔ member and member ↔ member RPC boundary. Structured-clone
 * friendly (plain objects, Uint8Array). Failures are returned as values, never thrown: a
 * thrown RPC error is indistinguishable from a lost connection.
 *
 * @module
 */
import type { Message } from "../raft/types.js";
import type { StoreStats, V2Error, V2Event, V2Request, V2Result } from "../store/types.js";

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

/**
 * A watch registered on a watch feed (member/watch-hub.ts): what it watches and from where.
 * `access` is the client's permission question as JSON, or "internal" for the cluster's own.
 */
export interface WatchRegistration {
  /** Unique within its feed; events for it arrive on the feed tagged with it. */
  id: number;
  path: string;
  recursive: boolean;
  stream: boolean;
  /** The first index wanted (a waitIndex, or the index after the last one delivered); 0 = next. */
  since: number;
  /** Resuming: every matching event since `since` from the history, not only the first. */
  replay: boolean;
  access: string;
}

/** The member's answer to a registration. Live events follow on the feed, after `events`. */
export type WatchAddReply =
  | {
      kind: "started";
      etcdIndex: number;
      raftIndex: number;
      raftTerm: number;
      /** Answered from the history (all ≤ etcdIndex), in index order. */
      events: V2Event[];
      /** Nothing more will come: a long poll answered from history, or etcd's stream quirk. */
      done: boolean;
    }
  | { kind: "error"; error: V2Error }
  /** The member holds no feed of that id (it closed, or the member restarted): open a new one. */
  | { kind: "noFeed" };

/** Member → Worker on a watch feed (JSON text frames); the Worker sends `cancel` and "ping". */
export type FeedFrame =
  /** An event for these registrations; an id twice = delivered twice (etcd's removal callback). */
  | { type: "event"; ids: number[]; event: V2Event }
  /** The member forgot its registrations (it woke from hibernation): register them again. */
  | { type: "resync" };
