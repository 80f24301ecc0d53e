/**
 * Responses in etcd 3.4's gateway JSON (jsonpb with OrigName, EmitDefaults off): proto field
 * names, fields in proto order, zero values left out, int64 as strings, bytes as base64.
 *
 * @module
 */
import { goJsonString } from "../http/go-json.js";
import { encodeBase64, fromHex, hexToBase64 } from "./codec.js";
import type { Event, KeyValue, ResponseOp, TxnResponse, V3Error, V3Response } from "./types.js";

/** Who answers: etcd's ResponseHeader less the revision. IDs are uint64 as decimal text. */
export interface HeaderInfo {
  clusterId: string;
  memberId: string;
  raftTerm: number;
}

type Fields = Array<[string, string | null]>;

/** {"a":…,"b":…} from pre-rendered values, leaving out nulls. */
function obj(fields: Fields): string {
  const parts: string[] = [];
  for (const [k, v] of fields) if (v !== null) parts.push(`${JSON.stringify(k)}:${v}`);
  return `{${parts.join(",")}}`;
}

const int64 = (n: number | string): string | null => (n === 0 || n === "0" ? null : JSON.stringify(String(n)));
const bool = (b: boolean): string | null => (b ? "true" : null);
const bytes = (b: Uint8Array): string | null => (b.length === 0 ? null : JSON.stringify(encodeBase64(b)));
const hexKey = (k: string): string | null => (k === "" ? null : JSON.stringify(hexToBase64(k)));
const list = (items: string[]): string | null => (items.length === 0 ? null : `[${items.join(",")}]`);

export function header(h: HeaderInfo, revision: number): string {
  return obj([
    ["cluster_id", int64(h.clusterId)],
    ["member_id", int64(h.memberId)],
    ["revision", int64(revision)],
    ["raft_term", int64(h.raftTerm)],
  ]);
}

/** The header etcd leaves inside a txn's responses: the revision only. */
function innerHeader(revision: number): string {
  return obj([["revision", int64(revision)]]);
}

export function keyValue(kv: KeyValue): string {
  return obj([
    ["key", hexKey(kv.key)],
    ["create_revision", int64(kv.createRevision)],
    ["mod_revision", int64(kv.modRevision)],
    ["version", int64(kv.version)],
    ["value", bytes(kv.value)],
    ["lease", int64(kv.lease)],
  ]);
}

function responseOp(op: ResponseOp): string {
  if ("range" in op) return obj([["response_range", rangeBody(innerHeader(op.range.revision), op.range)]]);
  if ("put" in op) return obj([["response_put", putBody(innerHeader(op.put.revision), op.put)]]);
  if ("deleteRange" in op) return obj([["response_delete_range", deleteBody(innerHeader(op.deleteRange.revision), op.deleteRange)]]);
  return obj([["response_txn", txnBody(innerHeader(op.txn.revision), op.txn)]]);
}

function rangeBody(h: string, r: { kvs: KeyValue[]; more: boolean; count: number }): string {
  return obj([["header", h], ["kvs", list(r.kvs.map(keyValue))], ["more", bool(r.more)], ["count", int64(r.count)]]);
}

function putBody(h: string, r: { prevKv: KeyValue | null }): string {
  return obj([["header", h], ["prev_kv", r.prevKv ? keyValue(r.prevKv) : null]]);
}

function deleteBody(h: string, r: { deleted: number; prevKvs: KeyValue[] }): string {
  return obj([["header", h], ["deleted", int64(r.deleted)], ["prev_kvs", list(r.prevKvs.map(keyValue))]]);
}

function txnBody(h: string, r: TxnResponse): string {
  return obj([["header", h], ["succeeded", bool(r.succeeded)], ["responses", list(r.responses.map(responseOp))]]);
}

/** A unary response's JSON body. */
export function responseJson(h: HeaderInfo, r: V3Response): string {
  const head = header(h, r.body.revision);
  switch (r.kind) {
    case "range":
      return rangeBody(head, r.body);
    case "put":
      return putBody(head, r.body);
    case "deleteRange":
      return deleteBody(head, r.body);
    case "txn":
      return txnBody(head, r.body);
    case "compact":
    case "leaseRevoke":
    case "expired":
      return obj([["header", head]]);
    case "leaseGrant":
      return obj([["header", head], ["ID", int64(r.body.id)], ["TTL", int64(r.body.ttl)]]);
    case "leaseKeepAlive":
      return obj([["result", obj([["header", head], ["ID", int64(r.body.id)], ["TTL", int64(r.body.ttl)]])]]);
    case "leaseTimeToLive":
      return obj([
        ["header", head],
        ["ID", int64(r.body.id)],
        ["TTL", int64(r.body.ttl)],
        ["grantedTTL", int64(r.body.grantedTtl)],
        ["keys", list(r.body.keys.map((k) => JSON.stringify(encodeBase64(fromHex(k)))))],
      ]);
    case "leaseLeases":
      return obj([["header", head], ["leases", list(r.body.leases.map((id) => obj([["ID", int64(id)]])))]]);
  }
}

/** grpc-gateway's error body (the "error" field is 3.4's, kept beside "message"); Go's HTML-safe escapes. */
export function errorJson(e: V3Error): string {
  const m = goJsonString(e.message);
  return `{"error":${m},"message":${m},"code":${e.code}}`;
}

export interface WatchResponseFields {
  revision: number;
  watchId: string;
  created?: boolean;
  canceled?: boolean;
  compactRevision?: number;
  cancelReason?: string;
  events?: Event[];
}

export function event(e: Event): string {
  return obj([["type", e.type === "DELETE" ? '"DELETE"' : null], ["kv", keyValue(e.kv)], ["prev_kv", e.prevKv ? keyValue(e.prevKv) : null]]);
}

/** One line of the watch stream: {"result": WatchResponse}. */
export function watchResponseJson(h: HeaderInfo, w: WatchResponseFields): string {
  return obj([
    [
      "result",
      obj([
        ["header", header(h, w.revision)],
        ["watch_id", int64(w.watchId)],
        ["created", bool(w.created ?? false)],
        ["canceled", bool(w.canceled ?? false)],
        ["compact_revision", int64(w.compactRevision ?? 0)],
        ["cancel_reason", w.cancelReason ? goJsonString(w.cancelReason) : null],
        ["events", list((w.events ?? []).map(event))],
      ]),
    ],
  ]);
}
