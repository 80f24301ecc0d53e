/**
 * Small node helpers shared by the store operations.
 *
 * @module
 */
import type { NodeRecord } from "./backend.js";
import type { NodeExtern } from "./types.js";

export function dirRecord(path: string, index: number): NodeRecord {
  return { path, dir: true, value: "", createdIndex: index, modifiedIndex: index, expirationMs: null };
}

export function eventNode(
  key: string,
  modifiedIndex: number,
  createdIndex: number,
  dir: boolean,
  value: string | undefined,
  expirationMs: number | null,
): NodeExtern {
  const n: NodeExtern = { key, dir, expirationMs, modifiedIndex, createdIndex };
  if (value !== undefined) n.value = value;
  return n;
}

/** etcd `getCompareFailCause`; null when both given conditions hold (absent ones always do). */
export function compareFailCause(n: NodeRecord, prevValue: string, prevIndex: number): string | null {
  const valueOk = prevValue === "" || n.value === prevValue;
  const indexOk = prevIndex === 0 || n.modifiedIndex === prevIndex;
  if (valueOk && indexOk) return null;
  if (!valueOk && !indexOk) return `[${prevValue} != ${n.value}] [${prevIndex} != ${n.modifiedIndex}]`;
  if (!valueOk) return `[${prevValue} != ${n.value}]`;
  return `[${prevIndex} != ${n.modifiedIndex}]`;
}

/** Programmer-error check for numbers crossing into the store (indexes, Unix ms). */
export function assertInteger(name: string, v: number): void {
  if (!Number.isSafeInteger(v)) throw new Error(`${name} must be a safe integer, got ${v}`);
}
