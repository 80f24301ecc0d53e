/**
 * The v3 key space's requests and results, as the MVCC store and the raft log carry them.
 * Keys are lowercase hex (src/v3/codec.ts); values are bytes; revisions are numbers (2^53
 * revisions is far beyond any store's life); lease IDs are int64 as decimal strings ("0": none).
 *
 * @module
 */

export interface KeyValue {
  key: string;
  createRevision: number;
  modRevision: number;
  version: number;
  value: Uint8Array;
  lease: string;
}

/**
 * A key range as etcd's RangeRequest names it: `end` "" is the single key, "00" (the byte 0)
 * every key from `key` on, anything else the half-open range [key, end).
 */
export interface KeyRange {
  key: string;
  end: string;
}

export const enum SortOrder {
  None = 0,
  Ascend = 1,
  Descend = 2,
}

export const enum SortTarget {
  Key = 0,
  Version = 1,
  Create = 2,
  Mod = 3,
  Value = 4,
}

export interface RangeRequest extends KeyRange {
  limit: number;
  /** ≤ 0: the current revision. */
  revision: number;
  sortOrder: number;
  sortTarget: number;
  serializable: boolean;
  keysOnly: boolean;
  countOnly: boolean;
  minModRevision: number;
  maxModRevision: number;
  minCreateRevision: number;
  maxCreateRevision: number;
}

export interface PutRequest {
  key: string;
  value: Uint8Array;
  lease: string;
  prevKv: boolean;
  ignoreValue: boolean;
  ignoreLease: boolean;
}

export interface DeleteRangeRequest extends KeyRange {
  prevKv: boolean;
}

export const enum CompareTarget {
  Version = 0,
  Create = 1,
  Mod = 2,
  Value = 3,
  Lease = 4,
}

export const enum CompareResult {
  Equal = 0,
  Greater = 1,
  Less = 2,
  NotEqual = 3,
}

export interface Compare extends KeyRange {
  target: number;
  result: number;
  /** The target_union member the client set, if any. */
  version?: number;
  createRevision?: number;
  modRevision?: number;
  value?: Uint8Array;
  lease?: string;
}

export type RequestOp =
  | { range: RangeRequest }
  | { put: PutRequest }
  | { deleteRange: DeleteRangeRequest }
  | { txn: TxnRequest }
  /** A RequestOp with no request set (etcd answers "key not found"). */
  | { empty: true };

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

export interface RangeResponse {
  revision: number;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export interface PutResponse {
  revision: number;
  prevKv: KeyValue | null;
}

export interface DeleteRangeResponse {
  revision: number;
  deleted: number;
  prevKvs: KeyValue[];
}

export interface TxnResponse {
  /** 0 for a nested txn: etcd leaves its header empty. */
  revision: number;
  succeeded: boolean;
  responses: ResponseOp[];
}

export type ResponseOp =
  | { range: RangeResponse }
  | { put: PutResponse }
  | { deleteRange: DeleteRangeResponse }
  | { txn: TxnResponse };

export interface LeaseGrantResponse {
  revision: number;
  id: string;
  ttl: number;
}

export interface LeaseKeepAliveResponse {
  revision: number;
  id: string;
  /** 0: no such lease. */
  ttl: number;
}

export interface LeaseTimeToLiveResponse {
  revision: number;
  id: string;
  /** -1: no such lease. */
  ttl: number;
  grantedTtl: number;
  keys: string[];
}

export interface Lease {
  id: string;
  /** The TTL in force, seconds (the granted one raised to the minimum). */
  ttl: number;
  /** When it expires, Unix ms, by the clock of the entry that granted or renewed it. */
  expiresMs: number;
}

/** One change in the store's history: a put or a delete of one key at (revision, sub). */
export interface Event {
  type: "PUT" | "DELETE";
  kv: KeyValue;
  prevKv: KeyValue | null;
}

/**
 * A write carried by the raft log. Applied with the entry's time (`timeMs`), never a clock
 * read, so every member computes the same lease expiries.
 */
export type V3Command =
  | { op: "put"; req: PutRequest }
  | { op: "deleteRange"; req: DeleteRangeRequest }
  | { op: "txn"; req: TxnRequest }
  | { op: "compact"; revision: number }
  | { op: "leaseGrant"; id: string; ttl: number }
  | { op: "leaseRevoke"; id: string }
  | { op: "leaseKeepAlive"; id: string }
  /** Revoke every lease due by the entry's time (proposed by the leader, as v2's SYNC). */
  | { op: "leaseExpire" };

export type V3Response =
  | { kind: "range"; body: RangeResponse }
  | { kind: "put"; body: PutResponse }
  | { kind: "deleteRange"; body: DeleteRangeResponse }
  | { kind: "txn"; body: TxnResponse }
  | { kind: "compact"; body: { revision: number } }
  | { kind: "leaseGrant"; body: LeaseGrantResponse }
  | { kind: "leaseRevoke"; body: { revision: number } }
  | { kind: "leaseKeepAlive"; body: LeaseKeepAliveResponse }
  | { kind: "leaseTimeToLive"; body: LeaseTimeToLiveResponse }
  | { kind: "leaseLeases"; body: { revision: number; leases: string[] } }
  | { kind: "expired"; body: { revision: number; revoked: string[] } };

/** A gRPC status as etcd's gateway returns it. */
export interface V3Error {
  code: number;
  message: string;
}

export type V3Result = { ok: true; response: V3Response } | { ok: false; error: V3Error };
