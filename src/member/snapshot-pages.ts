/**
 * A member's state shipped as a raft snapshot, in pages far below the 32 MiB RPC limit: the
 * v2 store's nodes and history, the v3 key space's tables, the remembered request ids and the
 * store-related meta rows.
 * Captured synchronously (one consistent view), staged page by page in `snapshot_pages` on
 * the receiver, restored in the transaction that installs the raft snapshot. Both halves of a
 * transfer live here; transport.ts only carries the pages, then the MsgSnap.
 *
 * @module
 */
import { decode, encode } from "cbor-x";
import type { Message, NodeId } from "../raft/types.js";
import { bytesOf, numberOf, type Sql, type SqlValue } from "./sql.js";

export const pageBytesMax = 1 << 20;
const rowsPerQuery = 2_000;
const metaKeys = ["etcd_index", "members", "removed_members", "v3_revision", "v3_compact_revision"];
/** Tables shipped whole, in this order; each pages by its first column. */
const tables = ["nodes", "history", "requests", "v3_kv", "v3_history", "v3_leases", "meta"] as const;

interface Page {
  table: (typeof tables)[number];
  rows: SqlValue[][];
}

const columns = {
  nodes: ["path", "parent", "dir", "value", "created", "modified", "expires"],
  history: ["idx", "key", "data"],
  requests: ["id", "raft_index", "result"],
  v3_kv: ["key", "create_rev", "mod_rev", "version", "lease", "value"],
  v3_history: ["id", "rev", "sub", "key", "tombstone", "create_rev", "version", "lease", "value"],
  v3_leases: ["id", "ttl", "expires_ms"],
  meta: ["key", "value"],
} as const;

export function snapshotId(leader: NodeId, index: number, term: number): string {
  return `${leader}/${index}/${term}`;
}

export function captureSnapshot(sql: Sql): Uint8Array[] {
  const pages: Uint8Array[] = [];
  let current: Page | null = null;
  let bytes = 0;
  const flush = () => {
    if (current && current.rows.length > 0) pages.push(encode(current));
    current = null;
    bytes = 0;
  };
  for (const table of tables) {
    flush();
    const cols = columns[table];
    const order = cols[0];
    let after: SqlValue = table === "history" || table === "v3_history" ? -1 : "";
    for (;;) {
      const where = table === "meta" ? `key IN (${metaKeys.map(() => "?").join(",")}) AND key > ?` : `${order} > ?`;
      const binds: SqlValue[] = table === "meta" ? [...metaKeys, after] : [after];
      const rows: Record<string, SqlValue>[] = sql.exec(`SELECT ${cols.join(",")} FROM ${table} WHERE ${where} ORDER BY ${order} LIMIT ${rowsPerQuery}`, ...binds).toArray();
      for (const row of rows) {
        const values = cols.map((c) => row[c] ?? null);
        const size = values.reduce<number>((n, v) => n + sizeOf(v), 16);
        if (!current || bytes + size > pageBytesMax) {
          flush();
          current = { table, rows: [] };
        }
        current.rows.push(values.map((v) => (v instanceof ArrayBuffer ? new Uint8Array(v) : v)));
        bytes += size;
        after = row[order] ?? null;
      }
      if (rows.length < rowsPerQuery) break;
    }
  }
  flush();
  if (pages.length === 0) pages.push(encode({ table: "meta", rows: [] } satisfies Page));
  return pages;
}

/**
 * The sender's half, for one Ready: every outgoing MsgSnap is rewritten to carry its snapshot
 * id, and the pages to ship before it are captured now, at the applied index raft asked for,
 * before anything else in that Ready applies. Returns the pages per receiver.
 */
export function captureOutgoing(sql: Sql, self: NodeId, applied: number, messages: Message[]): Map<NodeId, Uint8Array[]> {
  const out = new Map<NodeId, Uint8Array[]>();
  for (const m of messages) {
    if (m.type !== "MsgSnap" || !m.snapshot) continue;
    const meta = m.snapshot.metadata;
    if (meta.index !== applied) throw new Error(`snapshot at ${meta.index} but applied is ${applied}`);
    m.snapshot = { metadata: meta, data: new TextEncoder().encode(snapshotId(self, meta.index, meta.term)) };
    out.set(m.to, captureSnapshot(sql));
  }
  return out;
}

/** The receiver's half of a peer batch: a MsgSnap is stepped only once every page is staged; otherwise the leader resends. */
export function steppable(sql: Sql, messages: Message[]): Message[] {
  return messages.filter((m) => m.type !== "MsgSnap" || !m.snapshot || stagedComplete(sql, new TextDecoder().decode(m.snapshot.data)));
}

/** Stage one page; returns true when all pages of the snapshot are present. */
export function stagePage(sql: Sql, snap: string, page: number, pages: number, data: Uint8Array): boolean {
  sql.exec("DELETE FROM snapshot_pages WHERE snap != ?", snap);
  sql.exec("INSERT OR REPLACE INTO snapshot_pages (snap, page, data) VALUES (?, ?, ?)", snap, page, data);
  return stagedComplete(sql, snap, pages);
}

export function stagedComplete(sql: Sql, snap: string, pages?: number): boolean {
  const row = sql.exec("SELECT COUNT(*) AS n, MAX(page) AS last FROM snapshot_pages WHERE snap = ?", snap).one();
  const n = numberOf(row.n);
  if (n === 0) return false;
  const expected = pages ?? numberOf(row.last) + 1;
  return n === expected && numberOf(row.last) === expected - 1;
}

export function restoreSnapshot(sql: Sql, snap: string): void {
  const rows = sql.exec("SELECT page, data FROM snapshot_pages WHERE snap = ? ORDER BY page", snap).toArray();
  if (rows.length === 0) throw new Error(`snapshot ${snap} has no staged pages`);
  rows.forEach((r, i) => {
    if (numberOf(r.page) !== i) throw new Error(`snapshot ${snap}: page ${i} missing`);
  });
  sql.exec("DELETE FROM nodes");
  sql.exec("DELETE FROM history");
  sql.exec("DELETE FROM requests");
  for (const table of ["v3_kv", "v3_history", "v3_leases"]) sql.exec(`DELETE FROM ${table}`);
  sql.exec("DELETE FROM meta WHERE key IN ('v3_revision', 'v3_compact_revision')");
  for (const r of rows) {
    const page = decode(bytesOf(r.data)) as Page;
    const cols = columns[page.table];
    const insert = `INSERT OR REPLACE INTO ${page.table} (${cols.join(",")}) VALUES (${cols.map(() => "?").join(",")})`;
    for (const values of page.rows) sql.exec(insert, ...values);
  }
  sql.exec("DELETE FROM snapshot_pages");
}

function sizeOf(v: SqlValue): number {
  if (v === null) return 1;
  if (typeof v === "number") return 8;
  if (typeof v === "string") return v.length * 3;
  return v.byteLength;
}
