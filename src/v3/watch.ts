/**
 * Watch events read from the store's history: what a watcher over some key ranges sees from a
 * revision on. Watches are served by polling this scan (src/http/v3-watch.ts), so a watcher
 * needs no state on a member and survives the member's restart.
 *
 * @module
 */
import { inRange } from "./backend.js";
import type { V3Store } from "./store.js";
import type { Event, KeyRange } from "./types.js";

/** Bytes of keys and values one batch carries, far below the 32 MiB RPC limit. */
export const eventBytesMax = 8 * 1024 * 1024;

export interface WatchFilter {
  ranges: KeyRange[];
  prevKv: boolean;
  noPut: boolean;
  noDelete: boolean;
}

export interface EventBatch {
  /** Matching events, each with the revision it belongs to. */
  events: Array<Event & { revision: number }>;
  /** Where the next scan starts (one past the last revision scanned). */
  nextFrom: number;
  revision: number;
  compactRevision: number;
}

/**
 * Events with revision ≥ `from` matching `f`, reading at most about `rowsMax` history rows;
 * whole revisions only, so a txn's events are never split across two batches.
 */
export function scanEvents(store: V3Store, from: number, f: WatchFilter, rowsMax: number): EventBatch {
  const revision = store.revision();
  const compactRevision = store.compactRevision();
  const start = Math.max(from, 1);
  const rows = store.historyFrom(start, rowsMax + 1);
  let scanned = rows;
  let nextFrom = revision + 1;
  if (rows.length > rowsMax) {
    const last = rows[rows.length - 1]!.revision;
    // A single revision larger than the page is read whole.
    scanned = rows[0]!.revision === last ? store.historyFrom(start, Number.MAX_SAFE_INTEGER).filter((r) => r.revision === last) : rows.filter((r) => r.revision < last);
    nextFrom = rows[0]!.revision === last ? last + 1 : last;
  }
  const events: EventBatch["events"] = [];
  let bytes = 0;
  for (const row of scanned) {
    // Past the byte budget, stop at a revision boundary (a single revision is sent whole).
    const size = row.kv.key.length / 2 + row.kv.value.length;
    if (bytes + size > eventBytesMax && events.length > 0 && row.revision !== events[events.length - 1]!.revision) {
      nextFrom = row.revision;
      break;
    }
    if (!f.ranges.some((r) => inRange(r, row.kv.key))) continue;
    if (row.tombstone ? f.noDelete : f.noPut) continue;
    const prevKv = f.prevKv ? store.previous(row) : null;
    bytes += size + (prevKv ? prevKv.key.length / 2 + prevKv.value.length : 0);
    events.push({ type: row.tombstone ? "DELETE" : "PUT", kv: row.kv, prevKv, revision: row.revision });
  }
  return { events, nextFrom, revision, compactRevision };
}
