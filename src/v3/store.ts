/**
 * etcd 3.4's MVCC key space and lessor over a V3Backend: every write is one revision, with
 * sub-revisions for each change inside it; keys keep create/mod revision, version and lease;
 * ranges read the current or a past revision until compaction drops it.
 *
 * Rules follow etcd's etcdserver/apply.go (Range, Put, DeleteRange, Txn with its path decided
 * on the state before the txn), mvcc/kvstore_txn.go and lease/lessor.go. Pure: time arrives as
 * the applied entry's `timeMs` or a read's `nowMs`.
 *
 * @module
 */
import type { HistoryRow, V3Backend } from "./backend.js";
import { compareBytes } from "./codec.js";
import { errors } from "./errors.js";
import {
  CompareResult,
  CompareTarget,
  SortOrder,
  SortTarget,
  type Compare,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type KeyRange,
  type KeyValue,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type ResponseOp,
  type TxnRequest,
  type TxnResponse,
  type V3Command,
  type V3Error,
  type V3Result,
} from "./types.js";

export const v3Limits = {
  /** etcd's MaxLeaseTTL: 9,000,000,000 seconds. */
  leaseTtlSecondsMax: 9_000_000_000,
  /** Leases revoked by one expiry entry; the rest wait for the next. */
  leasesExpiredPerEntryMax: 1_000,
  /** Pairs one range may return (etcd has no such limit; a member's reply must fit one RPC). */
  rangeKeysMax: 10_000,
  /** Bytes of keys and values one range may return. */
  rangeBytesMax: 16 * 1024 * 1024,
};

class Failure extends Error {
  constructor(readonly error: V3Error) {
    super(error.message);
  }
}

const fail = (e: V3Error): never => {
  throw new Failure(e);
};

/** One write transaction: its changes share revision begin+1, numbered by sub. */
class WriteTxn {
  changes = 0;
  constructor(private readonly b: V3Backend, readonly beginRev: number) {}

  rev(): number {
    return this.changes > 0 ? this.beginRev + 1 : this.beginRev;
  }

  put(key: string, value: Uint8Array, lease: string): void {
    const rev = this.beginRev + 1;
    const old = this.b.get(key);
    const kv: KeyValue = {
      key,
      value,
      lease,
      createRevision: old ? old.createRevision : rev,
      modRevision: rev,
      version: old ? old.version + 1 : 1,
    };
    this.b.put({ revision: rev, sub: this.changes++, tombstone: false, kv });
  }

  deleteRange(r: KeyRange): KeyValue[] {
    const gone = this.b.rangeLive(r, 0);
    for (const kv of gone) this.#delete(kv.key);
    return gone;
  }

  #delete(key: string): void {
    const rev = this.beginRev + 1;
    const kv: KeyValue = { key, value: new Uint8Array(0), lease: "0", createRevision: 0, modRevision: rev, version: 0 };
    this.b.remove({ revision: rev, sub: this.changes++, tombstone: true, kv });
  }

  end(): void {
    if (this.changes > 0) this.b.setRevision(this.beginRev + 1);
  }
}

export class V3Store {
  constructor(readonly backend: V3Backend, private readonly minLeaseTtlSeconds: number) {}

  revision(): number {
    return this.backend.revision();
  }

  compactRevision(): number {
    return this.backend.compactRevision();
  }

