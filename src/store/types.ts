/**
 * The v2 store's request, event and node shapes (etcd `api/v2store` + `etcdserverpb.Request`).
 *
 * PURE: no Workers APIs, no clock. Time arrives as numbers (Unix milliseconds) inside requests.
 * Paths are INTERNAL paths: user keys live under "/1" (`/foo` is "/1/foo"), cluster metadata
 * under "/0", auth under "/2". The HTTP layer adds and trims the "/1" prefix.
 *
 * @module
 */

export type V2Method = "GET" | "QGET" | "PUT" | "POST" | "DELETE" | "SYNC";

/** One store operation, as proposed through raft (mirrors etcdserverpb.Request). */
export interface V2Request {
  method: V2Method;
  /** Internal, cleaned path ("/1/foo"). Unused for SYNC. */
  path: string;
  val: string;
  dir: boolean;
  /** "" = not given. */
  prevValue: string;
  /** 0 = not given. */
  prevIndex: number;
  /** null = not given. */
  prevExist: boolean | null;
  /** Absolute expiration in Unix ms; 0 = permanent. Computed by the receiving member from `ttl`. */
  expirationMs: number;
  refresh: boolean;
  recursive: boolean;
  sorted: boolean;
  /**
   * The proposer's wall clock, Unix ms (0 = not given). SYNC: every node with expiration ≤ timeMs
   * expires. Writes: the time their events were made at (V2Event.appliedAtMs); in the log, so
   * every member records the same.
   */
  timeMs: number;
}

export type Action =
  | "get"
  | "set"
  | "create"
  | "update"
  | "compareAndSwap"
  | "delete"
  | "compareAndDelete"
  | "expire";

/** A node as shown to clients (etcd NodeExtern), before JSON rendering. */
export interface NodeExtern {
  /** Internal path. */
  key: string;
  /** Present for keys; absent for dirs and in the `node` of delete/CAD/expire events. */
  value?: string;
  dir: boolean;
  /** Unix ms, or null when permanent. `ttl` is computed at render time from "now". */
  expirationMs: number | null;
  /** Directory listing (visible children only), when listed. */
  nodes?: NodeExtern[];
  modifiedIndex: number;
  createdIndex: number;
}

export interface V2Event {
  action: Action;
  node: NodeExtern;
  prevNode?: NodeExtern;
  /** The etcd index of the store after this event (its modifiedIndex for mutations). */
  etcdIndex: number;
  /** refresh=true writes: kept in history but never delivered to watchers. */
  refresh?: boolean;
  /**
   * When the write was made (its request's timeMs, Unix ms): etcd renders a watch event's ttl at
   * event creation, so a watch answered from history later still shows the ttl of that moment.
   * Absent for requests that carry no time (older log entries, direct store use).
   */
  appliedAtMs?: number;
}

/** A v2 error (etcd `v2error.Error`). The HTTP status is derived from the code. */
export interface V2Error {
  errorCode: number;
  message: string;
  /** Internal path or detail; "" when absent. The HTTP layer trims the "/1" prefix. */
  cause: string;
  index: number;
}

export type V2Result = { ok: true; event: V2Event } | { ok: false; error: V2Error };

/** What applying one V2Request yields: SYNC has no event of its own, only the expirations. */
export type V2ApplyResult = V2Result | { ok: true; event: null; expired: V2Event[] };

/** /v2/stats/store counters, in etcd's field order. */
export interface StoreStats {
  getsSuccess: number;
  getsFail: number;
  setsSuccess: number;
  setsFail: number;
  deleteSuccess: number;
  deleteFail: number;
  updateSuccess: number;
  updateFail: number;
  createSuccess: number;
  createFail: number;
  compareAndSwapSuccess: number;
  compareAndSwapFail: number;
  compareAndDeleteSuccess: number;
  compareAndDeleteFail: number;
  expireCount: number;
  watchers: number;
}
