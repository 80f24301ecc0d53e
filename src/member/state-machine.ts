/**
 * The member's state machine: the v2 store (src/store) over SQLite tables, plus the table of
 * applied request ids that makes retried writes idempotent. Everything here runs inside the
 * Ready loop's transaction.
 *
 * @module
 */
import { decode, encode } from "cbor-x";
import { V2Store, applyV2 } from "../store/index.js";
import type { StoreStats, V2Event, V2Request, V2Result } from "../store/types.js";
import { bytesOf, numberOf, type Sql } from "./sql.js";
import { SqlStoreBackend } from "./sql-store-backend.js";

export interface AppliedRequest {
  result: V2Result;
  etcdIndex: number;
  raftIndex: number;
}

export class StateMachine {
  private store: V2Store;
  private readonly backend: SqlStoreBackend;

  constructor(private readonly sql: Sql) {
    this.backend = new SqlStoreBackend(sql);
    this.store = new V2Store(this.backend);
  }

  /** Apply one committed request; returns its result and every event it produced. */
  apply(req: V2Request): { result: V2Result; events: V2Event[] } {
    return applyV2(this.store, req);
  }

  read(req: V2Request): V2Result {
    return applyV2(this.store, { ...req, method: "GET" }).result;
  }

  exists(path: string): boolean {
    return this.backend.getNode(path) !== undefined;
  }

  index(): number {
    return this.backend.getIndex();
  }

  earliestExpirationMs(): number | null {
    return this.backend.earliestExpirationMs();
  }

  stats(): StoreStats {
    return this.store.stats();
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

  /** After a snapshot replaced the tables underneath: keep stats, drop any cached view. */
  reopen(): void {
    this.store = new V2Store(this.backend, this.store);
  }
}
