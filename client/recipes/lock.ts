/**
 * Two locks with fencing tokens.
 *
 * `Lock`: one key created with `prevExist=false` and a TTL kept alive by a Lease; waiters watch
 * the key until it is deleted or expires. `OrderedLock`: each contender adds an in-order key
 * under a directory and holds the lock when its key is first; it watches only its predecessor,
 * so a release wakes one waiter, and contenders are served in arrival order.
 *
 * The fencing token is the index at which the holder's key was created (`modifiedIndex` of the
 * create): every later holder gets a larger one, so a resource that remembers the largest token
 * it has seen can refuse a holder whose lease ran out.
 *
 * @module
 */
import type { EtcdClient } from "../client.js";
import { ErrorCode, EtcdError, isEtcdError } from "../errors.js";
import type { EtcdNode } from "../types.js";
import { Lease } from "./lease.js";
import { uniqueValue, waitUntilGone } from "./wait.js";

export interface LockHandle {
  key: string;
  value: string;
  /** Fencing token: the holder key's createdIndex. */
  token: number;
  /** Aborts when the lock can no longer be trusted (TTL lost); act on it before touching the resource. */
  signal: AbortSignal;
  release(): Promise<void>;
  /** Stops refreshing and leaves the key to expire: what a crashed holder does (for tests, demos). */
  abandon(): Promise<void>;
}

export interface LockOptions {
  /** Seconds the lock survives its holder going silent. */
  ttl?: number;
  /** Names the holder in the key's value (a random suffix makes each acquisition unique). */
  owner?: string;
}

function handle(client: EtcdClient, key: string, value: string, token: number, lease: Lease): LockHandle {
  return {
    key,
    value,
    token,
    signal: lease.signal,
    async release() {
      await lease.stop();
      await client.compareAndDelete(key, { prevValue: value }).catch((e) => {
        // Already expired, or (after a lost lease) someone else's: nothing of ours to delete.
        if (!isEtcdError(e, ErrorCode.KeyNotFound) && !isEtcdError(e, ErrorCode.TestFailed)) throw e;
      });
    },
    abandon: () => lease.stop(),
  };
}

export class Lock {
  readonly ttl: number;
  readonly owner: string;

  constructor(private readonly client: EtcdClient, readonly key: string, opts: LockOptions = {}) {
    this.ttl = opts.ttl ?? 10;
    this.owner = opts.owner ?? "lock";
  }

  /** The lock, or null at once if someone holds it. `value` must be unique to this attempt. */
  async tryAcquire(opts: { signal?: AbortSignal; value?: string } = {}): Promise<LockHandle | null> {
    const value = opts.value ?? uniqueValue(this.owner);
    const r = await this.attempt(value, opts.signal);
    return r instanceof EtcdError ? null : r;
  }

  /** Waits until the lock is ours (or `signal` aborts). */
  async acquire(opts: { signal?: AbortSignal; value?: string } = {}): Promise<LockHandle> {
    const value = opts.value ?? uniqueValue(this.owner);
    for (;;) {
      const r = await this.attempt(value, opts.signal);
      if (!(r instanceof EtcdError)) return r;
      await waitUntilGone(this.client, this.key, r.index, opts.signal);
    }
  }

  /** Holds the lock, or returns the "Key already exists" error whose index to watch from. */
  private async attempt(value: string, signal?: AbortSignal): Promise<LockHandle | EtcdError> {
    const sentMs = Date.now();
    try {
      const r = await this.client.create(this.key, value, { ttl: this.ttl, signal });
      return this.hold(value, r.node, sentMs);
    } catch (e) {
      if (!isEtcdError(e, ErrorCode.NodeExist)) throw e;
      // A retried create whose first try was applied meets its own key: that is ours.
      const mine = await this.client.get(this.key, { quorum: true, signal }).catch(() => null);
      if (mine?.node.value === value) return this.hold(value, mine.node, sentMs);
      return e;
    }
  }

  private hold(value: string, node: EtcdNode, sentMs: number): LockHandle {
    const lease = new Lease(this.client, this.key, value, this.ttl, sentMs);
    return handle(this.client, this.key, value, node.createdIndex!, lease);
  }
}

export class OrderedLock {
  readonly ttl: number;
  readonly owner: string;

  constructor(private readonly client: EtcdClient, readonly dir: string, opts: LockOptions = {}) {
    this.ttl = opts.ttl ?? 10;
    this.owner = opts.owner ?? "lock";
  }

  async acquire(opts: { signal?: AbortSignal } = {}): Promise<LockHandle> {
    const value = uniqueValue(this.owner);
    const sentMs = Date.now();
    const mine = await this.enqueue(value, opts.signal);
    const lease = new Lease(this.client, mine.key!, value, this.ttl, sentMs);
    try {
      for (;;) {
        const r = await this.client.get(this.dir, { sorted: true, quorum: true, signal: opts.signal });
        const queue = r.node.nodes ?? [];
        const at = queue.findIndex((n) => n.key === mine.key);
        if (at < 0) throw new Error(`ordered lock ${this.dir}: our key ${mine.key} expired while waiting`);
        if (at === 0) return handle(this.client, mine.key!, value, mine.createdIndex!, lease);
        await waitUntilGone(this.client, queue[at - 1]!.key!, r.etcdIndex, opts.signal);
      }
    } catch (e) {
      // Gave up (abort or error): leave the queue so we do not block those behind us.
      await handle(this.client, mine.key!, value, 0, lease).release().catch(() => undefined);
      throw e;
    }
  }

  /** An in-order key; after an ambiguous failure the one with our value, if it was created. */
  private async enqueue(value: string, signal?: AbortSignal): Promise<EtcdNode> {
    for (let tries = 0; ; tries++) {
      try {
        return (await this.client.createInOrder(this.dir, value, { ttl: this.ttl, signal })).node;
      } catch (e) {
        if (e instanceof EtcdError && e.errorCode !== ErrorCode.RaftInternal) throw e;
        if (signal?.aborted || tries >= 3) throw e;
        const found = (await this.client.list(this.dir, { quorum: true, signal }).catch(() => [])).find((n) => n.value === value);
        if (found) return found;
      }
    }
  }
}
