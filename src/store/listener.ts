/**
 * The store's seams: who hears about committed events, and how a store is configured.
 *
 * @module
 */
import type { V2Event } from "./types.js";

/** Receives every committed event, for live watch delivery (an in-memory WatcherHub, or a DO). */
export interface StoreListener {
  /** Watched paths strictly below `dirPath`; the store reports which of them a removal hits. */
  watchedPathsBelow(dirPath: string): readonly string[];
  /**
   * Called after each successful mutation, refresh events included (they must not be delivered).
   * `removedPaths`: for delete/compareAndDelete/expire, the watched paths at which a node was
   * removed (deepest first), ending with the event key itself — etcd's removal callback.
   */
  onEvent(event: V2Event, removedPaths: readonly string[]): void;
  watcherCount(): number;
}

export interface V2StoreOptions {
  /** Read-only top-level directories created at index 0 (etcd server: "/0" and "/1"). */
  namespaces?: readonly string[];
  historyEventsMax?: number;
}
