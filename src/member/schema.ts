/**
 * The member's SQLite schema. Raft state (meta, raft_log) and the v2 store's tables (nodes,
 * history) live in one database so a committed entry is applied in the same transaction that
 * advances the applied index: a member woken after eviction serves at once, replaying nothing.
 *
 * @module
 */
export const schemaVersion = 1;

export const schema = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)`,
  // One row per raft entry; crc covers (index, term, type, data).
  `CREATE TABLE IF NOT EXISTS raft_log (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, type INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS nodes (path TEXT PRIMARY KEY, parent TEXT NOT NULL, dir INTEGER NOT NULL, value TEXT NOT NULL, created INTEGER NOT NULL, modified INTEGER NOT NULL, expires INTEGER)`,
  `CREATE INDEX IF NOT EXISTS nodes_parent ON nodes(parent)`,
  `CREATE INDEX IF NOT EXISTS nodes_expires ON nodes(expires) WHERE expires IS NOT NULL`,
  `CREATE TABLE IF NOT EXISTS history (idx INTEGER PRIMARY KEY, key TEXT NOT NULL, data BLOB NOT NULL)`,
  // Results of applied proposals by request id, so a retried write is applied at most once.
  `CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, raft_index INTEGER NOT NULL, result BLOB NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS requests_index ON requests(raft_index)`,
  // Pages of an incoming snapshot, kept until the last page arrives.
  `CREATE TABLE IF NOT EXISTS snapshot_pages (snap TEXT NOT NULL, page INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (snap, page))`,
];
