/**
 * Configuration from a directory: loads every key below it (relative path → value), turns them
 * into a typed snapshot with `parse`, and keeps the snapshot current as keys change. A history
 * loss (etcd 401) re-reads the directory, so the snapshot never drifts.
 *
 * @module
 */
import type { EtcdClient } from "../client.js";
import { DirMirror } from "./dir-mirror.js";

export class ConfigWatcher<T> {
  private snapshot: T | undefined;
  private readonly stopper = new AbortController();
  private readonly listeners = new Set<(config: T) => void>();
  private loop: Promise<void> | null = null;
  /** Set when parsing a change failed: the snapshot keeps the last good config. */
  lastError: unknown = null;

  constructor(
    private readonly client: EtcdClient,
    readonly dir: string,
    private readonly parse: (values: Record<string, string>) => T,
  ) {}

  /** Loads the directory and starts following it; resolves with the first snapshot. */
  async start(): Promise<T> {
    const mirror = new DirMirror(this.dir);
    let ready!: (c: T) => void;
    let failed!: (e: unknown) => void;
    const first = new Promise<T>((res, rej) => ((ready = res), (failed = rej)));
    this.loop = (async () => {
      for await (const item of this.client.watch(this.dir, { recursive: true, snapshot: true, signal: this.stopper.signal })) {
        if (!mirror.apply(item) && this.snapshot !== undefined) continue;
        try {
          this.snapshot = this.parse(Object.fromEntries(mirror.values));
          this.lastError = null;
        } catch (e) {
          this.lastError = e;
          if (this.snapshot === undefined) throw e;
          continue;
        }
        ready(this.snapshot);
        for (const fn of this.listeners) fn(this.snapshot);
      }
    })().catch((e) => {
      this.lastError = e;
      failed(e);
    });
    return first;
  }

  get current(): T {
    if (this.snapshot === undefined) throw new Error("ConfigWatcher: start() first");
    return this.snapshot;
  }

  /** Calls `fn` with every new snapshot; returns the unsubscribe function. */
  subscribe(fn: (config: T) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves with the first snapshot (the current one included) for which `test` holds. */
  until(test: (config: T) => boolean, signal?: AbortSignal): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (c: T) => {
        if (!test(c)) return;
        off();
        resolve(c);
      };
      const off = this.subscribe(check);
      signal?.addEventListener("abort", () => (off(), reject(signal.reason)), { once: true });
      if (this.snapshot !== undefined) check(this.snapshot);
    });
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }
}
