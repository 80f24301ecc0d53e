/**
 * The narrow slice of Durable Object SQLite the member needs. Real: ctx.storage.sql.
 *
 * @module
 */
export type SqlValue = string | number | null | ArrayBuffer | Uint8Array;

export interface Sql {
  exec(query: string, ...bindings: unknown[]): { toArray(): Record<string, SqlValue>[]; one(): Record<string, SqlValue> };
}

export function bytesOf(v: SqlValue | undefined): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new Error(`expected a BLOB, got ${typeof v}`);
}

export function numberOf(v: SqlValue | undefined): number {
  if (typeof v !== "number") throw new Error(`expected a number, got ${typeof v}`);
  return v;
}

/** Key/value rows in the meta table. */
export class Meta {
  constructor(private readonly sql: Sql) {}

  get(key: string): SqlValue | undefined {
    return this.sql.exec("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  num(key: string, fallback = 0): number {
    const v = this.get(key);
    return v === undefined || v === null ? fallback : numberOf(v);
  }

  str(key: string, fallback = ""): string {
    const v = this.get(key);
    return typeof v === "string" ? v : fallback;
  }

  set(key: string, value: SqlValue): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value);
  }
}
