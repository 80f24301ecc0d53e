import { describe, expect, test } from "vitest";
import type { V2Event } from "../../src/store/types.js";
import { hiddenBelow, liveDeliveries, walkMatches } from "../../src/store/watch.js";
import type { Watcher, WatchResult } from "../../src/store/watcher-hub.js";
import { watcherEventsQueuedMax } from "../../src/store/watcher-hub.js";
import { k, okEvent, setup } from "./helpers.js";

function registered(r: WatchResult): Watcher {
  if (!r.ok || r.watcher === null) throw new Error(`expected a registered watcher: ${JSON.stringify(r)}`);
  return r.watcher;
}
function drain(w: Watcher): V2Event[] {
  const out: V2Event[] = [];
  for (let e = w.take(); e !== undefined; e = w.take()) out.push(e);
  return out;
}

describe("live delivery through the WatcherHub", () => {
  test("case 110: a long poll gets the set event; its etcdIndex header value is E at registration", () => {
    const { hub, put, store } = setup();
    put("/x", "0");
    const w = registered(hub.watch(k("/c/w"), false, false, 0));
    expect(w.etcdIndex).toBe(store.index());
    expect(w.sinceIndex).toBe(store.index() + 1);
    const e = put("/c/w", "v1");
    expect(drain(w)).toEqual([e]);
    expect(w.removed).toBe(true);
  });

  test("case 113: with a future sinceIndex only events at or after it are delivered", () => {
    const { hub, put, store } = setup();
    const E = store.index();
    const w = registered(hub.watch(k("/c/w"), false, false, E + 3));
    put("/c/w", "1");
    put("/c/w", "2");
    expect(drain(w)).toEqual([]);
    const third = put("/c/w", "3");
    expect(third.node.modifiedIndex).toBe(E + 3);
    expect(drain(w)).toEqual([third]);
  });

  test("case 114: a non-recursive watch on a dir ignores child changes", () => {
    const { hub, put } = setup();
    put("/c/wd", "", { dir: true });
    const w = registered(hub.watch(k("/c/wd"), false, false, 0));
    put("/c/wd/child", "1");
    expect(drain(w)).toEqual([]);
    expect(w.removed).toBe(false);
  });

  test("case 115: a recursive watch sees children but not hidden ones", () => {
    const { hub, put } = setup();
    const w = registered(hub.watch(k("/c/wd"), true, true, 0));
    put("/c/wd/_hid", "h");
    put("/c/wd/_hdir/x", "h");
    const e = put("/c/wd/child", "1");
    expect(drain(w)).toEqual([e]);
    const other = registered(hub.watch(k("/c/w"), true, false, 0));
    put("/c/wdx", "no"); // a string prefix is not a path prefix
    expect(drain(other)).toEqual([]);
  });

  test("case 116: a watch on a hidden path itself, and below it, sees its events", () => {
    const { hub, put } = setup();
    const w = registered(hub.watch(k("/c/_hid"), true, true, 0));
    const a = put("/c/_hid", "1", { dir: false });
    expect(drain(w)).toEqual([a]);
    const w2 = registered(hub.watch(k("/c/_h2"), true, true, 0));
    const b = put("/c/_h2/x", "1");
    expect(drain(w2)).toEqual([b]);
  });

  test("case 117: deleting an ancestor dir notifies a non-recursive watcher on an existing node below", () => {
    const { apply, hub, put } = setup();
    put("/c/pd/child", "1");
    const w = registered(hub.watch(k("/c/pd/child"), false, false, 0));
    const missing = registered(hub.watch(k("/c/pd/nothere"), false, false, 0));
    const e = okEvent(apply({ method: "DELETE", path: "/c/pd", recursive: true }));
    expect(drain(w)).toEqual([e]);
    expect(e.node).toMatchObject({ key: k("/c/pd"), dir: true });
    expect(drain(missing)).toEqual([]);
  });

  test("case 118/119: expire events reach watchers below an expiring dir and on an expiring key", () => {
    const { apply, hub, put } = setup();
    const T0 = 2_000_000_000_000;
    put("/c/ttldir/k", "v");
    put("/c/ttldir", "", { dir: true, prevExist: true, expirationMs: T0 + 1000 });
    put("/c/tk", "val", { expirationMs: T0 + 1000 });
    const wd = registered(hub.watch(k("/c/ttldir/k"), false, false, 0));
    const wk = registered(hub.watch(k("/c/tk"), false, false, 0));
    apply({ method: "SYNC", timeMs: T0 + 1000 });
    const [ed] = drain(wd);
    expect(ed?.action).toBe("expire");
    expect(ed?.prevNode).toMatchObject({ key: k("/c/ttldir"), dir: true, expirationMs: T0 + 1000 });
    const [ek] = drain(wk);
    expect(ek?.node).toEqual({ key: k("/c/tk"), dir: false, expirationMs: null, modifiedIndex: ek?.etcdIndex, createdIndex: ek?.node.createdIndex });
    expect(ek?.prevNode?.value).toBe("val");
  });

  test("case 120: stream+recursive on a deleted dir gets the delete twice; one-shot once", () => {
    const { apply, hub, put } = setup();
    put("/c/s", "", { dir: true });
    const stream = registered(hub.watch(k("/c/s"), true, true, 0));
    const oneShot = registered(hub.watch(k("/c/s"), true, false, 0));
    const a = put("/c/s/a", "1");
    put("/c/s/_hid", "h");
    const b = put("/c/s/b", "2");
    const d = okEvent(apply({ method: "DELETE", path: "/c/s", recursive: true }));
    expect(drain(stream)).toEqual([a, b, d, d]);
    expect(drain(oneShot)).toEqual([a]);
  });

  test("§4.4 (verified on etcd 3.4): stream watchers on a deleted key also get it twice", () => {
    const { apply, hub, put } = setup();
    put("/k", "1");
    const onKey = registered(hub.watch(k("/k"), false, true, 0));
    const onRoot = registered(hub.watch(k("/"), true, true, 0));
    const d = okEvent(apply({ method: "DELETE", path: "/k" }));
    expect(drain(onKey)).toEqual([d, d]);
    expect(drain(onRoot)).toEqual([d]);
  });

  test("case 69/§4.5: refresh writes are never delivered; the next set is", () => {
    const { apply, hub, put } = setup();
    put("/c/r", "a", { expirationMs: 2_000_000_100_000 });
    const w = registered(hub.watch(k("/c/r"), false, false, 0));
    apply({ method: "PUT", path: "/c/r", prevExist: true, refresh: true, expirationMs: 2_000_000_200_000 });
    apply({ method: "PUT", path: "/c/r", refresh: true, expirationMs: 2_000_000_200_000 });
    expect(drain(w)).toEqual([]);
    const s = put("/c/r", "b");
    expect(drain(w)).toEqual([s]);
  });

  test("case 125: watchers are counted while registered; history answers are never counted", () => {
    const { hub, put, store } = setup();
    const w = registered(hub.watch(k("/c/w"), false, false, 0));
    expect(store.statsSnapshot().watchers).toBe(1);
    put("/c/w", "1");
    expect(store.statsSnapshot().watchers).toBe(0);
    expect(drain(w)).toHaveLength(1);
    const h = hub.watch(k("/c/w"), false, false, 1);
    expect(h.ok && h.event !== null).toBe(true);
    expect(store.statsSnapshot().watchers).toBe(0);
    const s = registered(hub.watch(k("/c/w"), false, true, 0));
    put("/c/w", "2");
    expect(store.statsSnapshot().watchers).toBe(1);
    s.remove();
    s.remove();
    expect(store.statsSnapshot().watchers).toBe(0);
  });

  test("a stream watcher that falls more than 100 events behind is dropped", () => {
    const { hub, put } = setup();
    let wakes = 0;
    const w = registered(hub.watch(k("/c/f"), false, true, 0));
    w.onChange = () => wakes++;
    for (let i = 0; i < watcherEventsQueuedMax; i++) put("/c/f", String(i));
    expect(w.removed).toBe(false);
    put("/c/f", "overflow");
    expect(w.removed).toBe(true);
    expect(w.dropped).toBe(true);
    expect(drain(w)).toHaveLength(watcherEventsQueuedMax);
    expect(wakes).toBe(watcherEventsQueuedMax + 1);
  });
});

