import { describe, expect, test } from "vitest";
import { MemoryBackend } from "../../src/store/memory-backend.js";
import type { StoreBackend } from "../../src/store/backend.js";
import { applyV2, v2Request } from "../../src/store/apply.js";
import { V2Store, type StoreListener } from "../../src/store/store.js";
import type { V2Event } from "../../src/store/types.js";
import { errorMessages, httpStatusOf, v2Error } from "../../src/store/errors.js";
import { k, okEvent, setup } from "./helpers.js";
import { decodeEvent, encodeEvent } from "../../src/store/event-codec.js";
import { scanHistory } from "../../src/store/history.js";

describe("applyV2 dispatch (§3.3)", () => {
  test("PUT/POST/DELETE/GET/QGET map to the etcd operations", () => {
    const { apply, put } = setup();
    expect(put("/a", "1").action).toBe("set");
    expect(okEvent(apply({ method: "PUT", path: "/a", prevExist: true, val: "2" })).action).toBe("update");
    expect(okEvent(apply({ method: "PUT", path: "/a", prevExist: true, prevIndex: 2, val: "3" })).action).toBe("compareAndSwap");
    expect(okEvent(apply({ method: "PUT", path: "/a", prevValue: "3", val: "4" })).action).toBe("compareAndSwap");
    expect(okEvent(apply({ method: "PUT", path: "/b", prevExist: false, prevIndex: 99 })).action).toBe("create");
    expect(okEvent(apply({ method: "POST", path: "/q", prevValue: "x", refresh: true })).action).toBe("create");
    expect(okEvent(apply({ method: "GET", path: "/a" })).action).toBe("get");
    expect(okEvent(apply({ method: "QGET", path: "/a" })).action).toBe("get");
    expect(okEvent(apply({ method: "DELETE", path: "/a", prevIndex: 4, recursive: true })).action).toBe("compareAndDelete");
    expect(okEvent(apply({ method: "DELETE", path: "/b", dir: true })).action).toBe("delete");
  });

  test("case 74: update ignores dir; only set/create/POST honour it", () => {
    const { apply, put } = setup();
    put("/f", "1");
    expect(okEvent(apply({ method: "PUT", path: "/f", prevExist: true, dir: true, val: "v" })).node.dir).toBe(false);
    expect(okEvent(apply({ method: "PUT", path: "/f", prevValue: "v", dir: true, val: "w" })).node.dir).toBe(false);
  });

  test("SYNC returns the expirations and no event", () => {
    const { apply } = setup();
    expect(apply({ method: "SYNC", timeMs: 1 })).toEqual({ ok: true, event: null, expired: [] });
  });
});

describe("errors table (§3.5)", () => {
  test("messages and HTTP statuses", () => {
    expect(v2Error(104, "/c/f", 3)).toEqual({ errorCode: 104, message: "Not a directory", cause: "/c/f", index: 3 });
    expect([100, 101, 102, 104, 105, 107, 108, 110, 201, 209, 300, 301, 401].map(httpStatusOf)).toEqual([
      404, 412, 403, 400, 412, 400, 403, 401, 400, 400, 500, 500, 400,
    ]);
    expect(errorMessages[212]).toBe("A TTL must be provided on refresh");
    expect(errorMessages[401]).toBe("The event in requested index is outdated and cleared");
    expect(() => v2Error(999, "", 0)).toThrow();
  });
});

describe("backend use", () => {
  function counting(): { backend: StoreBackend; calls: Map<string, number> } {
    const inner = new MemoryBackend();
    const calls = new Map<string, number>();
    const backend = new Proxy(inner, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== "function") return v;
        return (...args: unknown[]) => {
          calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    return { backend, calls };
  }

  test("creating a key in a big directory never lists it", () => {
    const { backend, calls } = counting();
    const store = new V2Store(backend);
    for (let i = 0; i < 50; i++) store.set(k(`/big/${i}`), false, "v", 0, false);
    calls.clear();
    store.set(k("/big/new"), false, "v", 0, false);
    store.create(k("/big"), false, "v", true, 0);
    store.update(k("/big/new"), "w", 0, false);
    store.delete(k("/big/new"), false, false);
    expect(calls.get("children") ?? 0).toBe(0);
    expect(calls.get("scanNodes") ?? 0).toBe(0);
    // set: key + parent; POST: parent + key; update: key; delete: key.
    expect(calls.get("getNode") ?? 0).toBe(6);
  });

  test("a StoreListener gets every event with the removed watched paths, deepest first", () => {
    const seen: [V2Event, readonly string[]][] = [];
    const listener: StoreListener = {
      watchedPathsBelow: () => [k("/d/a"), k("/d/a/b"), k("/d/missing"), k("/dx")],
      onEvent: (e, removed) => seen.push([e, removed]),
      watcherCount: () => 7,
    };
    const store = new V2Store(new MemoryBackend());
    store.listener = listener;
    store.set(k("/d/a/b"), false, "1", 0, false);
    store.delete(k("/d"), true, true);
    expect(seen.map(([e, r]) => [e.action, r])).toEqual([
      ["set", []],
      ["delete", [k("/d/a/b"), k("/d/a"), k("/d")]],
    ]);
    expect(store.statsSnapshot().watchers).toBe(7);
    expect(applyV2(store, v2Request({ method: "GET", path: k("/d") })).ok).toBe(false);
  });
});

describe("assertions", () => {
  test("non-integer times and indexes are programmer errors", () => {
    const { store } = setup();
    expect(() => store.set(k("/a"), false, "", Number.NaN, false)).toThrow(/expirationMs/);
    expect(() => store.compareAndDelete(k("/a"), "", 1.5)).toThrow(/prevIndex/);
    expect(() => store.deleteExpiredKeys(Number.POSITIVE_INFINITY)).toThrow(/timeMs/);
  });
});

describe("event time (V2Event.appliedAtMs)", () => {
  test("a write's timeMs reaches the history record and the listener, not the write's own answer", () => {
    const store = new V2Store(new MemoryBackend());
    const heard: V2Event[] = [];
    store.listener = { onEvent: (e) => heard.push(e), watchedPathsBelow: () => [], watcherCount: () => 0 } as StoreListener;
    const t = Date.UTC(2026, 10, 24);
    const r = applyV2(store, v2Request({ method: "PUT", path: "/1/t", val: "v", expirationMs: t + 100_000, timeMs: t }));
    expect(r.ok && r.event?.appliedAtMs).toBe(undefined);
    expect(heard[0]?.appliedAtMs).toBe(t);
    const h = scanHistory(store.backend, "/1/t", false, 1, store.index());
    expect(h.ok && h.event?.appliedAtMs).toBe(t);
    expect(store.eventTimeMs).toBe(0);
    // A request without a time (an older log entry) leaves the event untimed.
    applyV2(store, v2Request({ method: "PUT", path: "/1/u", val: "v" }));
    expect(heard[1]?.appliedAtMs).toBeUndefined();
    expect(decodeEvent(encodeEvent(heard[0]!))).toEqual(heard[0]);
  });
});
