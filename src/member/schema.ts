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
  // The v3 key space (src/member/v3-sql-backend.ts): live pairs, every change, leases. Keys are hex.
  `CREATE TABLE IF NOT EXISTS v3_kv (key TEXT PRIMARY KEY, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL, version INTEGER NOT NULL, lease TEXT NOT NULL, value BLOB NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS v3_kv_lease ON v3_kv(lease) WHERE lease != '0'`,
  `CREATE TABLE IF NOT EXISTS v3_history (id INTEGER PRIMARY KEY, rev INTEGER NOT NULL, sub INTEGER NOT NULL, key TEXT NOT NULL, tombstone INTEGER NOT NULL, create_rev INTEGER NOT NULL, version INTEGER NOT NULL, lease TEXT NOT NULL, value BLOB NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS v3_history_key ON v3_history(key, rev)`,
  `CREATE INDEX IF NOT EXISTS v3_history_rev ON v3_history(rev)`,
  `CREATE TABLE IF NOT EXISTS v3_leases (id TEXT PRIMARY KEY, ttl INTEGER NOT NULL, expires_ms INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS v3_leases_expiry ON v3_leases(expires_ms)`,
  // Pages of an incoming snapshot, kept until the last page arrives.
  `CREATE TABLE IF NOT EXISTS snapshot_pages (snap TEXT NOT NULL, page INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (snap, page))`,
];
