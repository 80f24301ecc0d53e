/**
 * The v2 store's StoreBackend over the member's SQLite tables (nodes, history, meta). The
 * store's rules (src/store) run unchanged over this and over the in-memory backend; the
 * backend contract suite runs against both.
 *
 * @module
 */
import type { HistoryRecord, NodeRecord, StoreBackend } from "../store/backend.js";
import { Meta, bytesOf, numberOf, type Sql, type SqlValue } from "./sql.js";

export class SqlStoreBackend implements StoreBackend {
  private readonly meta: Meta;

  constructor(private readonly sql: Sql) {
    this.meta = new Meta(sql);
  }

  getNode(path: string): NodeRecord | undefined {
    const row = this.sql.exec("SELECT * FROM nodes WHERE path = ?", path).toArray()[0];
    return row ? toNode(row) : undefined;
  }

  putNode(node: NodeRecord): void {
    this.sql.exec(
      `INSERT INTO nodes (path, parent, dir, value, created, modified, expires) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(path) DO UPDATE SET dir = excluded.dir, value = excluded.value, created = excluded.created,
       modified = excluded.modified, expires = excluded.expires`,
      node.path, parentOf(node.path), node.dir ? 1 : 0, node.value, node.createdIndex, node.modifiedIndex, node.expirationMs,
    );
  }

  children(path: string): NodeRecord[] {
    return this.sql.exec("SELECT * FROM nodes WHERE parent = ? AND path != '/'", path).toArray().map(toNode);
  }

  removeTree(path: string): void {
    if (path === "/") {
      this.sql.exec("DELETE FROM nodes WHERE path != '/'");
      return;
    }
    // Children of "/a" are exactly the paths in ["/a/", "/a0"): '0' follows '/' in byte order.
    this.sql.exec("DELETE FROM nodes WHERE path = ? OR (path >= ? AND path < ?)", path, path + "/", path + "0");
  }

  expiredBy(timeMs: number, limit: number): NodeRecord[] {
    return this.sql
      .exec("SELECT * FROM nodes WHERE expires IS NOT NULL AND expires <= ? ORDER BY expires, path LIMIT ?", timeMs, limit)
      .toArray()
      .map(toNode);
  }

  earliestExpirationMs(): number | null {
    const row = this.sql.exec("SELECT MIN(expires) AS e FROM nodes WHERE expires IS NOT NULL").toArray()[0];
    return typeof row?.e === "number" ? row.e : null;
  }

  getIndex(): number {
    return this.meta.num("etcd_index");
  }

  setIndex(index: number): void {
    this.meta.set("etcd_index", index);
  }

  appendHistory(record: HistoryRecord, historyMax: number): void {
    this.sql.exec("INSERT OR REPLACE INTO history (idx, key, data) VALUES (?, ?, ?)", record.index, record.key, record.data);
    this.sql.exec("DELETE FROM history WHERE idx <= ?", record.index - historyMax);
  }

  historyFrom(from: number, limit: number): HistoryRecord[] {
    return this.sql
      .exec("SELECT idx, key, data FROM history WHERE idx >= ? ORDER BY idx LIMIT ?", from, limit)
      .toArray()
      .map((r) => ({ index: numberOf(r.idx), key: String(r.key), data: bytesOf(r.data) }));
  }

  historyStartIndex(): number {
    const row = this.sql.exec("SELECT MIN(idx) AS i FROM history").toArray()[0];
    return typeof row?.i === "number" ? row.i : 0;
  }

  historyLastIndex(): number {
    const row = this.sql.exec("SELECT MAX(idx) AS i FROM history").toArray()[0];
    return typeof row?.i === "number" ? row.i : 0;
  }

  scanNodes(afterPath: string, limit: number): NodeRecord[] {
    return this.sql.exec("SELECT * FROM nodes WHERE path > ? ORDER BY path LIMIT ?", afterPath, limit).toArray().map(toNode);
  }

  clear(): void {
    this.sql.exec("DELETE FROM nodes");
    this.sql.exec("DELETE FROM history");
    this.meta.set("etcd_index", 0);
  }
}

function parentOf(path: string): string {
  if (path === "/") return "/";
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

function toNode(row: Record<string, SqlValue>): NodeRecord {
  return {
    path: String(row.path),
    dir: row.dir === 1,
    value: String(row.value ?? ""),
    createdIndex: numberOf(row.created),
    modifiedIndex: numberOf(row.modified),
    expirationMs: typeof row.expires === "number" ? row.expires : null,
  };
}
