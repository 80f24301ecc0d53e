/**
 * The seam between the v3 gateway routes (src/http/v3-routes.ts) and whatever serves them:
 * the in-process store (src/http/v3-direct.ts) or the cluster's members (src/front/v3-cluster.ts).
 *
 * @module
 */
import type { HeaderInfo } from "../v3/encode.js";
import type { KeyRange, RangeRequest, TxnRequest, V3Command, V3Error, V3Response } from "../v3/types.js";
import type { EventBatch, WatchFilter } from "../v3/watch.js";

export type V3Read =
  | { op: "range"; req: RangeRequest }
  | { op: "txn"; req: TxnRequest }
  | { op: "timeToLive"; id: string; keys: boolean }
  | { op: "leases" };

export type V3Reply = { ok: true; response: V3Response; header: HeaderInfo } | { ok: false; error: V3Error };

export interface WatchPoll {
  /** Events from this revision on (≥ 1). */
  from: number;
  filter: WatchFilter;
  /** Wait this long for a revision ≥ from when none is there yet; 0: answer at once. */
  waitMs: number;
}

export type WatchReply = ({ ok: true; header: HeaderInfo } & EventBatch) | { ok: false; error: V3Error };

export interface V3Status {
  header: HeaderInfo;
  revision: number;
  version: string;
  dbSize: number;
  dbSizeInUse: number;
  leader: string;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
}

export interface V3Handler {
  /** A write through consensus (or straight to the store in-process). */
  write(cmd: V3Command): Promise<V3Reply>;
  /** A read: linearizable (ReadIndex through the leader) unless `serializable`. */
  read(req: V3Read, serializable: boolean): Promise<V3Reply>;
  watchPoll(poll: WatchPoll): Promise<WatchReply>;
  status(): Promise<{ ok: true; status: V3Status } | { ok: false; error: V3Error }>;
}

export type { KeyRange };
