/**
 * etcd v2 client SDK and recipes (fetch only).
 *
 * @module
 */
export { EtcdClient } from "./client.js";
export { ErrorCode, EtcdError, EtcdHttpError, EtcdUnavailableError, isEtcdError } from "./errors.js";
export { Watcher, type WatchItem, type WatchEvent, type WatchResync, type WatchOptions } from "./watcher.js";
export type { ClientOptions, EtcdNode, EtcdResult, GetOptions, SetOptions, DeleteOptions, Member, BasicAuth } from "./types.js";
export { Lease } from "./recipes/lease.js";
export { Lock, OrderedLock, type LockHandle, type LockOptions } from "./recipes/lock.js";
export { ServiceRegistry, type Instance, type Registration } from "./recipes/service-registry.js";
export { LoadBalancer } from "./recipes/load-balancer.js";
export { ConfigWatcher } from "./recipes/config-watcher.js";
export { Notifier, type Message } from "./recipes/notifier.js";
export { Queue, type QueueItem } from "./recipes/queue.js";
export { Barrier } from "./recipes/barrier.js";
export { Election, type Leader, type Leadership } from "./recipes/election.js";
