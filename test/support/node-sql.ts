/**
 * The member's `Sql` port on Node, over a real SQLite: sql.js (SQLite compiled to WebAssembly,
 * nothing downloaded at install). It mirrors what workerd's `ctx.storage.sql` does that the
 * member relies on: `exec(query, ...bindings)` returns a cursor with `toArray()`, `one()` (exactly
 * one row or it throws), `raw()`, iteration, `rowsRead`/`rowsWritten`; BLOBs come back as
 * ArrayBuffer; at most 100 bound parameters per statement; transaction statements are refused
 * in `exec` (a Durable Object only has `transactionSync`, which rolls back when its function
 * throws and may nest).
 *
 * Durability is modelled the way the platform's output gate works: everything written since
 * the last `sync()` sits in one open SQLite transaction; `sync()` commits it; `loseUnsynced()`
 * (a crash before the write reached disk) rolls it back. The simulator holds a member's
 * outgoing messages and replies until its next sync, so nothing lost was ever seen.
 *
 * @module
 */
import initSqlJs, { type Database, type SqlValue as SqlJsValue, type Statement } from "sql.js";
import type { Sql, SqlValue } from "../../src/member/sql.js";
import { schema } from "../../src/member/schema.js";

const SQL = await initSqlJs();

/** workerd's limit on bound parameters per statement. */
export const boundParametersMax = 100;
const statementsCachedMax = 256;
const transactionStatement = /^\s*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
const writeStatement = /^\s*(INSERT|UPDATE|DELETE|REPLACE)/i;

export interface NodeSqlCursor extends Iterable<Record<string, SqlValue>> {
  toArray(): Record<string, SqlValue>[];
  one(): Record<string, SqlValue>;
  raw(): IterableIterator<SqlValue[]>;
  readonly columnNames: string[];
  readonly rowsRead: number;
  readonly rowsWritten: number;
}

export class NodeSql implements Sql {
  private readonly db: Database;
  private readonly statements = new Map<string, Statement>();
  private depth = 0;
  private savepoints = 0;
  /** Whether an outer "not yet synced" transaction is open (the durable mode). */
  private readonly durable: boolean;

  /** `durable`: hold writes in an open transaction until sync() (see the module comment). */
  constructor(opts: { durable?: boolean; image?: Uint8Array } = {}) {
    this.db = new SQL.Database(opts.image);
    this.durable = opts.durable === true;
    if (this.durable) this.db.run("BEGIN");
  }

  exec(query: string, ...bindings: unknown[]): NodeSqlCursor {
    if (transactionStatement.test(query)) {
      throw new Error("SQL: use transactionSync() instead of transaction statements");
    }
    if (bindings.length > boundParametersMax) throw new Error(`SQL: too many SQL variables (${bindings.length} > ${boundParametersMax})`);
    const params = bindings.map(toSqlJs);
    const rows: SqlValue[][] = [];
    let columnNames: string[] = [];
    // Several statements in one string run in turn; bindings go to the last (as in workerd,
    // where the member only ever passes bindings to single statements).
    const parts = splitStatements(query);
    for (let p = 0; p < parts.length; p++) {
      const last = p === parts.length - 1;
      const stmt = this.prepare(parts[p]!);
      try {
        if (last && params.length > 0) stmt.bind(params);
        while (stmt.step()) if (last) rows.push(stmt.get().map(fromSqlJs));
        if (last) columnNames = stmt.getColumnNames();
      } finally {
        stmt.reset();
      }
    }
    const rowsWritten = writeStatement.test(query) ? this.db.getRowsModified() : 0;
    const objects = (): Record<string, SqlValue>[] =>
      rows.map((r) => Object.fromEntries(columnNames.map((c, i) => [c, r[i]!])) as Record<string, SqlValue>);
    return {
      columnNames,
      rowsRead: rows.length,
      rowsWritten,
      toArray: objects,
      one() {
        if (rows.length !== 1) throw new Error(`Expected exactly one result from SQL query, but got ${rows.length === 0 ? "no" : "multiple"} results.`);
        return objects()[0]!;
      },
      raw: () => rows[Symbol.iterator](),
      [Symbol.iterator]: () => objects()[Symbol.iterator](),
    };
  }

  /** As DurableObjectStorage.transactionSync: all of fn's writes, or none of them if it throws. */
  transactionSync<T>(fn: () => T): T {
    const name = `tx${++this.savepoints}`;
    this.db.run(`SAVEPOINT ${name}`);
    this.depth++;
    try {
      const out = fn();
      this.db.run(`RELEASE ${name}`);
      return out;
    } catch (e) {
      this.db.run(`ROLLBACK TO ${name}`);
      this.db.run(`RELEASE ${name}`);
      throw e;
    } finally {
      this.depth--;
    }
  }

  get databaseSize(): number {
    const pages = this.db.exec("PRAGMA page_count")[0]?.values[0]?.[0];
    const size = this.db.exec("PRAGMA page_size")[0]?.values[0]?.[0];
    return Number(pages) * Number(size);
  }

  /** Make everything written so far durable. */
  sync(): void {
    if (!this.durable) return;
    if (this.depth > 0) throw new Error("SQL: sync inside a transaction");
    this.db.run("COMMIT");
    this.db.run("BEGIN");
  }

  /** A crash before the last writes reached disk: they are gone. */
  loseUnsynced(): void {
    if (!this.durable) return;
    if (this.depth > 0) throw new Error("SQL: crash inside a transaction");
    this.db.run("ROLLBACK");
    this.db.run("BEGIN");
  }

  close(): void {
    for (const s of this.statements.values()) s.free();
    this.statements.clear();
    this.db.close();
  }

  private prepare(query: string): Statement {
    let stmt = this.statements.get(query);
    if (stmt) return stmt;
    stmt = this.db.prepare(query);
    if (this.statements.size >= statementsCachedMax) {
      const [oldest, s] = this.statements.entries().next().value as [string, Statement];
      s.free();
      this.statements.delete(oldest);
    }
    this.statements.set(query, stmt);
    return stmt;
  }
}

function splitStatements(query: string): string[] {
  if (!query.includes(";")) return [query];
  // The member's SQL has no semicolons inside literals; a trailing one is allowed.
  const parts = query.split(";").map((s) => s.trim()).filter((s) => s.length > 0);
  return parts.length > 0 ? parts : [query];
}

function toSqlJs(v: unknown): SqlJsValue {
  if (v === undefined) throw new TypeError("SQL: undefined is not a bindable value");
  if (v === null || typeof v === "string" || typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new TypeError(`SQL: cannot bind ${Object.prototype.toString.call(v)}`);
}

function fromSqlJs(v: SqlJsValue): SqlValue {
  if (v instanceof Uint8Array) return v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer;
  return v;
}

/** A member database with the shipped schema, as the Durable Object's constructor creates it. */
export function memberDb(opts: { durable?: boolean } = {}): NodeSql {
  const sql = new NodeSql(opts);
  for (const ddl of schema) sql.exec(ddl);
  return sql;
}
