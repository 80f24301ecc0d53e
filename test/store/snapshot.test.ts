import { describe, expect, test } from "vitest";
import { MemoryBackend } from "../../src/store/memory-backend.js";
import {
  restoreSnapshot,
  saveSnapshot,
  SnapshotRestorer,
  snapshotPages,
} from "../../src/store/snapshot.js";
import { V2Store } from "../../src/store/store.js";
import type { StoreBackend } from "../../src/store/backend.js";
import { WatcherHub } from "../../src/store/watcher-hub.js";
import { k, okEvent, setup } from "./helpers.js";

function dump(b: StoreBackend) {
  const start = b.historyStartIndex();
  return {
    index: b.getIndex(),
    nodes: b.scanNodes("", 1_000_000),
    history: start === 0 ? [] : b.historyFrom(start, 10_000).map((r) => ({ ...r, data: [...r.data] })),
    start,
    last: b.historyLastIndex(),
    earliest: b.earliestExpirationMs(),
  };
}

function populated() {
  const s = setup();
  s.put("/a", "1");
  s.put("/d/x/y", "deep", { expirationMs: 2_000_000_000_000 });
  s.put("/d/_h", "hidden");
  s.put("/t", "", { dir: true, expirationMs: 2_000_000_500_000 });
  s.apply({ method: "POST", path: "/q", val: "j" });
  s.apply({ method: "DELETE", path: "/a" });
  for (let i = 0; i < 1200; i++) s.put("/n/" + (i % 300), String(i));
  return s;
}

describe("snapshot save / restore", () => {
  test("round trip restores nodes, etcd index and history exactly", () => {
    const { backend } = populated();
    const bytes = saveSnapshot(backend);
    const target = new MemoryBackend();
    new V2Store(target).set("/1/junk", false, "x", 0, false);
    restoreSnapshot(target, bytes);
    expect(dump(target)).toEqual(dump(backend));
  });

  test("a restored store serves and watches like the original", () => {
    const { backend, store } = populated();
    const target = new MemoryBackend();
    restoreSnapshot(target, saveSnapshot(backend));
    const restored = new V2Store(target);
    const hub = new WatcherHub(restored);
    expect(restored.index()).toBe(store.index());
    expect(restored.get(k("/d"), true, true)).toEqual(store.get(k("/d"), true, true));
    const old = hub.watch(k("/n/295"), false, false, store.index() - 10);
    expect(old.ok && old.event?.node.key).toBe(k("/n/295"));
    const r = restored.deleteExpiredKeys(2_000_000_000_000);
    expect(r.map((e) => e.node.key)).toEqual([k("/d/x/y")]);
  });

  test("paged form: pages of ≤ N nodes, applied in order, equal to the whole", () => {
    const { backend } = populated();
    const pages = [...snapshotPages(backend, 7)];
    const total = backend.scanNodes("", 1_000_000).length;
    expect(pages.length).toBe(Math.floor(total / 7) + 1);
    const target = new MemoryBackend();
    const restorer = new SnapshotRestorer(target);
    pages.forEach((p, i) => expect(restorer.apply(p)).toBe(i === pages.length - 1));
    expect(restorer.done).toBe(true);
    expect(dump(target)).toEqual(dump(backend));
  });

  test("pages out of order are refused", () => {
    const { backend } = populated();
    const pages = [...snapshotPages(backend, 50)];
    const restorer = new SnapshotRestorer(new MemoryBackend());
    expect(() => restorer.apply(pages[1] as Uint8Array)).toThrow(/out of order/);
  });

  test("a fresh store snapshots and restores too", () => {
    const { backend } = setup();
    const target = new MemoryBackend();
    restoreSnapshot(target, saveSnapshot(backend));
    expect(dump(target)).toEqual(dump(backend));
    expect(okEvent(new V2Store(target).get("/1", false, false)).node.dir).toBe(true);
  });
});
