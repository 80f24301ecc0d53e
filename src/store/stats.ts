/**
 * /v2/stats/store counters (etcd `stats.go`). In memory, as in etcd: mutations count on every
 * member that applies them, gets and watches only on the member that serves them.
 *
 * @module
 */
import type { StoreStats } from "./types.js";

export type StoreCounter = Exclude<keyof StoreStats, "watchers">;

/** Field order of the JSON etcd renders (spec §6.3). */
export const storeStatsFields: readonly (keyof StoreStats)[] = [
  "getsSuccess",
  "getsFail",
  "setsSuccess",
  "setsFail",
  "deleteSuccess",
  "deleteFail",
  "updateSuccess",
  "updateFail",
  "createSuccess",
  "createFail",
  "compareAndSwapSuccess",
  "compareAndSwapFail",
  "compareAndDeleteSuccess",
  "compareAndDeleteFail",
  "expireCount",
  "watchers",
];

export class StoreStatsCounter {
  #c: Record<StoreCounter, number> = {
    getsSuccess: 0,
    getsFail: 0,
    setsSuccess: 0,
    setsFail: 0,
    deleteSuccess: 0,
    deleteFail: 0,
    updateSuccess: 0,
    updateFail: 0,
    createSuccess: 0,
    createFail: 0,
    compareAndSwapSuccess: 0,
    compareAndSwapFail: 0,
    compareAndDeleteSuccess: 0,
    compareAndDeleteFail: 0,
    expireCount: 0,
  };

  inc(counter: StoreCounter): void {
    this.#c[counter]++;
  }

  /** The 16 counters in etcd's order; `watchers` comes from the watcher hub. */
  snapshot(watchers: number): StoreStats {
    return { ...this.#c, watchers };
  }
}
