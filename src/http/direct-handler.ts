/**
 * A V2Handler over one in-process V2Store + WatcherHub: etcd's single-member mode without
 * consensus. Used by tests, the differential suite and local runs. Like etcd's leader it runs
 * a SYNC (expire due keys) every 500 ms while any node has a TTL, on a real timer.
 *
 * @module
 */
import { accessDeniedError, allowed, authLookup, type AuthData } from "../auth/rules.js";
import type { Access, AuthLookup } from "../auth/types.js";
import { MemoryBackend, V2Store, WatcherHub, applyV2, v2Request, type Watcher } from "../store/index.js";
import type { StoreStats, V2Event, V2Request } from "../store/types.js";
import type { KeysResult, RaftPosition, V2Handler, WatchRequest, WatchStart } from "./handler.js";
import { goDurationString, goRfc3339NanoUtc } from "./go-parse.js";
import type { TimedEvent } from "./render.js";
import type { MemberEndpoints } from "./stats.js";

/** etcd's leader proposes a SYNC this often while TTL nodes exist. */
export const syncIntervalMs = 500;
/** Apply times remembered for history watches: the store keeps 1000 events. */
const appliedTimesMax = 1100;

export interface DirectHandlerOptions {
  /** Wall clock, Unix ms (TTL expiry). */
  now?: () => number;
  /** Lowercase hex. */
  clusterId?: string;
  memberId?: string;
  name?: string;
  /** This member's client URL, for /v2/machines. */
  clientURL?: string;
  /** Run the SYNC timer (default true). Tests with a fake clock call sync() themselves. */
  autoSync?: boolean;
}

