/**
 * The storage port under the v2 store. The store's rules (src/store) run over this synchronous
 * interface; two implementations exist: in-memory (tests, single-process mode) and SQLite tables
 * inside a member Durable Object (src/member), so a woken member serves with nothing to replay.
 *
 * Every method is synchronous: a member applies a committed entry inside one SQLite
 * `transactionSync`, together with the raft applied index.
 *
 * @module
 */

/** One stored node. Paths are internal ("/1/foo"); the root is "/". */
export interface NodeRecord {
  path: string;
  dir: boolean;
  /** "" for directories. */
  value: string;
  createdIndex: number;
  modifiedIndex: number;
  /** Unix ms; null = permanent. */
  expirationMs: number | null;
}

/** One history entry: an event as stored in the 1000-event ring. Opaque encoded event. */
export interface HistoryRecord {
  index: number;
  /** The event's key (internal path), for cheap filtering. */
  key: string;
  /** Encoded V2Event (cbor). */
  data: Uint8Array;
}

export interface StoreBackend {
  /** The node at `path`, or undefined. */
  getNode(path: string): NodeRecord | undefined;
  /** Insert or replace one node. The parent must already exist (the store guarantees it). */
  putNode(node: NodeRecord): void;
  /** Immediate children of the directory at `path`, in any order. */
  children(path: string): NodeRecord[];
  /**
   * Optional: whether the directory at `path` has any child. The store falls back to
   * `children(path).length > 0`; implement it when listing a directory is expensive.
   */
  hasChildren?(path: string): boolean;
  /** Remove the node at `path` and its whole subtree. */
  removeTree(path: string): void;
  /** Nodes whose expiration is ≤ timeMs, ordered by (expirationMs, path). At most `limit`. */
  expiredBy(timeMs: number, limit: number): NodeRecord[];
  /** The earliest expiration among all nodes, or null if none has a TTL. */
  earliestExpirationMs(): number | null;

  /** The etcd index (count of successful mutations). */
  getIndex(): number;
  setIndex(index: number): void;

  /** Append to the event history; the backend keeps only the newest `historyMax` records. */
  appendHistory(record: HistoryRecord, historyMax: number): void;
  /** History records with index ≥ from, ascending, at most `limit`. */
  historyFrom(from: number, limit: number): HistoryRecord[];
  /** Index of the oldest retained record (0 when empty). */
  historyStartIndex(): number;
  /** Index of the newest retained record (0 when empty). */
  historyLastIndex(): number;

  /** Every node, in path order, starting after `afterPath` ("" = from the start). For snapshots. */
  scanNodes(afterPath: string, limit: number): NodeRecord[];
  /** Drop everything (before restoring a snapshot). */
  clear(): void;
}
