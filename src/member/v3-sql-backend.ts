/**
 * The v3 store's backend over a member's SQLite tables (DDL in schema.ts): `v3_kv` holds the
 * live pairs, `v3_history` every change in (revision, sub) order — its rowid follows that
 * order, which snapshot paging relies on — and `v3_leases` the leases. Runs inside the Ready
 * loop's transaction like the v2 store's backend.
 *
 * @module
 */
import type { HistoryRow, V3Backend } from "../v3/backend.js";
import type { KeyRange, KeyValue, Lease } from "../v3/types.js";
import { Meta, bytesOf, numberOf, type Sql, type SqlValue } from "./sql.js";

/** etcd's fresh store starts at revision 1. */
const firstRevision = 1;

function where(r: KeyRange, column = "key"): { sql: string; binds: string[] } {
  if (r.end === "") return { sql: `${column} = ?`, binds: [r.key] };
  if (r.end === "00") return { sql: `${column} >= ?`, binds: [r.key] };
  return { sql: `${column} >= ? AND ${column} < ?`, binds: [r.key, r.end] };
}

function liveRow(row: Record<string, SqlValue>): KeyValue {
  return {
    key: row.key as string,
    createRevision: numberOf(row.create_rev),
    modRevision: numberOf(row.mod_rev),
    version: numberOf(row.version),
    lease: row.lease as string,
    value: bytesOf(row.value),
  };
}

function historyRow(row: Record<string, SqlValue>): HistoryRow {
  return {
    revision: numberOf(row.rev),
    sub: numberOf(row.sub),
    tombstone: numberOf(row.tombstone) === 1,
    kv: {
      key: row.key as string,
      createRevision: numberOf(row.create_rev),
      modRevision: numberOf(row.rev),
      version: numberOf(row.version),
      lease: row.lease as string,
      value: bytesOf(row.value),
    },
  };
}

function leaseRow(row: Record<string, SqlValue>): Lease {
  return { id: row.id as string, ttl: numberOf(row.ttl), expiresMs: numberOf(row.expires_ms) };
}

const historyColumns = "rev, sub, key, tombstone, create_rev, version, lease, value";

export class SqlV3Backend implements V3Backend {
  private readonly meta: Meta;

  constructor(private readonly sql: Sql) {
    this.meta = new Meta(sql);
  }

  revision(): number {
    return this.meta.num("v3_revision", firstRevision);
  }
  setRevision(rev: number): void {
    this.meta.set("v3_revision", rev);
  }
  compactRevision(): number {
    return this.meta.num("v3_compact_revision", 0);
  }
  setCompactRevision(rev: number): void {
    this.meta.set("v3_compact_revision", rev);
  }

  get(key: string): KeyValue | undefined {
    const row = this.sql.exec("SELECT * FROM v3_kv WHERE key = ?", key).toArray()[0];
    return row ? liveRow(row) : undefined;
  }

  rangeLive(r: KeyRange, limit: number): KeyValue[] {
    const w = where(r);
    const lim = limit > 0 ? ` LIMIT ${Math.floor(limit)}` : "";
    return this.sql.exec(`SELECT * FROM v3_kv WHERE ${w.sql} ORDER BY key${lim}`, ...w.binds).toArray().map(liveRow);
  }

  countLive(r: KeyRange): number {
    const w = where(r);
    return numberOf(this.sql.exec(`SELECT COUNT(*) AS n FROM v3_kv WHERE ${w.sql}`, ...w.binds).one().n);
  }

  rangeAt(r: KeyRange, rev: number): KeyValue[] {
    const w = where(r, "h.key");
    const rows = this.sql
      .exec(
        `SELECT ${historyColumns.split(", ").map((c) => "h." + c).join(", ")} FROM v3_history h WHERE ${w.sql} AND h.rev <= ? ` +
          `AND h.id = (SELECT MAX(id) FROM v3_history h2 WHERE h2.key = h.key AND h2.rev <= ?) AND h.tombstone = 0 ORDER BY h.key`,
        ...w.binds,
        rev,
        rev,
      )
      .toArray();
    return rows.map((row) => historyRow(row).kv);
  }

  #append(row: HistoryRow): void {
    const kv = row.kv;
    this.sql.exec(
      `INSERT INTO v3_history (${historyColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      row.revision, row.sub, kv.key, row.tombstone ? 1 : 0, kv.createRevision, kv.version, kv.lease, kv.value,
    );
  }

  put(row: HistoryRow): void {
    const kv = row.kv;
    this.sql.exec(
      "INSERT OR REPLACE INTO v3_kv (key, create_rev, mod_rev, version, lease, value) VALUES (?, ?, ?, ?, ?, ?)",
      kv.key, kv.createRevision, kv.modRevision, kv.version, kv.lease, kv.value,
    );
    this.#append(row);
  }

  remove(row: HistoryRow): void {
    this.sql.exec("DELETE FROM v3_kv WHERE key = ?", row.kv.key);
    this.#append(row);
  }

  historyFrom(from: number, limit: number): HistoryRow[] {
    const lim = Math.min(limit, Number.MAX_SAFE_INTEGER);
    return this.sql.exec(`SELECT ${historyColumns} FROM v3_history WHERE rev >= ? ORDER BY id LIMIT ?`, from, lim).toArray().map(historyRow);
  }

  previous(key: string, revision: number, sub: number): HistoryRow | undefined {
    const row = this.sql
      .exec(`SELECT ${historyColumns} FROM v3_history WHERE key = ? AND (rev < ? OR (rev = ? AND sub < ?)) ORDER BY id DESC LIMIT 1`, key, revision, revision, sub)
      .toArray()[0];
    return row ? historyRow(row) : undefined;
  }

  compact(rev: number): void {
    this.sql.exec(
      "DELETE FROM v3_history WHERE rev <= ? AND (tombstone = 1 OR id < (SELECT MAX(id) FROM v3_history h2 WHERE h2.key = v3_history.key AND h2.rev <= ?))",
      rev,
      rev,
    );
  }

  getLease(id: string): Lease | undefined {
    const row = this.sql.exec("SELECT * FROM v3_leases WHERE id = ?", id).toArray()[0];
    return row ? leaseRow(row) : undefined;
  }
  putLease(l: Lease): void {
    this.sql.exec("INSERT OR REPLACE INTO v3_leases (id, ttl, expires_ms) VALUES (?, ?, ?)", l.id, l.ttl, l.expiresMs);
  }
  deleteLease(id: string): void {
    this.sql.exec("DELETE FROM v3_leases WHERE id = ?", id);
  }
  leases(): Lease[] {
    return this.sql.exec("SELECT * FROM v3_leases ORDER BY CAST(id AS INTEGER)").toArray().map(leaseRow);
  }
  dueLeases(timeMs: number, limit: number): Lease[] {
    return this.sql.exec("SELECT * FROM v3_leases WHERE expires_ms <= ? ORDER BY expires_ms, id LIMIT ?", timeMs, limit).toArray().map(leaseRow);
  }
  earliestLeaseExpiryMs(): number | null {
    const v = this.sql.exec("SELECT MIN(expires_ms) AS t FROM v3_leases").one().t;
    return v === null || v === undefined ? null : numberOf(v);
  }
  keysOfLease(id: string): string[] {
    return this.sql.exec("SELECT key FROM v3_kv WHERE lease = ? ORDER BY key", id).toArray().map((r) => r.key as string);
  }
}