  /** Apply one committed write with the time its entry carries. */
  apply(cmd: V3Command, timeMs: number): V3Result {
    try {
      switch (cmd.op) {
        case "put":
          return ok({ kind: "put", body: this.#putAlone(cmd.req) });
        case "deleteRange":
          return ok({ kind: "deleteRange", body: this.#write((t) => this.#deleteRange(t, cmd.req)) });
        case "txn":
          return ok({ kind: "txn", body: this.#txn(cmd.req) });
        case "compact":
          return ok({ kind: "compact", body: { revision: this.#compact(cmd.revision) } });
        case "leaseGrant":
          return ok({ kind: "leaseGrant", body: this.#grant(cmd.id, cmd.ttl, timeMs) });
        case "leaseRevoke":
          if (!this.backend.getLease(cmd.id)) return { ok: false, error: errors.leaseNotFound };
          this.#revoke(cmd.id);
          return ok({ kind: "leaseRevoke", body: { revision: this.revision() } });
        case "leaseKeepAlive":
          return ok({ kind: "leaseKeepAlive", body: this.#keepAlive(cmd.id, timeMs) });
        case "leaseExpire": {
          const due = this.backend.dueLeases(timeMs, v3Limits.leasesExpiredPerEntryMax);
          for (const l of due) this.#revoke(l.id);
          return ok({ kind: "expired", body: { revision: this.revision(), revoked: due.map((l) => l.id) } });
        }
      }
    } catch (e) {
      if (e instanceof Failure) return { ok: false, error: e.error };
      throw e;
    }
  }

  /** A read: a range outside any write (linearizable or serializable is the caller's business). */
  range(req: RangeRequest): V3Result {
    try {
      checkRange(this.backend, req);
      return ok({ kind: "range", body: this.#range(req, this.revision()) });
    } catch (e) {
      if (e instanceof Failure) return { ok: false, error: e.error };
      throw e;
    }
  }

  /** A txn with no writes in either branch runs as a read, off the raft log. */
  readTxn(req: TxnRequest): V3Result {
    try {
      return ok({ kind: "txn", body: this.#txn(req) });
    } catch (e) {
      if (e instanceof Failure) return { ok: false, error: e.error };
      throw e;
    }
  }

  timeToLive(id: string, keys: boolean, nowMs: number): V3Result {
    const l = this.backend.getLease(id);
    const revision = this.revision();
    if (!l) return ok({ kind: "leaseTimeToLive", body: { revision, id, ttl: -1, grantedTtl: 0, keys: [] } });
    const remaining = Math.max(0, Math.floor((l.expiresMs - nowMs) / 1000));
    return ok({ kind: "leaseTimeToLive", body: { revision, id, ttl: remaining, grantedTtl: l.ttl, keys: keys ? this.backend.keysOfLease(id) : [] } });
  }

  leases(): V3Result {
    return ok({ kind: "leaseLeases", body: { revision: this.revision(), leases: this.backend.leases().map((l) => l.id) } });
  }

  earliestLeaseExpiryMs(): number | null {
    return this.backend.earliestLeaseExpiryMs();
  }

  // ---- kv ----

  #write<T>(fn: (t: WriteTxn) => T): T {
    const t = new WriteTxn(this.backend, this.revision());
    const out = fn(t);
    t.end();
    return out;
  }

  #putAlone(req: PutRequest): PutResponse {
    if (req.lease !== "0" && !this.backend.getLease(req.lease)) fail(errors.leaseNotFound);
    return this.#write((t) => this.#put(t, req));
  }

  #put(t: WriteTxn, req: PutRequest): PutResponse {
    const prev = this.backend.get(req.key);
    if ((req.ignoreValue || req.ignoreLease) && !prev) fail(errors.keyNotFound);
    const value = req.ignoreValue ? prev!.value : req.value;
    const lease = req.ignoreLease ? prev!.lease : req.lease;
    t.put(req.key, value, lease);
    return { revision: t.rev(), prevKv: req.prevKv && prev ? prev : null };
  }

  #deleteRange(t: WriteTxn, req: DeleteRangeRequest): DeleteRangeResponse {
    const gone = t.deleteRange(req);
    return { revision: t.rev(), deleted: gone.length, prevKvs: req.prevKv ? gone : [] };
  }

  /** etcd's applierV3backend.Range at the txn's revision `curRev`. */
  #range(req: RangeRequest, curRev: number): RangeResponse {
    const r = req;
    const rev = req.revision <= 0 ? curRev : req.revision;
    if (rev > curRev) fail(errors.futureRev);
    if (rev < this.compactRevision()) fail(errors.compacted);
    let sortOrder = req.sortOrder;
    if (req.sortTarget !== SortTarget.Key && sortOrder === SortOrder.None) sortOrder = SortOrder.Ascend;
    const pruning = req.minModRevision !== 0 || req.maxModRevision !== 0 || req.minCreateRevision !== 0 || req.maxCreateRevision !== 0;
    // Sorting and pruning see every match; otherwise one more than the limit tells "more".
    const fetch = req.sortOrder !== SortOrder.None || pruning || req.limit <= 0 ? 0 : req.limit + 1;
    let kvs: KeyValue[];
    let count: number;
    if (rev === this.revision()) {
      count = this.backend.countLive(r);
      // Refused before reading: a range that cannot fit a reply.
      if (!req.countOnly && !pruning && count > v3Limits.rangeKeysMax && (req.limit <= 0 || req.limit > v3Limits.rangeKeysMax)) fail(errors.rangeTooLarge);
      kvs = req.countOnly ? [] : this.backend.rangeLive(r, fetch);
    } else {
      const all = this.backend.rangeAt(r, rev);
      count = all.length;
      kvs = req.countOnly ? [] : fetch > 0 ? all.slice(0, fetch) : all;
    }
    if (req.maxModRevision !== 0) kvs = kvs.filter((kv) => kv.modRevision <= req.maxModRevision);
    if (req.minModRevision !== 0) kvs = kvs.filter((kv) => kv.modRevision >= req.minModRevision);
    if (req.maxCreateRevision !== 0) kvs = kvs.filter((kv) => kv.createRevision <= req.maxCreateRevision);
    if (req.minCreateRevision !== 0) kvs = kvs.filter((kv) => kv.createRevision >= req.minCreateRevision);
    if (sortOrder === SortOrder.Ascend || sortOrder === SortOrder.Descend) {
      const by = sortKey(req.sortTarget);
      kvs = [...kvs].sort((a, b) => (sortOrder === SortOrder.Ascend ? by(a, b) : by(b, a)));
    }
    let more = false;
    if (req.limit > 0 && kvs.length > req.limit) {
      kvs = kvs.slice(0, req.limit);
      more = true;
    }
    if (req.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: new Uint8Array(0) }));
    if (kvs.length > v3Limits.rangeKeysMax) fail(errors.rangeTooLarge);
    if (kvs.reduce((n, kv) => n + kv.key.length / 2 + kv.value.length, 0) > v3Limits.rangeBytesMax) fail(errors.rangeTooLarge);
    return { revision: curRev, kvs, more, count };
  }

  // ---- txn ----

  #txn(req: TxnRequest): TxnResponse {
    const path = this.#path(req);
    const write = !isReadOnly(req);
    if (write) this.#checkOps(req, path, (op) => this.#checkPut(op));
    this.#checkOps(req, path, (op) => ("range" in op ? checkRange(this.backend, op.range) : undefined));
    const t = new WriteTxn(this.backend, this.revision());
    const out = this.#applyTxn(t, req, path);
    t.end();
    return { ...out, revision: t.rev() };
  }

  /** Which branch each (nested) txn takes, decided on the state before the txn. */
  #path(req: TxnRequest): boolean[] {
    const ok = req.compare.every((c) => this.#compare(c));
    const path = [ok];
    for (const op of ok ? req.success : req.failure) if ("txn" in op) path.push(...this.#path(op.txn));
    return path;
  }

  #checkOps(req: TxnRequest, path: boolean[], check: (op: RequestOp) => void, at = { i: 0 }): void {
    const ops = path[at.i++] ? req.success : req.failure;
    for (const op of ops) {
      if ("txn" in op) this.#checkOps(op.txn, path, check, at);
      else check(op);
    }
  }

  #checkPut(op: RequestOp): void {
    if (!("put" in op)) return;
    const req = op.put;
    if ((req.ignoreValue || req.ignoreLease) && !this.backend.get(req.key)) fail(errors.keyNotFound);
    if (req.lease !== "0" && !this.backend.getLease(req.lease)) fail(errors.leaseNotFound);
  }

  #applyTxn(t: WriteTxn, req: TxnRequest, path: boolean[], at = { i: 0 }): TxnResponse {
    const succeeded = path[at.i++]!;
    const responses: ResponseOp[] = [];
    for (const op of succeeded ? req.success : req.failure) {
      if ("range" in op) responses.push({ range: this.#range(op.range, t.rev()) });
      else if ("put" in op) responses.push({ put: this.#put(t, op.put) });
      else if ("deleteRange" in op) responses.push({ deleteRange: this.#deleteRange(t, op.deleteRange) });
      else if ("txn" in op) responses.push({ txn: { ...this.#applyTxn(t, op.txn, path, at), revision: 0 } });
    }
    return { revision: 0, succeeded, responses };
  }

  /** etcd's applyCompare: every key in the range must satisfy it; none at all fails on VALUE only. */
  #compare(c: Compare): boolean {
    const kvs = this.backend.rangeLive(c, 0);
    if (kvs.length === 0) {
      if (c.target === CompareTarget.Value) return false;
      return compareKv(c, { key: c.key, value: new Uint8Array(0), lease: "0", createRevision: 0, modRevision: 0, version: 0 });
    }
    return kvs.every((kv) => compareKv(c, kv));
  }

  // ---- compaction ----

  #compact(rev: number): number {
    if (rev <= this.compactRevision()) fail(errors.compacted);
    if (rev > this.revision()) fail(errors.futureRev);
    this.backend.setCompactRevision(rev);
    this.backend.compact(rev);
    return this.revision();
  }

  // ---- leases ----

  #grant(id: string, ttlAsked: number, timeMs: number): { revision: number; id: string; ttl: number } {
    if (ttlAsked > v3Limits.leaseTtlSecondsMax) fail(errors.leaseTTLTooLarge);
    if (this.backend.getLease(id)) fail(errors.leaseExist);
    const ttl = Math.max(ttlAsked, this.minLeaseTtlSeconds);
    this.backend.putLease({ id, ttl, expiresMs: timeMs + ttl * 1000 });
    return { revision: this.revision(), id, ttl };
  }

  #keepAlive(id: string, timeMs: number): { revision: number; id: string; ttl: number } {
    const l = this.backend.getLease(id);
    // An expired lease is as good as revoked: its revocation is on its way through the log.
    if (!l || l.expiresMs <= timeMs) return { revision: this.revision(), id, ttl: 0 };
    this.backend.putLease({ ...l, expiresMs: timeMs + l.ttl * 1000 });
    return { revision: this.revision(), id, ttl: l.ttl };
  }

  /** Delete the lease's keys in one revision (in key order, as every member does), then the lease. */
  #revoke(id: string): void {
    const keys = this.backend.keysOfLease(id);
    this.#write((t) => {
      for (const key of keys) t.deleteRange({ key, end: "" });
    });
    this.backend.deleteLease(id);
  }

  /** History rows from `from` on (watch). */
  historyFrom(from: number, limit: number): HistoryRow[] {
    return this.backend.historyFrom(from, limit);
  }

  previous(row: HistoryRow): KeyValue | null {
    const p = this.backend.previous(row.kv.key, row.revision, row.sub);
    return p && !p.tombstone ? p.kv : null;
  }
}

function ok(response: Extract<V3Result, { ok: true }>["response"]): V3Result {
  return { ok: true, response };
}

function checkRange(b: V3Backend, req: RangeRequest): void {
  if (req.revision <= 0) return;
  if (req.revision > b.revision()) fail(errors.futureRev);
  if (req.revision < b.compactRevision()) fail(errors.compacted);
}

function isReadOnly(req: TxnRequest): boolean {
  for (const op of [...req.success, ...req.failure]) {
    if ("put" in op || "deleteRange" in op) return false;
    if ("txn" in op && !isReadOnly(op.txn)) return false;
  }
  return true;
}

/** True when neither branch writes: the gateway serves it as a read. */
export function txnIsReadOnly(req: TxnRequest): boolean {
  return isReadOnly(req);
}

function compareKv(c: Compare, kv: KeyValue): boolean {
  let result: number;
  switch (c.target) {
    case CompareTarget.Value:
      result = compareBytes(kv.value, c.value ?? new Uint8Array(0));
      break;
    case CompareTarget.Create:
      result = Math.sign(kv.createRevision - (c.createRevision ?? 0));
      break;
    case CompareTarget.Mod:
      result = Math.sign(kv.modRevision - (c.modRevision ?? 0));
      break;
    case CompareTarget.Version:
      result = Math.sign(kv.version - (c.version ?? 0));
      break;
    case CompareTarget.Lease: {
      const a = BigInt(kv.lease);
      const b = BigInt(c.lease ?? "0");
      result = a === b ? 0 : a < b ? -1 : 1;
      break;
    }
    default:
      result = 0;
  }
  switch (c.result) {
    case CompareResult.Equal:
      return result === 0;
    case CompareResult.NotEqual:
      return result !== 0;
    case CompareResult.Greater:
      return result > 0;
    case CompareResult.Less:
      return result < 0;
    default:
      return true;
  }
}

function sortKey(target: number): (a: KeyValue, b: KeyValue) => number {
  const byKey = (a: KeyValue, b: KeyValue) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  switch (target) {
    case SortTarget.Version:
      return (a, b) => a.version - b.version || byKey(a, b);
    case SortTarget.Create:
      return (a, b) => a.createRevision - b.createRevision || byKey(a, b);
    case SortTarget.Mod:
      return (a, b) => a.modRevision - b.modRevision || byKey(a, b);
    case SortTarget.Value:
      return (a, b) => compareBytes(a.value, b.value) || byKey(a, b);
    default:
      return byKey;
  }
}
