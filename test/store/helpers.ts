import { expect } from "vitest";
import { applyV2, v2Request } from "../../src/store/apply.js";
import { MemoryBackend } from "../../src/store/memory-backend.js";
import { V2Store } from "../../src/store/store.js";
import type { V2ApplyResult, V2Error, V2Event, V2Request } from "../../src/store/types.js";
import { WatcherHub } from "../../src/store/watcher-hub.js";

/** User keys live under "/1" (spec §0). */
export const k = (p: string): string => (p === "/" ? "/1" : "/1" + p);

export function setup() {
  const backend = new MemoryBackend();
  const store = new V2Store(backend);
  const hub = new WatcherHub(store);
  const apply = (f: Partial<V2Request> & Pick<V2Request, "method">): V2ApplyResult =>
    applyV2(store, v2Request({ ...f, path: f.path === undefined ? "/1" : k(f.path) }));
  const put = (path: string, val = "", extra: Partial<V2Request> = {}) =>
    okEvent(apply({ method: "PUT", path, val, ...extra }));
  return { backend, store, hub, apply, put };
}

export function okEvent(r: V2ApplyResult): V2Event {
  if (!r.ok) throw new Error(`expected success, got ${JSON.stringify(r.error)}`);
  if (r.event === null) throw new Error("expected an event (not SYNC)");
  return r.event;
}

export function errOf(r: V2ApplyResult): V2Error {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.event)}`);
  return r.error;
}

export function expectError(r: V2ApplyResult, errorCode: number, cause: string, index: number): void {
  const e = errOf(r);
  expect({ errorCode: e.errorCode, cause: e.cause, index: e.index }).toEqual({ errorCode, cause, index });
}
