/**
 * Keys API bodies and headers with etcd's field order and omission rules (spec §3.4, §3.5):
 * compact JSON, Go string escaping, "/1" trimmed from keys and causes, trailing "\n".
 *
 * @module
 */
import { EcodeRaftInternal, errorMessages, httpStatusOf } from "../store/errors.js";
import type { NodeExtern, V2Error, V2Event } from "../store/types.js";
import type { RaftPosition } from "./handler.js";
import { goRfc3339NanoUtc, goTtlSeconds } from "./go-parse.js";
import { goJsonString } from "./go-json.js";
import { keysNamespace } from "./parse.js";

/** etcd `trimPrefix`: "/1/foo" → "/foo", "/1" → "". */
export function trimKeysPrefix(p: string): string {
  return p.startsWith(keysNamespace) ? p.slice(keysNamespace.length) : p;
}

export function renderNode(n: NodeExtern, nowMs: number): string {
  const parts: string[] = [];
  const key = trimKeysPrefix(n.key);
  if (key !== "") parts.push(`"key":${goJsonString(key)}`);
  if (n.value !== undefined && !n.dir) parts.push(`"value":${goJsonString(n.value)}`);
  if (n.dir) parts.push(`"dir":true`);
  if (n.expirationMs !== null) {
    parts.push(`"expiration":"${goRfc3339NanoUtc(n.expirationMs)}"`);
    const ttl = goTtlSeconds(n.expirationMs, nowMs);
    if (ttl !== 0) parts.push(`"ttl":${ttl}`);
  }
  if (n.nodes !== undefined && n.nodes.length > 0) {
    parts.push(`"nodes":[${n.nodes.map((c) => renderNode(c, nowMs)).join(",")}]`);
  }
  if (n.modifiedIndex !== 0) parts.push(`"modifiedIndex":${n.modifiedIndex}`);
  if (n.createdIndex !== 0) parts.push(`"createdIndex":${n.createdIndex}`);
  return `{${parts.join(",")}}`;
}

const valueHiddenActions = new Set(["set", "create", "update", "compareAndSwap"]);

/** One event as etcd's `json.NewEncoder(w).Encode(ev)` writes it (with the trailing "\n"). */
export function renderEvent(e: V2Event, nowMs: number, noValueOnSuccess = false): string {
  const parts = [`"action":${goJsonString(e.action)}`];
  if (!(noValueOnSuccess && valueHiddenActions.has(e.action))) {
    parts.push(`"node":${renderNode(e.node, nowMs)}`);
    if (e.prevNode !== undefined) parts.push(`"prevNode":${renderNode(e.prevNode, nowMs)}`);
  }
  return `{${parts.join(",")}}\n`;
}

/**
 * etcd computes a node's `ttl` when the event is created; a watch answered from history shows
 * the ttl of that moment. A handler that knows when an event was applied may say so here;
 * otherwise the event is rendered with the current time.
 */
export type TimedEvent = V2Event & { appliedAtMs?: number };

export function renderWatchEvent(e: TimedEvent, nowMs: number): string {
  return renderEvent(e, e.appliedAtMs ?? nowMs);
}

/** etcd `Event.IsCreated`: 201 for create, and for a set that replaced nothing. */
export function eventStatus(e: V2Event): number {
  return e.action === "create" || (e.action === "set" && e.prevNode === undefined) ? 201 : 200;
}

export function renderError(err: V2Error): string {
  const cause = trimKeysPrefix(err.cause);
  const parts = [`"errorCode":${err.errorCode}`, `"message":${goJsonString(err.message)}`];
  if (cause !== "") parts.push(`"cause":${goJsonString(cause)}`);
  parts.push(`"index":${err.index}`);
  return `{${parts.join(",")}}\n`;
}

export function errorResponse(err: V2Error, clusterId: string | null): Response {
  const headers = new Headers({ "Content-Type": "application/json" });
  if (clusterId !== null) headers.set("X-Etcd-Cluster-Id", clusterId);
  headers.set("X-Etcd-Index", String(err.index));
  return new Response(renderError(err), { status: httpStatusOf(err.errorCode), headers });
}

export function successHeaders(clusterId: string, etcdIndex: number, raft: RaftPosition): Headers {
  return new Headers({
    "Content-Type": "application/json",
    "X-Etcd-Cluster-Id": clusterId,
    "X-Etcd-Index": String(etcdIndex),
    "X-Raft-Index": String(raft.raftIndex),
    "X-Raft-Term": String(raft.raftTerm),
  });
}

/** etcd maps anything that is not a v2 error to 300 with the error text as cause, index 0. */
export function internalError(e: unknown): V2Error {
  return {
    errorCode: EcodeRaftInternal,
    message: errorMessages[EcodeRaftInternal] ?? "",
    cause: e instanceof Error ? e.message : String(e),
    index: 0,
  };
}
