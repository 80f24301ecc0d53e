/**
 * The seam between the HTTP routes and whatever serves them. The routes (src/http) parse and
 * validate requests exactly as etcd does, then call a V2Handler. Implementations:
 * - a direct handler over one in-process store (tests, single-member mode);
 * - the cluster handler in the front Worker, which forwards to member Durable Objects.
 *
 * @module
 */
import type { Access, AuthLookup } from "../auth/types.js";
import type { StoreStats, V2Error, V2Event, V2Request } from "../store/types.js";

/** Raft position reported in X-Raft-Index / X-Raft-Term by the member that answered. */
export interface RaftPosition {
  raftIndex: number;
  raftTerm: number;
}

export type KeysResult =
  | ({ ok: true; event: V2Event; etcdIndex: number } & RaftPosition)
  | { ok: false; error: V2Error };

export interface WatchRequest {
  /** Internal path ("/1/foo"). */
  path: string;
  recursive: boolean;
  stream: boolean;
  /** 0 = from the next event. */
  sinceIndex: number;
}

/** A registered watch. Headers are sent as soon as this resolves. */
export type WatchStart =
  | ({
      ok: true;
      /** etcd index at registration (X-Etcd-Index of the watch response). */
      etcdIndex: number;
      /** Matching events in order; ends when the watch ends (one-shot after one event). */
      events: AsyncIterable<V2Event>;
      /** Stop watching (client went away). Idempotent. */
      cancel(): void;
      /** Why the events ended early (a client too slow for the buffer), if they did. */
      endedBy?(): V2Error | null;
    } & RaftPosition)
  | { ok: false; error: V2Error };

export interface V2Handler {
  /** Lowercase hex cluster id for X-Etcd-Cluster-Id. */
  clusterId(): string;
  /**
   * Run one keys operation. GET is a local read; QGET and mutations go through consensus
   * (or straight to the store in the direct handler). Store errors come back as values.
   * Infrastructure failures (timeouts, no leader) come back as errorCode 300 errors.
   * `access` is the client's permission question (etcd's hasKeyPrefixAccess), decided by
   * whoever serves the request against its auth data: a denial is errorCode 110. null only for
   * the cluster's own requests (the auth API's reads and writes of "/2", capability URLs).
   */
  keys(req: V2Request, access: Access | null): Promise<KeysResult>;
  watch(req: WatchRequest, access: Access | null): Promise<WatchStart>;
  /** The auth switch and one user's stored record ("" = just the switch). */
  authLookup(user: string): Promise<AuthLookup>;
  storeStats(): Promise<StoreStats>;
  /** True when a leader is known and a quorum read completes. */
  health(): Promise<boolean>;
}
