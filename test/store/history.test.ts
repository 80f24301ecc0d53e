import { describe, expect, test } from "vitest";
import { historyEventsMax, scanHistory, startWatch } from "../../src/store/history.js";
import type { WatchResult } from "../../src/store/watcher-hub.js";
import { k, okEvent, setup } from "./helpers.js";

function immediate(r: WatchResult) {
  if (!r.ok || r.event === null) throw new Error(`expected an event from history: ${JSON.stringify(r)}`);
  return r.event;
}

describe("history watches", () => {
  test("case 111: waitIndex at a past event returns it at once with etcdIndex = current E", () => {
    const { hub, put, store } = setup();
    const s = put("/c/w", "v1");
    put("/x", "later");
    const e = immediate(hub.watch(k("/c/w"), false, false, s.node.modifiedIndex));
    expect(e).toEqual({ ...s, etcdIndex: store.index() });
  });

  test("case 112: recursive watch on the user root skips /0 events", () => {
    const { hub, store, put } = setup();
    store.set("/0/members/1/attributes", false, "{}", 0, false);
    const u = put("/first", "x");
    const e = immediate(hub.watch(k("/"), true, false, 1));
    expect(e.node.key).toBe(u.node.key);
  });

  test("future or unmatched waitIndex falls through to a registered watcher", () => {
    const { hub, put } = setup();
    put("/a", "1");
    const r = hub.watch(k("/b"), false, false, 1);
    expect(r.ok && r.event === null && r.watcher !== null).toBe(true);
  });

  test("case 121: after the ring wraps, an old waitIndex is 401 with [start/since], index = E", () => {
    const { hub, put, store, backend } = setup();
    for (let i = 0; i < 1050; i++) put("/else", String(i));
    const E = store.index();
    expect(backend.historyStartIndex()).toBe(E - historyEventsMax + 1);
    const r = hub.watch(k("/c/w"), false, false, 46);
    if (r.ok) throw new Error("expected 401");
    expect(r.error).toEqual({
      errorCode: 401,
      message: "The event in requested index is outdated and cleared",
      cause: `the requested history has been cleared [${E - 999}/46]`,
      index: E,
    });
    expect(immediate(hub.watch(k("/else"), false, false, E - 999)).node.modifiedIndex).toBe(E - 999);
  });

  test("case 122: history scans do not filter hidden keys", () => {
    const { hub, put } = setup();
    const s = put("/c/hd2/_secret", "s");
    expect(immediate(hub.watch(k("/c/hd2"), true, false, s.node.modifiedIndex))).toMatchObject({ node: s.node });
  });

  test("case 123: a dir delete matches any watch path it is a string prefix of", () => {
    const { apply, hub, put } = setup();
    put("/c/pq/x", "1");
    const d = okEvent(apply({ method: "DELETE", path: "/c/pq", recursive: true }));
    const e = immediate(hub.watch(k("/c/pqr"), false, false, d.node.modifiedIndex));
    expect(e.node.key).toBe(k("/c/pq"));
    // A key delete has no such reach.
    put("/c/kk", "1");
    const kd = okEvent(apply({ method: "DELETE", path: "/c/kk" }));
    const r = hub.watch(k("/c/kkz"), false, false, kd.node.modifiedIndex);
    expect(r.ok && r.event === null).toBe(true);
  });

  test("§4.5: a waitIndex on a refresh returns the next real event", () => {
    const { apply, hub, put } = setup();
    put("/c/r", "a", { expirationMs: 2_000_000_100_000 });
    const rf = okEvent(apply({ method: "PUT", path: "/c/r", prevExist: true, refresh: true, expirationMs: 2_000_000_200_000 }));
    const s = put("/c/r", "b");
    expect(immediate(hub.watch(k("/c/r"), false, false, rf.node.modifiedIndex)).node.modifiedIndex).toBe(s.node.modifiedIndex);
  });

  test("scanHistory pages through more than one backend page", () => {
    const { put, store, backend } = setup();
    const first = put("/target", "t");
    for (let i = 0; i < 350; i++) put("/noise", String(i));
    const last = put("/target", "u");
    const r = scanHistory(backend, k("/target"), false, first.node.modifiedIndex + 1, store.index());
    expect(r).toEqual({ ok: true, event: last });
    // Callers turn waitIndex 0 into E+1 first; below StartIndex is always "cleared".
    expect(scanHistory(backend, k("/target"), false, 0, 9).ok).toBe(false);
  });
});

describe("startWatch (pure registration step)", () => {
  test("waitIndex 0 starts at E+1; a past index is answered with etcdIndex = E", () => {
    const { backend, put, store } = setup();
    const s = put("/a", "1");
    put("/b", "2");
    const E = store.index();
    expect(startWatch(backend, k("/a"), false, 0, E)).toEqual({ ok: true, sinceIndex: E + 1, event: null });
    expect(startWatch(backend, k("/a"), false, s.node.modifiedIndex, E)).toEqual({
      ok: true,
      sinceIndex: s.node.modifiedIndex,
      event: { ...s, etcdIndex: E },
    });
  });
});
