/**
 * Pure watch matching (etcd `watcher_hub.go` notify/notifyWatchers/isHidden and `watcher.go`),
 * usable without the in-memory hub: a Durable Object holding watchers as WebSockets can call
 * these directly.
 *
 * @module
 */
import { isAtOrBelow } from "./path.js";
import type { V2Event } from "./types.js";

export interface WatchSpec {
  /** Internal, clean path. */
  path: string;
  recursive: boolean;
  stream: boolean;
  /** Only events with index ≥ sinceIndex are delivered (waitIndex, or E+1 when absent). */
  sinceIndex: number;
}

/**
 * etcd `isHidden(watchPath, keyPath)`: is some segment of `keyPath` below `watchPath` hidden?
 * A watch path longer than the key (a removal callback below a deleted dir) is never hidden.
 */
export function hiddenBelow(watchPath: string, keyPath: string): boolean {
  if (watchPath.length > keyPath.length) return false;
  const after = "/" + keyPath.slice(watchPath.length);
  return after.includes("/_");
}

/**
 * How many times etcd hands `event` to a live watcher: 0, 1, or (stream watchers only) 2.
 * `removedPaths` is what V2Store passes to StoreListener.onEvent: the watched paths whose node
 * the event removed. A hit there is etcd's removal callback (delivered even to non-recursive
 * and hidden-path watchers); the second chance is the normal walk over the event key's
 * ancestors — hence the duplicate for stream watchers on a deleted key or directory (§4.4).
 */
export function liveDeliveries(w: WatchSpec, event: V2Event, removedPaths: readonly string[]): number {
  if (event.refresh === true) return 0;
  if (event.node.modifiedIndex < w.sinceIndex) return 0;
  let n = removedPaths.includes(w.path) ? 1 : 0;
  if (walkMatches(w, event.node.key)) n++;
  return w.stream ? n : Math.min(n, 1);
}

/** The walk over the event key's ancestors: exact key, or recursive and not hidden below. */
export function walkMatches(w: { path: string; recursive: boolean }, key: string): boolean {
  if (!isAtOrBelow(key, w.path)) return false;
  if (key === w.path) return true;
  return w.recursive && !hiddenBelow(w.path, key);
}

/** The HISTORY match rule (spec §4.3, etcd `EventHistory.scan`) for one event. */
export function historyMatches(path: string, recursive: boolean, event: V2Event): boolean {
  if (event.refresh === true) return false;
  const key = event.node.key;
  if (key === path) return true;
  if (recursive && key.startsWith(path.endsWith("/") ? path : path + "/")) return true;
  const prev = event.prevNode;
  const dirRemoval = (event.action === "delete" || event.action === "expire") && prev?.dir === true;
  return dirRemoval && prev !== undefined && path.startsWith(prev.key);
}