/** An async iterator over a live watcher's queue that ends when the watcher is removed. */
function watcherEvents(w: Watcher, cancelled: () => boolean): AsyncIterable<V2Event> {
  let wake: (() => void) | null = null;
  w.onChange = () => {
    const f = wake;
    wake = null;
    f?.();
  };
  return {
    [Symbol.asyncIterator]: () => ({
      async next(): Promise<IteratorResult<V2Event>> {
        for (;;) {
          const e = w.take();
          if (e !== undefined) return { done: false, value: e };
          if (w.removed || cancelled()) return { done: true, value: undefined };
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
      async return(): Promise<IteratorResult<V2Event>> {
        w.remove();
        return { done: true, value: undefined };
      },
    }),
  };
}

/** A history hit: one event; a stream then stays open (etcd quirk, spec §4.2) until cancelled. */
function historyEvents(e: V2Event, stream: boolean, untilCancelled: Promise<void>): AsyncIterable<V2Event> {
  return {
    async *[Symbol.asyncIterator]() {
      yield e;
      if (stream) await untilCancelled;
    },
  };
}

export class DirectHandler implements V2Handler {
  readonly store: V2Store;
  readonly hub: WatcherHub;
  readonly #now: () => number;
  readonly #clusterId: string;
  readonly #memberId: string;
  readonly #name: string;
  /** This member's client URL (settable once the server listens). */
  clientURL: string;
  readonly #startMs: number;
  readonly #raft: RaftPosition = { raftIndex: 0, raftTerm: 2 };
  #timer: ReturnType<typeof setInterval> | null = null;
  /** Apply time of recent events by index, for history-answered watches (etcd's frozen ttl). */
  readonly #appliedAtMs = new Map<number, number>();

  constructor(opts: DirectHandlerOptions = {}) {
    this.#now = opts.now ?? (() => Date.now());
    this.#clusterId = opts.clusterId ?? "cdf818194e3a8c32";
    this.#memberId = opts.memberId ?? "8e9e05c52164694d";
    this.#name = opts.name ?? "n1";
    this.clientURL = opts.clientURL ?? "http://127.0.0.1:2379";
    this.#startMs = this.#now();
    this.store = new V2Store(new MemoryBackend());
    this.hub = new WatcherHub(this.store);
    this.#bootstrap();
    if (opts.autoSync ?? true) {
      this.#timer = setInterval(() => this.sync(), syncIntervalMs);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  /** What a fresh single-member etcd 3.4 writes under /0 before serving: E = 3 (spec §2.3). */
  #bootstrap(): void {
    const id = this.#memberId;
    const raftAttrs = JSON.stringify({ peerURLs: ["http://127.0.0.1:2380"] });
    const attrs = JSON.stringify({ name: this.#name, clientURLs: [this.clientURL] });
    this.#apply({ method: "PUT", path: `/0/members/${id}/raftAttributes`, prevExist: false, val: raftAttrs });
    this.#apply({ method: "PUT", path: `/0/members/${id}/attributes`, val: attrs });
    this.#apply({ method: "PUT", path: "/0/version", val: "3.4.0" });
    this.#raft.raftIndex = 6;
  }

  #apply(fields: Partial<V2Request> & Pick<V2Request, "method" | "path">): void {
    const r = applyV2(this.store, { ...emptyRequest, ...fields });
    if (!r.ok) throw new Error(`bootstrap write failed: ${r.error.message}`);
  }

  /** Expire every node due by now (etcd's SYNC). */
  sync(): void {
    if (this.store.nextExpirationMs() === null) return;
    this.#raft.raftIndex++;
    const timeMs = this.#now();
    const r = applyV2(this.store, { ...emptyRequest, method: "SYNC", timeMs });
    if (r.ok && r.event === null) for (const e of r.expired) this.#remember(e.node.modifiedIndex, timeMs);
  }

  #remember(index: number, timeMs: number): void {
    this.#appliedAtMs.set(index, timeMs);
    // Keep a little more than the store's history ring (1000 events).
    if (this.#appliedAtMs.size > appliedTimesMax) {
      const oldest = this.#appliedAtMs.keys().next().value;
      if (oldest !== undefined) this.#appliedAtMs.delete(oldest);
    }
  }

  clusterId(): string {
    return this.#clusterId;
  }

  readonly #authData: AuthData = { value: (path) => this.store.backend.getNode(path)?.value };

  async keys(req: V2Request, access: Access | null): Promise<KeysResult> {
    if (req.method === "SYNC") throw new Error("DirectHandler.keys: SYNC is internal");
    if (access && !allowed(this.#authData, access)) return { ok: false, error: accessDeniedError };
    if (req.method !== "GET") this.#raft.raftIndex++;
    const timeMs = this.#now();
    const r = applyV2(this.store, req);
    if (!r.ok) return r;
    if (r.event === null) throw new Error("DirectHandler.keys: no event");
    if (req.method !== "GET" && req.method !== "QGET") this.#remember(r.event.node.modifiedIndex, timeMs);
    return { ok: true, event: r.event, etcdIndex: r.event.etcdIndex, ...this.#raft };
  }

  async authLookup(user: string): Promise<AuthLookup> {
    return authLookup(this.#authData, user);
  }

  async watch(req: WatchRequest, access: Access | null): Promise<WatchStart> {
    if (access && !allowed(this.#authData, access)) return { ok: false, error: accessDeniedError };
    const r = this.hub.watch(req.path, req.recursive, req.stream, req.sinceIndex);
    if (!r.ok) return r;
    let cancelled = false;
    let release: () => void = () => {};
    const untilCancelled = new Promise<void>((resolve) => (release = resolve));
    if (r.watcher === null) {
      return {
        ok: true,
        etcdIndex: r.event.etcdIndex,
        events: historyEvents(this.#timed(r.event), req.stream, untilCancelled),
        cancel: () => release(),
        ...this.#raft,
      };
    }
    const w = r.watcher;
    return {
      ok: true,
      etcdIndex: w.etcdIndex,
      events: watcherEvents(w, () => cancelled),
      cancel: () => {
        cancelled = true;
        w.remove();
      },
      ...this.#raft,
    };
  }

  #timed(e: V2Event): TimedEvent {
    const appliedAtMs = this.#appliedAtMs.get(e.node.modifiedIndex);
    return appliedAtMs === undefined ? e : { ...e, appliedAtMs };
  }

  async storeStats(): Promise<StoreStats> {
    return this.store.statsSnapshot();
  }

  async health(): Promise<boolean> {
    return true;
  }

  /** /v2/stats/self, /v2/stats/leader, /v2/machines of this single member. */
  memberEndpoints(): MemberEndpoints {
    const id = this.#memberId;
    const start = goRfc3339NanoUtc(this.#startMs);
    return {
      selfStats: async () => {
        return JSON.stringify({
          name: this.#name, id, state: "StateLeader", startTime: start,
          leaderInfo: { leader: id, uptime: goDurationString(this.#now() - this.#startMs), startTime: start },
          recvAppendRequestCnt: 0, sendAppendRequestCnt: 0,
        });
      },
      leaderStats: async () => JSON.stringify({ leader: id, followers: {} }),
      machines: async () => [this.clientURL],
    };
  }

  close(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}

const emptyRequest: V2Request = v2Request({ method: "GET" });
