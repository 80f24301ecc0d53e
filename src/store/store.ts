/**
 * etcd's v2 store (`api/v2store/store.go`) as rules over the synchronous StoreBackend port.
 * Everything that must survive a restart (nodes, etcd index, history) lives in the backend;
 * only the stats counters and the live-watch listener are in memory, as in etcd.
 *
 * @module
 */
import type { NodeRecord, StoreBackend } from "./backend.js";
import {
  EcodeDirNotEmpty,
  EcodeNodeExist,
  EcodeNotDir,
  EcodeNotFile,
  EcodeRootROnly,
  EcodeTestFailed,
  v2Error,
} from "./errors.js";
import { appendEvent, historyEventsMax } from "./history.js";
import { reprFlat, reprForGet } from "./node-extern.js";
import { cleanPath, isAtOrBelow, parentPath } from "./path.js";
import { assertInteger, compareFailCause, dirRecord, eventNode } from "./node-ops.js";
import { StoreStatsCounter, type StoreCounter } from "./stats.js";
import type { Action, NodeExtern, StoreStats, V2Error, V2Event, V2Result } from "./types.js";
import { ensureDir, lookup } from "./walk.js";
import type { StoreListener, V2StoreOptions } from "./listener.js";

export type { StoreListener, V2StoreOptions };

export const defaultNamespaces: readonly string[] = ["/0", "/1"];
/** etcd treats expirations before 2000-01-01T00:00:00Z as "permanent" on set/create. */
export const minExpirationMs = 946_684_800_000;
/** In-order key names: `%020d` of the new index. */
const inOrderNameDigits = 20;

function ok(event: V2Event): V2Result {
  return { ok: true, event };
}
function fail(error: V2Error): V2Result {
  return { ok: false, error };
}

export class V2Store {
  readonly backend: StoreBackend;
  readonly stats = new StoreStatsCounter();
  listener: StoreListener | null = null;
  /** The time of the request being applied (applyV2 sets it; 0 = none): see V2Event.appliedAtMs. */
  eventTimeMs = 0;
  readonly #readonly: Set<string>;
  readonly #historyEventsMax: number;

  constructor(backend: StoreBackend, options: V2StoreOptions = {}) {
    this.backend = backend;
    const namespaces = options.namespaces ?? defaultNamespaces;
    this.#readonly = new Set(["/", ...namespaces]);
    this.#historyEventsMax = options.historyEventsMax ?? historyEventsMax;
    if (backend.getNode("/") === undefined) {
      backend.putNode(dirRecord("/", 0));
      for (const ns of namespaces) backend.putNode(dirRecord(ns, 0));
    }
  }

  /** The etcd index E. */
  index(): number {
    return this.backend.getIndex();
  }

  statsSnapshot(): StoreStats {
    return this.stats.snapshot(this.listener?.watcherCount() ?? 0);
  }

  /** Earliest expiration of any node (the leader proposes SYNC when it is due), or null. */
  nextExpirationMs(): number | null {
    return this.backend.earliestExpirationMs();
  }

  get(path: string, recursive: boolean, sorted: boolean): V2Result {
    const p = cleanPath(path);
    const E = this.index();
    const found = lookup(this.backend, p, E);
    if (!found.ok) return this.#count("getsFail", fail(found.error));
    const node = reprForGet(this.backend, found.node, recursive, sorted);
    return this.#count("getsSuccess", ok({ action: "get", node, etcdIndex: E }));
  }

  set(path: string, dir: boolean, value: string, expirationMs: number, refresh: boolean): V2Result {
    const p = cleanPath(path);
    // A miss needs no walk here: the create walk reports 104 with the same cause etcd's
    // internalGet would; only refresh needs the 100 (first missing prefix) now.
    const existing = this.backend.getNode(p) ?? null;
    if (existing === null && refresh) {
      const found = lookup(this.backend, p, this.index());
      if (!found.ok) return this.#count("setsFail", fail(found.error));
    }
    const v = refresh && existing !== null ? existing.value : value;
    const r = this.#internalCreate(p, dir, v, false, true, expirationMs, "set", existing);
    if (!r.ok) return this.#count("setsFail", r);
    if (refresh) r.event.refresh = true;
    this.#commit(r.event, []);
    return this.#count("setsSuccess", r);
  }