describe("pure live matching", () => {
  const ev = (key: string, index = 10, extra: Partial<V2Event> = {}): V2Event => ({
    action: "set",
    node: { key, dir: false, value: "", expirationMs: null, modifiedIndex: index, createdIndex: index },
    etcdIndex: index,
    ...extra,
  });
  const spec = (path: string, recursive = false, stream = false, sinceIndex = 1) => ({ path, recursive, stream, sinceIndex });

  test("§4.3 rules 1, 2, 4, 5", () => {
    expect(liveDeliveries(spec("/1/a"), ev("/1/a"), [])).toBe(1);
    expect(liveDeliveries(spec("/1/a"), ev("/1/a/b"), [])).toBe(0);
    expect(liveDeliveries(spec("/1/a", true), ev("/1/a/b/c"), [])).toBe(1);
    expect(liveDeliveries(spec("/1/a", true), ev("/1/ab"), [])).toBe(0);
    expect(liveDeliveries(spec("/1/a", true), ev("/1/a/_b/c"), [])).toBe(0);
    expect(liveDeliveries(spec("/1/a", true), ev("/1/a/b/_c"), [])).toBe(0);
    expect(liveDeliveries(spec("/1/_a", true), ev("/1/_a/b"), [])).toBe(1);
    expect(liveDeliveries(spec("/", true), ev("/1/a"), [])).toBe(1);
    expect(liveDeliveries(spec("/1/a", false, false, 11), ev("/1/a", 10), [])).toBe(0);
    expect(liveDeliveries(spec("/1/a"), ev("/1/a", 10, { refresh: true }), [])).toBe(0);
  });

  test("§4.3 rule 3 and §4.4: removal callbacks", () => {
    const del = ev("/1/d", 10, { action: "delete" });
    expect(liveDeliveries(spec("/1/d/x/y"), del, ["/1/d/x/y", "/1/d"])).toBe(1);
    expect(liveDeliveries(spec("/1/d/_h"), del, ["/1/d/_h", "/1/d"])).toBe(1);
    expect(liveDeliveries(spec("/1/d/gone"), del, ["/1/d"])).toBe(0);
    expect(liveDeliveries(spec("/1/d", true, true), del, ["/1/d"])).toBe(2);
    expect(liveDeliveries(spec("/1/d", false, true), del, ["/1/d"])).toBe(2);
    expect(liveDeliveries(spec("/1/d", true, false), del, ["/1/d"])).toBe(1);
    expect(liveDeliveries(spec("/1", true, true), del, ["/1/d"])).toBe(1);
  });

  test("hiddenBelow / walkMatches edge cases", () => {
    expect(hiddenBelow("/", "/_x")).toBe(true);
    expect(hiddenBelow("/1/a/b", "/1/a")).toBe(false);
    expect(walkMatches({ path: "/1/a", recursive: true }, "/1/a")).toBe(true);
  });
});
