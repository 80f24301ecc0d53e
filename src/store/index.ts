/**
 * The v2 store: a pure state machine over a synchronous StoreBackend.
 *
 * @module
 */
export type * from "./types.js";
export type * from "./backend.js";
export * from "./errors.js";
export { MemoryBackend } from "./memory-backend.js";
export { V2Store, defaultNamespaces, minExpirationMs } from "./store.js";
export { compareFailCause } from "./node-ops.js";
export type { StoreListener, V2StoreOptions } from "./listener.js";
export { applyV2, v2Request } from "./apply.js";
export { historyEventsMax, scanHistory, startWatch, appendEvent } from "./history.js";
export type { HistoryScan, WatchStart } from "./history.js";
export { encodeEvent, decodeEvent } from "./event-codec.js";
export { liveDeliveries, walkMatches, historyMatches, hiddenBelow } from "./watch.js";
export type { WatchSpec } from "./watch.js";
export { WatcherHub, Watcher, watcherEventsQueuedMax } from "./watcher-hub.js";
export type { WatchResult } from "./watcher-hub.js";
export { StoreStatsCounter, storeStatsFields } from "./stats.js";
export type { StoreCounter } from "./stats.js";
export {
  snapshotPages,
  saveSnapshot,
  restoreSnapshot,
  SnapshotRestorer,
  snapshotNodesPerPageDefault,
} from "./snapshot.js";
export { cleanPath, compareKeys, isHiddenPath } from "./path.js";
