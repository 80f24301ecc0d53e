/**
 * The checks etcd's v3rpc runs on a request before it reaches raft (etcdserver/api/v3rpc/key.go):
 * empty keys, contradictory flags, too many txn operations, and txn branches that write one key
 * twice. A refused request changes nothing.
 *
 * @module
 */
import { errors } from "./errors.js";
import type { DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest, V3Error } from "./types.js";

/** etcd's --max-txn-ops default. */
export const txnOpsMax = 128;

export function checkRangeRequest(r: RangeRequest): V3Error | null {
  return r.key === "" ? errors.emptyKey : null;
}

export function checkPutRequest(r: PutRequest): V3Error | null {
  if (r.key === "") return errors.emptyKey;
  if (r.ignoreValue && r.value.length !== 0) return errors.valueProvided;
  if (r.ignoreLease && r.lease !== "0") return errors.leaseProvided;
  return null;
}

export function checkDeleteRequest(r: DeleteRangeRequest): V3Error | null {
  return r.key === "" ? errors.emptyKey : null;
}

export function checkTxnRequest(r: TxnRequest): V3Error | null {
  const bad = checkTxn(r, txnOpsMax);
  if (bad) return bad;
  try {
    intervals(r.success);
    intervals(r.failure);
  } catch (e) {
    if (e === duplicate) return errors.duplicateKey;
    throw e;
  }
  return null;
}

function checkTxn(r: TxnRequest, opsMax: number): V3Error | null {
  const opc = Math.max(r.compare.length, r.success.length, r.failure.length);
  if (opc > opsMax) return errors.tooManyOps;
  for (const c of r.compare) if (c.key === "") return errors.emptyKey;
  for (const op of [...r.success, ...r.failure]) {
    const bad = checkOp(op, opsMax - opc);
    if (bad) return bad;
  }
  return null;
}

function checkOp(op: RequestOp, opsMax: number): V3Error | null {
  if ("range" in op) return checkRangeRequest(op.range);
  if ("put" in op) return checkPutRequest(op.put);
  if ("deleteRange" in op) return checkDeleteRequest(op.deleteRange);
  if ("txn" in op) return checkTxn(op.txn, opsMax);
  return errors.keyNotFound;
}

const duplicate = new Error("duplicate key in txn");

/** A deleted interval: [key, end) with etcd's string-affine rules, or the point key. */
interface Interval {
  key: string;
  end: string | null;
}

function hits(dels: Interval[], k: string): boolean {
  return dels.some((d) => (d.end === null ? d.key === k : d.key <= k && k < d.end));
}

/** etcd's checkIntervals: returns this level's puts and deleted intervals, or throws `duplicate`. */
function intervals(ops: RequestOp[]): { puts: Set<string>; dels: Interval[] } {
  const dels: Interval[] = [];
  for (const op of ops) {
    if ("deleteRange" in op) dels.push({ key: op.deleteRange.key, end: op.deleteRange.end === "" ? null : op.deleteRange.end });
  }
  const puts = new Set<string>();
  for (const op of ops) {
    if (!("txn" in op)) continue;
    const then = intervals(op.txn.success);
    const otherwise = intervals(op.txn.failure);
    for (const k of then.puts) {
      if (puts.has(k) || hits(dels, k)) throw duplicate;
      puts.add(k);
    }
    for (const k of otherwise.puts) {
      if (puts.has(k) && !then.puts.has(k)) throw duplicate;
      if (hits(dels, k)) throw duplicate;
      puts.add(k);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    if (!("put" in op)) continue;
    const k = op.put.key;
    if (puts.has(k) || hits(dels, k)) throw duplicate;
    puts.add(k);
  }
  return { puts, dels };
}
