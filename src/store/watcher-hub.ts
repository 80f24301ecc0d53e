/**
 * In-memory live watchers (etcd `watcher_hub.go` + `watcher.go`) for single-process mode and
 * tests. A member Durable Object may instead hold watchers elsewhere and use ./watch.js.
 *
 * @module
 */
import { startWatch } from "./history.js";
import { cleanPath, isAtOrBelow } from "./path.js";
import type { StoreListener, V2Store } from "./store.js";
import type { V2Error, V2Event } from "./types.js";
import { walkMatches, type WatchSpec } from "./watch.js";

/** etcd's watcher channel holds 100 events; a watcher that falls further behind is dropped. */
export const watcherEventsQueuedMax = 100;

export class Watcher implements WatchSpec {
  readonly path: string;
  readonly recursive: boolean;
  readonly stream: boolean;
  readonly sinceIndex: number;
  /** E at registration: the X-Etcd-Index of the watch response (spec §4.6). */
  readonly etcdIndex: number;
  /** Called after an event is queued, and once when the watcher is removed. */
  onChange: (() => void) | null = null;
  #queue: V2Event[] = [];
  #removed = false;
  #dropped = false;
  readonly #hub: WatcherHub;

  constructor(hub: WatcherHub, spec: WatchSpec, etcdIndex: number) {
    this.#hub = hub;
    this.path = spec.path;
    this.recursive = spec.recursive;
    this.stream = spec.stream;
    this.sinceIndex = spec.sinceIndex;
    this.etcdIndex = etcdIndex;
  }

  /** Next queued event, if any. */
  take(): V2Event | undefined {
    return this.#queue.shift();
  }

  get removed(): boolean {
    return this.#removed;
  }

  /** True when it was removed for falling more than watcherEventsQueuedMax events behind. */
  get dropped(): boolean {
    return this.#dropped;
  }

  /** Client went away (or the one-shot was answered): unregister. Idempotent. */
  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    this.#hub.unregister(this);
    this.onChange?.();
  }

  /** Returns true when the watcher is done (one-shot answered or dropped). */
  deliver(e: V2Event): boolean {
    if (this.#queue.length >= watcherEventsQueuedMax) {
      this.#dropped = true;
      this.remove();
      return true;
    }
    this.#queue.push(e);
    this.onChange?.();
    if (!this.stream) this.remove();
    return !this.stream;
  }
}

export type WatchResult =
  | { ok: true; event: V2Event; watcher: null }
  | { ok: true; event: null; watcher: Watcher }
  | { ok: false; error: V2Error };

export class WatcherHub implements StoreListener {
  readonly #store: V2Store;
  /** Watchers by watched path, in registration order. */
  #byPath = new Map<string, Watcher[]>();
  #count = 0;

  constructor(store: V2Store) {
    this.#store = store;
    store.listener = this;
  }

  /**
   * etcd `Store.Watch`: sinceIndex 0 means E+1; an older index is answered from history at
   * once (never registered, never counted), or fails with 401 when already cleared.
   */
  watch(path: string, recursive: boolean, stream: boolean, sinceIndex: number): WatchResult {
    const p = cleanPath(path);
    const E = this.#store.index();
    const start = startWatch(this.#store.backend, p, recursive, sinceIndex, E);
    if (!start.ok) return start;
    if (start.event !== null) return { ok: true, event: start.event, watcher: null };
    const w = new Watcher(this, { path: p, recursive, stream, sinceIndex: start.sinceIndex }, E);
    const list = this.#byPath.get(p);
    if (list === undefined) this.#byPath.set(p, [w]);
    else list.push(w);
    this.#count++;
    return { ok: true, event: null, watcher: w };
  }

  unregister(w: Watcher): void {
    const list = this.#byPath.get(w.path);
    const i = list?.indexOf(w) ?? -1;
    if (list === undefined || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.#byPath.delete(w.path);
    this.#count--;
  }

  watcherCount(): number {
    return this.#count;
  }

  watchedPathsBelow(dirPath: string): readonly string[] {
    const out: string[] = [];
    for (const p of this.#byPath.keys()) if (p !== dirPath && isAtOrBelow(p, dirPath)) out.push(p);
    return out;
  }

  /** etcd order: removal callbacks first (deepest first), then the walk from "/" to the key. */
  onEvent(event: V2Event, removedPaths: readonly string[]): void {
    if (event.refresh === true) return;
    const e = { ...event };
    for (const p of removedPaths) {
      for (const w of [...(this.#byPath.get(p) ?? [])]) {
        if (!w.removed && e.node.modifiedIndex >= w.sinceIndex) w.deliver(e);
      }
    }
    for (const p of ancestorsOrSelf(e.node.key)) {
      for (const w of [...(this.#byPath.get(p) ?? [])]) {
        if (w.removed || e.node.modifiedIndex < w.sinceIndex) continue;
        if (walkMatches(w, e.node.key)) w.deliver(e);
      }
    }
  }
}

function ancestorsOrSelf(key: string): string[] {
  const out = ["/"];
  let cur = "";
  for (const seg of key.split("/")) {
    if (seg === "") continue;
    cur += "/" + seg;
    out.push(cur);
  }
  return out;
}
