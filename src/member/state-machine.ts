/**
 * The member's state machine: the v2 store (src/store) over SQLite tables, plus the table of
 * applied request ids that makes retried writes idempotent. Everything here runs inside the
 * Ready loop's transaction. Events are collected while applying and handed to the watchers
 * only after the transaction commits.
 *
 * @module
 */
import { decode, encode } from "cbor-x";
import { accessDeniedError, allowed, authLookup, type AuthData } from "../auth/rules.js";
import type { Access, AuthLookup } from "../auth/types.js";
import { V2Store, applyV2, historyEventsMax, scanHistory, type HistoryScan, type StoreListener } from "../store/index.js";
import type { StoreStats, V2ApplyResult, V2Event, V2Request, V2Result } from "../store/types.js";
import { bytesOf, numberOf, type Sql } from "./sql.js";
import { SqlStoreBackend } from "./sql-store-backend.js";

export interface AppliedRequest {
  result: V2Result;
  etcdIndex: number;
  raftIndex: number;
}

/** One applied event with the watched paths its removal hit (etcd's removal callback). */
export interface Published {
  event: V2Event;
  removedPaths: readonly string[];
}

/** What the watchers look like to the store: who watches below a directory, how many. */
export interface WatchIndex {
  watchedPathsBelow(dirPath: string): readonly string[];
  watcherCount(): number;
  /** Events the history keeps for them (ETCD_EVENT_HISTORY_MAX; default etcd's 1000). */
  readonly historyEventsMax?: number;
}

export { accessDeniedError };
export const accessDenied: V2Result = { ok: false, error: accessDeniedError };

export class StateMachine {
  private readonly store: V2Store;
  private readonly backend: SqlStoreBackend;
  private collected: Published[] = [];

  constructor(private readonly sql: Sql, watchers: WatchIndex) {
    this.backend = new SqlStoreBackend(sql);
    this.store = new V2Store(this.backend, { historyEventsMax: watchers.historyEventsMax ?? historyEventsMax });
    const listener: StoreListener = {
      watchedPathsBelow: (dir) => watchers.watchedPathsBelow(dir),
      watcherCount: () => watchers.watcherCount(),
      onEvent: (event, removedPaths) => void this.collected.push({ event, removedPaths }),
    };
    this.store.listener = listener;
  }

  private readonly authData: AuthData = { value: (path) => this.backend.getNode(path)?.value };

  /** May this client do this? (null: the cluster's own request.) Decided on this member's state. */
  allows(access: Access | null | undefined): boolean {
    return !access || allowed(this.authData, access);
  }

  authLookup(name: string): AuthLookup {
    return authLookup(this.authData, name);
  }

  /** Apply one committed request. */
  apply(req: V2Request): V2ApplyResult {
    return applyV2(this.store, req);
  }

  /** Events applied since the last call, in index order. */
  drainEvents(): Published[] {
    const out = this.collected;
    this.collected = [];
    return out;
  }

  read(req: V2Request): V2Result {
    return this.store.get(req.path, req.recursive, req.sorted);
  }

  scanHistory(path: string, recursive: boolean, sinceIndex: number): HistoryScan {
    return scanHistory(this.backend, path, recursive, sinceIndex, this.index());
  }

  exists(path: string): boolean {
    return this.backend.getNode(path) !== undefined;
  }

  index(): number {
    return this.store.index();
  }

  earliestExpirationMs(): number | null {
    return this.store.nextExpirationMs();
  }

  stats(): StoreStats {
    return this.store.statsSnapshot();
  }

  appliedRequest(id: string): AppliedRequest | undefined {
    if (!id) return undefined;
    const row = this.sql.exec("SELECT raft_index, result FROM requests WHERE id = ?", id).toArray()[0];
    if (!row) return undefined;
    const { result, etcdIndex } = decode(bytesOf(row.result)) as { result: V2Result; etcdIndex: number };
    return { result, etcdIndex, raftIndex: numberOf(row.raft_index) };
  }

  rememberRequest(id: string, raftIndex: number, result: V2Result, etcdIndex: number): void {
    this.sql.exec("INSERT OR REPLACE INTO requests (id, raft_index, result) VALUES (?, ?, ?)", id, raftIndex, encode({ result, etcdIndex }));
  }

  forgetRequestsBelow(raftIndex: number): void {
    this.sql.exec("DELETE FROM requests WHERE raft_index < ?", raftIndex);
  }
}
