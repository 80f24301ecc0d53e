/**
 * A watcher that never misses an event. It long-polls with `waitIndex` = the last delivered
 * `modifiedIndex` + 1, so each event is seen exactly once and in order. When etcd has dropped
 * the events it needs (error 401, "The event in requested index is outdated and cleared") it
 * re-reads the current state and yields a `resync` item with that state, then resumes from the
 * read's `X-Etcd-Index` + 1, as etcd's docs advise. Network errors, 5xx and leader changes are
 * retried with backoff from the same index.
 *
 * @module
 * @example
 * for await (const item of etcd.watch("/app", { recursive: true })) {
 *   if (item.type === "resync") reload(item.node);
 *   else apply(item.event);
 * }
 */
import type { EtcdClient } from "./client.js";
import { ErrorCode, EtcdError, EtcdHttpError, isEtcdError } from "./errors.js";
import { anySignal, backoffMs, sleep } from "./signals.js";
import type { EtcdNode, EtcdResult } from "./types.js";

export interface WatchOptions {
  recursive?: boolean;
  /** Deliver events after this index; without it the watcher starts at "now" (see `snapshot`). */
  afterIndex?: number;
  /** Begin with a `resync` item holding the current state (reason "start"). */
  snapshot?: boolean;
  signal?: AbortSignal;
}

export interface WatchEvent {
  type: "event";
  event: EtcdResult;
  index: number;
}

/** The state was re-read: `node` (null when the key is missing) is current as of `index`. */
export interface WatchResync {
  type: "resync";
  reason: "start" | "history-cleared";
  node: EtcdNode | null;
  index: number;
}

export type WatchItem = WatchEvent | WatchResync;

export class Watcher implements AsyncIterable<WatchItem> {
  private readonly stopper = new AbortController();
  /** The last index this watcher has accounted for (delivered or covered by a resync). */
  lastIndex: number;
  /** Errors retried so far (for logs and tests). */
  retries = 0;

  constructor(
    private readonly client: EtcdClient,
    readonly key: string,
    private readonly opts: WatchOptions,
  ) {
    this.lastIndex = opts.afterIndex ?? -1;
  }

  /** Ends the iteration, aborting the long poll in flight. */
  stop(): void {
    this.stopper.abort(new Error("watcher stopped"));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchItem> {
    const { signal, dispose } = anySignal([this.opts.signal, this.stopper.signal]);
    try {
      if (this.lastIndex < 0 || this.opts.snapshot) {
        const first = await this.read("start", signal);
        if (this.opts.snapshot || this.lastIndex < 0) this.lastIndex = first.index;
        if (this.opts.snapshot) yield first;
      }
      let failures = 0;
      while (!signal.aborted) {
        let result: EtcdResult | null;
        try {
          result = await this.client.watchOnce(this.key, { waitIndex: this.lastIndex + 1, recursive: this.opts.recursive, signal });
        } catch (e) {
          if (signal.aborted) return;
          if (isEtcdError(e, ErrorCode.EventIndexCleared)) {
            const resync = await this.read("history-cleared", signal);
            this.lastIndex = resync.index;
            yield resync;
            continue;
          }
          if (!retryable(e)) throw e;
          this.retries++;
          await sleep(backoffMs(failures++, 100, 5_000), signal);
          continue;
        }
        if (!result) {
          // The serving member went away mid-poll (empty 200): ask again from the same index.
          await sleep(backoffMs(failures++, 50, 2_000), signal);
          continue;
        }
        failures = 0;
        const index = result.node.modifiedIndex ?? this.lastIndex + 1;
        this.lastIndex = Math.max(this.lastIndex, index);
        yield { type: "event", event: result, index };
      }
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    } finally {
      dispose();
    }
  }

  /** A quorum read of the watched key; its X-Etcd-Index is where events resume. */
  private async read(reason: WatchResync["reason"], signal: AbortSignal): Promise<WatchResync> {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await this.client.get(this.key, { recursive: this.opts.recursive, sorted: true, quorum: true, signal });
        return { type: "resync", reason, node: r.node, index: r.etcdIndex };
      } catch (e) {
        if (isEtcdError(e, ErrorCode.KeyNotFound)) return { type: "resync", reason, node: null, index: e.index };
        if (signal.aborted || !retryable(e)) throw e;
        this.retries++;
        await sleep(backoffMs(attempt, 100, 5_000), signal);
      }
    }
  }
}

/** etcd errors other than 300/301 and 4xx answers are final; outages are worth a retry. */
export function retryable(e: unknown): boolean {
  if (e instanceof EtcdError) return e.errorCode === ErrorCode.RaftInternal || e.errorCode === ErrorCode.LeaderElect;
  if (e instanceof EtcdHttpError) return e.status >= 500;
  return !(e instanceof SyntaxError || e instanceof TypeError && /JSON/.test(e.message));
}