  /** PUT prevExist=false (unique=false) and POST (unique=true: an in-order child). */
  create(path: string, dir: boolean, value: string, unique: boolean, expirationMs: number): V2Result {
    const r = this.#internalCreate(cleanPath(path), dir, value, unique, false, expirationMs, "create");
    if (!r.ok) {
      // etcd's internalCreate also counts a failed walk as a set failure.
      if (r.error.errorCode === EcodeNotDir) this.stats.inc("setsFail");
      return this.#count("createFail", r);
    }
    this.#commit(r.event, []);
    return this.#count("createSuccess", r);
  }

  update(path: string, value: string, expirationMs: number, refresh: boolean): V2Result {
    assertInteger("expirationMs", expirationMs);
    const p = cleanPath(path);
    const E = this.index();
    // etcd returns these two errors without setting its deferred `err`: counted as successes.
    if (this.#readonly.has(p)) return this.#count("updateSuccess", fail(v2Error(EcodeRootROnly, "/", E)));
    const found = lookup(this.backend, p, E);
    if (!found.ok) return this.#count("updateFail", fail(found.error));
    const n = found.node;
    if (n.dir && value !== "") return this.#count("updateSuccess", fail(v2Error(EcodeNotFile, p, E)));
    const next = E + 1;
    const v = refresh ? n.value : value;
    const expiration = expirationMs === 0 ? null : expirationMs;
    // A directory's modifiedIndex never changes (etcd's node.Write refuses dirs); the event
    // still carries the new index.
    const updated: NodeRecord = n.dir
      ? { ...n, expirationMs: expiration }
      : { ...n, value: v, modifiedIndex: next, expirationMs: expiration };
    this.backend.putNode(updated);
    this.backend.setIndex(next);
    const node = eventNode(p, next, n.createdIndex, n.dir, n.dir ? undefined : v, expiration);
    const event: V2Event = { action: "update", node, prevNode: reprFlat(n), etcdIndex: next };
    if (refresh) event.refresh = true;
    this.#commit(event, []);
    return this.#count("updateSuccess", ok(event));
  }

  compareAndSwap(
    path: string,
    prevValue: string,
    prevIndex: number,
    value: string,
    expirationMs: number,
    refresh: boolean,
  ): V2Result {
    assertInteger("expirationMs", expirationMs);
    assertInteger("prevIndex", prevIndex);
    const p = cleanPath(path);
    const E = this.index();
    if (this.#readonly.has(p)) {
      return this.#count("compareAndSwapSuccess", fail(v2Error(EcodeRootROnly, "/", E)));
    }
    const found = lookup(this.backend, p, E);
    if (!found.ok) return this.#count("compareAndSwapFail", fail(found.error));
    const n = found.node;
    if (n.dir) return this.#count("compareAndSwapFail", fail(v2Error(EcodeNotFile, p, E)));
    const cause = compareFailCause(n, prevValue, prevIndex);
    if (cause !== null) return this.#count("compareAndSwapFail", fail(v2Error(EcodeTestFailed, cause, E)));
    const next = E + 1;
    const v = refresh ? n.value : value;
    const expiration = expirationMs === 0 ? null : expirationMs;
    this.backend.putNode({ ...n, value: v, modifiedIndex: next, expirationMs: expiration });
    this.backend.setIndex(next);
    const node = eventNode(p, next, n.createdIndex, false, v, expiration);
    const event: V2Event = { action: "compareAndSwap", node, prevNode: reprFlat(n), etcdIndex: next };
    if (refresh) event.refresh = true;
    this.#commit(event, []);
    return this.#count("compareAndSwapSuccess", ok(event));
  }

  delete(path: string, dir: boolean, recursive: boolean): V2Result {
    const p = cleanPath(path);
    const E = this.index();
    if (this.#readonly.has(p)) return this.#count("deleteSuccess", fail(v2Error(EcodeRootROnly, "/", E)));
    const found = lookup(this.backend, p, E);
    if (!found.ok) return this.#count("deleteFail", fail(found.error));
    const n = found.node;
    if (n.dir) {
      if (!dir && !recursive) return this.#count("deleteFail", fail(v2Error(EcodeNotFile, p, E)));
      if (!recursive && this.#hasChildren(p)) {
        return this.#count("deleteFail", fail(v2Error(EcodeDirNotEmpty, p, E)));
      }
    }
    const event = this.#remove(n, "delete");
    return this.#count("deleteSuccess", ok(event));
  }

  compareAndDelete(path: string, prevValue: string, prevIndex: number): V2Result {
    assertInteger("prevIndex", prevIndex);
    const p = cleanPath(path);
    const E = this.index();
    const found = lookup(this.backend, p, E);
    if (!found.ok) return this.#count("compareAndDeleteFail", fail(found.error));
    const n = found.node;
    // etcd counts these two failures as successes (its deferred `err` stays nil).
    if (n.dir) return this.#count("compareAndDeleteSuccess", fail(v2Error(EcodeNotFile, p, E)));
    const cause = compareFailCause(n, prevValue, prevIndex);
    if (cause !== null) {
      return this.#count("compareAndDeleteSuccess", fail(v2Error(EcodeTestFailed, cause, E)));
    }
    const event = this.#remove(n, "compareAndDelete");
    return this.#count("compareAndDeleteSuccess", ok(event));
  }

  /**
   * SYNC: expire, in (expiration, path) order, every node whose expiration ≤ timeMs. Each
   * expiry is its own index and its own `expire` event; a dir takes its subtree with it.
   */
  deleteExpiredKeys(timeMs: number): V2Event[] {
    assertInteger("timeMs", timeMs);
    const events: V2Event[] = [];
    let last = "";
    for (;;) {
      const [n] = this.backend.expiredBy(timeMs, 1);
      if (n === undefined) break;
      if (n.path === last) throw new Error(`deleteExpiredKeys: ${n.path} was not removed`);
      last = n.path;
      events.push(this.#remove(n, "expire"));
      this.stats.inc("expireCount");
    }
    return events;
  }

  #internalCreate(
    path: string,
    dir: boolean,
    value: string,
    unique: boolean,
    replace: boolean,
    expirationMs: number,
    action: Action,
    known?: NodeRecord | null,
  ): V2Result {
    assertInteger("expirationMs", expirationMs);
    const E = this.index();
    const next = E + 1;
    assertInteger("etcd index", next);
    const p = cleanPath(unique ? path + "/" + String(next).padStart(inOrderNameDigits, "0") : path);
    if (this.#readonly.has(p)) return fail(v2Error(EcodeRootROnly, "/", E));
    const expiration = expirationMs < minExpirationMs ? null : expirationMs;
    const d = ensureDir(this.backend, parentPath(p), next, E);
    if (!d.ok) return d;
    const existing = (known === undefined ? this.backend.getNode(p) : known) ?? undefined;
    let prevNode: NodeExtern | undefined;
    if (existing !== undefined) {
      if (!replace) return fail(v2Error(EcodeNodeExist, p, E));
      if (existing.dir) return fail(v2Error(EcodeNotFile, p, E));
      prevNode = reprFlat(existing);
    }
    this.backend.putNode({
      path: p,
      dir,
      value: dir ? "" : value,
      createdIndex: next,
      modifiedIndex: next,
      expirationMs: expiration,
    });
    this.backend.setIndex(next);
    const node = eventNode(p, next, next, dir, dir ? undefined : value, expiration);
    const event: V2Event = { action, node, etcdIndex: next };
    if (prevNode !== undefined) event.prevNode = prevNode;
    return ok(event);
  }

  /** Removes `n` (and its subtree) as one mutation: delete, compareAndDelete or expire. */
  #remove(n: NodeRecord, action: Action): V2Event {
    const next = this.index() + 1;
    const node = eventNode(n.path, next, n.createdIndex, n.dir, undefined, null);
    const event: V2Event = { action, node, prevNode: reprFlat(n), etcdIndex: next };
    const removed = this.#removedWatchedPaths(n);
    this.backend.removeTree(n.path);
    this.backend.setIndex(next);
    this.#commit(event, removed);
    return event;
  }

  /** etcd's removal callback fires for every removed node; only watched ones matter. */
  #removedWatchedPaths(n: NodeRecord): string[] {
    if (this.listener === null) return [];
    const out: string[] = [];
    if (n.dir) {
      const below = this.listener.watchedPathsBelow(n.path).filter((w) => isAtOrBelow(w, n.path) && w !== n.path);
      below.sort((a, b) => b.length - a.length);
      for (const w of below) if (this.backend.getNode(w) !== undefined) out.push(w);
    }
    out.push(n.path);
    return out;
  }

  #hasChildren(path: string): boolean {
    const b = this.backend;
    return b.hasChildren !== undefined ? b.hasChildren(path) : b.children(path).length > 0;
  }

  #commit(event: V2Event, removedPaths: readonly string[]): void {
    // History and watchers get the event's time; the write's own answer renders with "now".
    const timed = this.eventTimeMs > 0 ? { ...event, appliedAtMs: this.eventTimeMs } : event;
    appendEvent(this.backend, timed, this.#historyEventsMax);
    this.listener?.onEvent(timed, removedPaths);
  }

  #count(counter: StoreCounter, r: V2Result): V2Result {
    this.stats.inc(counter);
    return r;
  }
}
