/**
 * One V2Request → one store call: etcd's `apply_v2.go` (POST/PUT/DELETE/QGET/SYNC) plus the
 * local GET of `v2_server.go`. Watches (GET wait=true) are not applied; see WatcherHub.watch.
 *
 * @module
 */
import type { V2Store } from "./store.js";
import type { V2ApplyResult, V2Request } from "./types.js";

export function applyV2(store: V2Store, req: V2Request): V2ApplyResult {
  store.eventTimeMs = req.timeMs;
  try {
    return applyRequest(store, req);
  } finally {
    store.eventTimeMs = 0;
  }
}

function applyRequest(store: V2Store, req: V2Request): V2ApplyResult {
  const { path, val, dir, prevValue, prevIndex, prevExist, expirationMs, refresh } = req;
  switch (req.method) {
    case "POST":
      // prevExist/prevValue/prevIndex/refresh are ignored for in-order creates.
      return store.create(path, dir, val, true, expirationMs);
    case "PUT":
      if (prevExist === true) {
        if (prevIndex === 0 && prevValue === "") return store.update(path, val, expirationMs, refresh);
        return store.compareAndSwap(path, prevValue, prevIndex, val, expirationMs, refresh);
      }
      if (prevExist === false) return store.create(path, dir, val, false, expirationMs);
      if (prevIndex > 0 || prevValue !== "") {
        return store.compareAndSwap(path, prevValue, prevIndex, val, expirationMs, refresh);
      }
      return store.set(path, dir, val, expirationMs, refresh);
    case "DELETE":
      if (prevIndex > 0 || prevValue !== "") return store.compareAndDelete(path, prevValue, prevIndex);
      return store.delete(path, dir, req.recursive);
    case "GET":
    case "QGET":
      return store.get(path, req.recursive, req.sorted);
    case "SYNC":
      return { ok: true, event: null, expired: store.deleteExpiredKeys(req.timeMs) };
    default: {
      const unknown: never = req.method;
      throw new Error(`applyV2: unknown method ${String(unknown)}`);
    }
  }
}

/** A V2Request with every optional field at its "not given" value. */
export function v2Request(fields: Partial<V2Request> & Pick<V2Request, "method">): V2Request {
  return {
    path: "/",
    val: "",
    dir: false,
    prevValue: "",
    prevIndex: 0,
    prevExist: null,
    expirationMs: 0,
    refresh: false,
    recursive: false,
    sorted: false,
    timeMs: 0,
    ...fields,
  };
}
