/**
 * A V3Handler over one in-process v3 store: the single-member server of tests and the
 * differential suite. Like a leader it expires due leases on a real timer.
 *
 * @module
 */
import type { HeaderInfo } from "../v3/encode.js";
import { MemoryV3Backend } from "../v3/memory-backend.js";
import { V3Store } from "../v3/store.js";
import type { V3Command, V3Result } from "../v3/types.js";
import { scanEvents } from "../v3/watch.js";
import type { V3Handler, V3Read, V3Reply, V3Status, WatchPoll, WatchReply } from "./v3-handler.js";

/** How often due leases are looked for (etcd's lessor checks every 500 ms). */
export const leaseCheckIntervalMs = 500;
/** etcd's minimum lease TTL with its default timings: ⌈1.5 × 1 s election timeout⌉. */
export const minLeaseTtlSeconds = 2;
const watchRowsMax = 1_000;
/** Size estimate: a fixed base and per-row overhead, in bytes, beside keys and values. */
const storeBaseBytes = 16_384;
const historyRowBytes = 48;

export interface V3DirectOptions {
  /** Lowercase hex, as the v2 side reports them. */
  clusterId: string;
  memberId: string;
  now?: () => number;
  autoExpire?: boolean;
}

/** A uint64 in lowercase hex as etcd's v3 header writes it: decimal. */
export function hexIdToDecimal(hex: string): string {
  return BigInt("0x" + (hex || "0")).toString();
}

export class V3Direct implements V3Handler {
  readonly store = new V3Store(new MemoryV3Backend(), minLeaseTtlSeconds);
  readonly #now: () => number;
  readonly #header: HeaderInfo;
  #raftIndex = 1;
  #waiters: Array<() => void> = [];
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(opts: V3DirectOptions) {
    this.#now = opts.now ?? (() => Date.now());
    this.#header = { clusterId: hexIdToDecimal(opts.clusterId), memberId: hexIdToDecimal(opts.memberId), raftTerm: 2 };
    if (opts.autoExpire ?? true) {
      this.#timer = setInterval(() => this.expireLeases(), leaseCheckIntervalMs);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  #reply(r: V3Result): V3Reply {
    return r.ok ? { ok: true, response: r.response, header: this.#header } : r;
  }

  #apply(cmd: V3Command): V3Result {
    const before = this.store.revision();
    this.#raftIndex++;
    const r = this.store.apply(cmd, this.#now());
    if (this.store.revision() !== before) for (const wake of this.#waiters.splice(0)) wake();
    return r;
  }

  expireLeases(): void {
    const due = this.store.earliestLeaseExpiryMs();
    if (due !== null && due <= this.#now()) this.#apply({ op: "leaseExpire" });
  }

  async write(cmd: V3Command): Promise<V3Reply> {
    return this.#reply(this.#apply(cmd));
  }

  async read(req: V3Read): Promise<V3Reply> {
    switch (req.op) {
      case "range":
        return this.#reply(this.store.range(req.req));
      case "txn":
        return this.#reply(this.store.readTxn(req.req));
      case "timeToLive":
        return this.#reply(this.store.timeToLive(req.id, req.keys, this.#now()));
      case "leases":
        return this.#reply(this.store.leases());
    }
  }

  async watchPoll(poll: WatchPoll): Promise<WatchReply> {
    if (poll.waitMs > 0 && this.store.revision() < poll.from) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, poll.waitMs);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return { ok: true, header: this.#header, ...scanEvents(this.store, poll.from, poll.filter, watchRowsMax) };
  }

  /** An estimate of the bytes the store holds (etcd reports its bolt file's size). */
  #sizeBytes(): number {
    let n = storeBaseBytes;
    for (const row of this.store.historyFrom(1, Number.MAX_SAFE_INTEGER)) n += row.kv.key.length / 2 + row.kv.value.length + historyRowBytes;
    return n;
  }

  async status(): Promise<{ ok: true; status: V3Status }> {
    const size = this.#sizeBytes();
    return {
      ok: true,
      status: {
        header: this.#header,
        revision: this.store.revision(),
        version: "3.4.23",
        dbSize: size,
        dbSizeInUse: size,
        leader: this.#header.memberId,
        raftIndex: this.#raftIndex,
        raftTerm: this.#header.raftTerm,
        raftAppliedIndex: this.#raftIndex,
      },
    };
  }

  close(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
