/**
 * Compact cbor-x encoding of events (history records) and nodes (snapshots): positional
 * tuples instead of objects, so a record carries no field names.
 *
 * @module
 */
import { decode, encode } from "cbor-x";
import type { NodeRecord } from "./backend.js";
import type { Action, NodeExtern, V2Event } from "./types.js";

const actions: readonly Action[] = [
  "get",
  "set",
  "create",
  "update",
  "compareAndSwap",
  "delete",
  "compareAndDelete",
  "expire",
];

/** [key, value|null, dir, expirationMs|null, modifiedIndex, createdIndex] — events never list. */
type NodeTuple = [string, string | null, boolean, number | null, number, number];
/** [action, node, prevNode, etcdIndex, refresh, appliedAtMs?] — records before appliedAtMs have 5. */
type EventTuple = [number, NodeTuple, NodeTuple | null, number, boolean, number?];

function nodeToTuple(n: NodeExtern): NodeTuple {
  return [n.key, n.value ?? null, n.dir, n.expirationMs, n.modifiedIndex, n.createdIndex];
}

function tupleToNode(t: NodeTuple): NodeExtern {
  const [key, value, dir, expirationMs, modifiedIndex, createdIndex] = t;
  const n: NodeExtern = { key, dir, expirationMs, modifiedIndex, createdIndex };
  if (value !== null) n.value = value;
  return n;
}

export function encodeEvent(e: V2Event): Uint8Array {
  const code = actions.indexOf(e.action);
  if (code < 0) throw new Error(`encodeEvent: unknown action ${e.action}`);
  const t: EventTuple = [
    code,
    nodeToTuple(e.node),
    e.prevNode === undefined ? null : nodeToTuple(e.prevNode),
    e.etcdIndex,
    e.refresh === true,
  ];
  if (e.appliedAtMs !== undefined) t.push(e.appliedAtMs);
  return encode(t);
}

export function decodeEvent(data: Uint8Array): V2Event {
  const [code, node, prev, etcdIndex, refresh, appliedAtMs] = decode(data) as EventTuple;
  const action = actions[code];
  if (action === undefined) throw new Error(`decodeEvent: bad action code ${code}`);
  const e: V2Event = { action, node: tupleToNode(node), etcdIndex };
  if (prev !== null) e.prevNode = tupleToNode(prev);
  if (refresh) e.refresh = true;
  if (appliedAtMs !== undefined) e.appliedAtMs = appliedAtMs;
  return e;
}

/** [path, dir, value, createdIndex, modifiedIndex, expirationMs|null] */
export type NodeRecordTuple = [string, boolean, string, number, number, number | null];

export function nodeRecordToTuple(n: NodeRecord): NodeRecordTuple {
  return [n.path, n.dir, n.value, n.createdIndex, n.modifiedIndex, n.expirationMs];
}

export function tupleToNodeRecord(t: NodeRecordTuple): NodeRecord {
  const [path, dir, value, createdIndex, modifiedIndex, expirationMs] = t;
  return { path, dir, value, createdIndex, modifiedIndex, expirationMs };
}
