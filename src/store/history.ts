/**
 * The event history (etcd `event_history.go`) over the backend: the newest
 * `historyEventsMax` events, scanned for `waitIndex` watches.
 *
 * @module
 */
import type { StoreBackend } from "./backend.js";
import { EcodeEventIndexCleared, v2Error } from "./errors.js";
import { decodeEvent, encodeEvent } from "./event-codec.js";
import type { V2Error, V2Event } from "./types.js";
import { historyMatches } from "./watch.js";

/** etcd keeps the last 1000 events (`newWatchHub(1000)`). */
export const historyEventsMax = 1000;
/** Records read from the backend per page while scanning. */
const historyPageRecords = 100;

export function appendEvent(backend: StoreBackend, e: V2Event, eventsMax = historyEventsMax): void {
  backend.appendHistory(
    { index: e.node.modifiedIndex, key: e.node.key, data: encodeEvent(e) },
    eventsMax,
  );
}

export type HistoryScan =
  | { ok: true; event: V2Event | null }
  | { ok: false; error: V2Error };

/**
 * First non-refresh event with index ≥ sinceIndex that a watch on `path` would see, by the
 * HISTORY rules (spec §4.3): exact key; recursive: key has prefix `path + "/"` (hidden keys
 * included); a delete/expire of a directory whose key is a plain string prefix of `path`.
 * `currentIndex` is only the index reported in the 401 error.
 */
export function scanHistory(
  backend: StoreBackend,
  path: string,
  recursive: boolean,
  sinceIndex: number,
  currentIndex: number,
): HistoryScan {
  const start = backend.historyStartIndex();
  if (sinceIndex < start) {
    const cause = `the requested history has been cleared [${start}/${sinceIndex}]`;
    return { ok: false, error: v2Error(EcodeEventIndexCleared, cause, currentIndex) };
  }
  const last = backend.historyLastIndex();
  const prefix = path.endsWith("/") ? path : path + "/";
  let from = sinceIndex;
  while (from <= last) {
    const page = backend.historyFrom(from, historyPageRecords);
    if (page.length === 0) break;
    for (const r of page) {
      // Cheap pre-filter on the record key; decode only candidates.
      const keyMatch = r.key === path || (recursive && r.key.startsWith(prefix));
      if (!keyMatch && !path.startsWith(r.key)) continue;
      const e = decodeEvent(r.data);
      if (historyMatches(path, recursive, e)) return { ok: true, event: e };
    }
    from = (page[page.length - 1]?.index ?? last) + 1;
  }
  return { ok: true, event: null };
}

export type WatchStart =
  | { ok: true; sinceIndex: number; event: V2Event | null }
  | { ok: false; error: V2Error };

/**
 * etcd `Store.Watch` before registration, as a pure step: waitIndex 0 means E+1; a past index
 * is answered from history (the event's etcdIndex becomes E, spec §4.6) or fails with 401.
 * When `event` is null the caller registers a live watcher from `sinceIndex`.
 */
export function startWatch(
  backend: StoreBackend,
  path: string,
  recursive: boolean,
  waitIndex: number,
  currentIndex: number,
): WatchStart {
  const sinceIndex = waitIndex === 0 ? currentIndex + 1 : waitIndex;
  const scan = scanHistory(backend, path, recursive, sinceIndex, currentIndex);
  if (!scan.ok) return scan;
  const event = scan.event === null ? null : { ...scan.event, etcdIndex: currentIndex };
  return { ok: true, sinceIndex, event };
}
