/**
 * The StoreBackend contract, run against every implementation (memory here; the lead's SQLite
 * backend later): `runBackendContract("sqlite", () => new SqliteBackend(...))`.
 */
import { describe, expect, test as vitestTest } from "vitest";
import type { NodeRecord, StoreBackend } from "../../src/store/backend.js";

function key(path: string, value: string, index: number, expirationMs: number | null = null): NodeRecord {
  return { path, dir: false, value, createdIndex: index, modifiedIndex: index, expirationMs };
}
function dir(path: string, index: number, expirationMs: number | null = null): NodeRecord {
  return { path, dir: true, value: "", createdIndex: index, modifiedIndex: index, expirationMs };
}
function paths(ns: NodeRecord[]): string[] {
  return ns.map((n) => n.path);
}
function rec(index: number, key = `/k${index}`) {
  return { index, key, data: new Uint8Array([index & 0xff, 7]) };
}

/**
 * `run` executes each test body where the backend lives: directly for memory, inside the
 * Durable Object (runInDurableObject) for SQLite.
 */
export function runBackendContract(
  name: string,
  makeBackend: () => StoreBackend,
  run: (body: () => void) => void | Promise<void> = (body) => body(),
): void {
  const test = (title: string, body: () => void) => vitestTest(title, () => run(body));
  describe(`StoreBackend contract: ${name}`, () => {
    function fresh(): StoreBackend {
      const b = makeBackend();
      b.putNode(dir("/", 0));
      return b;
    }

    test("getNode of a missing path is undefined; put/get round-trips every field", () => {
      const b = fresh();
      expect(b.getNode("/a")).toBeUndefined();
      const n: NodeRecord = { path: "/a", dir: false, value: "v é\u0000", createdIndex: 3, modifiedIndex: 5, expirationMs: 1_900_000_000_123 };
      b.putNode(n);
      expect(b.getNode("/a")).toEqual(n);
      b.putNode(dir("/d", 6));
      expect(b.getNode("/d")).toEqual(dir("/d", 6));
    });

    test("returned records are copies", () => {
      const b = fresh();
      b.putNode(key("/a", "1", 1));
      const got = b.getNode("/a");
      if (got === undefined) throw new Error("missing");
      got.value = "changed";
      expect(b.getNode("/a")?.value).toBe("1");
    });

    test("putNode replaces, including key → dir", () => {
      const b = fresh();
      b.putNode(key("/a", "1", 1));
      b.putNode(key("/a", "2", 2));
      expect(b.getNode("/a")?.value).toBe("2");
      b.putNode(dir("/a", 3));
      expect(b.getNode("/a")).toEqual(dir("/a", 3));
      b.putNode(key("/a/x", "x", 4));
      expect(paths(b.children("/a"))).toEqual(["/a/x"]);
    });

    test("children lists immediate children only", () => {
      const b = fresh();
      b.putNode(dir("/d", 1));
      b.putNode(key("/d/a", "a", 2));
      b.putNode(dir("/d/s", 3));
      b.putNode(key("/d/s/deep", "x", 4));
      b.putNode(key("/dx", "y", 5));
      expect(paths(b.children("/d")).sort()).toEqual(["/d/a", "/d/s"]);
      expect(paths(b.children("/")).sort()).toEqual(["/d", "/dx"]);
      expect(b.children("/d/a")).toEqual([]);
      expect(b.children("/nope")).toEqual([]);
      if (b.hasChildren !== undefined) {
        expect(b.hasChildren("/d")).toBe(true);
        expect(b.hasChildren("/d/s/deep")).toBe(false);
        b.putNode(dir("/e", 6));
        expect(b.hasChildren("/e")).toBe(false);
      }
    });

    test("removeTree removes the subtree and nothing that merely shares a string prefix", () => {
      const b = fresh();
      b.putNode(dir("/a", 1));
      b.putNode(dir("/a/b", 2));
      b.putNode(key("/a/b/c", "c", 3, 2_000_000_000_000));
      b.putNode(key("/ab", "x", 4));
      b.putNode(key("/a b", "y", 5));
      b.removeTree("/a");
      expect(b.getNode("/a")).toBeUndefined();
      expect(b.getNode("/a/b")).toBeUndefined();
      expect(b.getNode("/a/b/c")).toBeUndefined();
      expect(b.getNode("/ab")?.value).toBe("x");
      expect(b.getNode("/a b")?.value).toBe("y");
      expect(paths(b.children("/")).sort()).toEqual(["/a b", "/ab"]);
      expect(b.expiredBy(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
      expect(b.earliestExpirationMs()).toBeNull();
      b.removeTree("/missing");
      b.putNode(key("/k", "1", 6));
      b.removeTree("/k");
      expect(b.getNode("/k")).toBeUndefined();
    });

    test("expiredBy orders by (expirationMs, path), is inclusive and limited", () => {
      const b = fresh();
      b.putNode(key("/c", "c", 1, 300));
      b.putNode(key("/b", "b", 2, 100));
      b.putNode(key("/a", "a", 3, 300));
      b.putNode(dir("/d", 4, 200));
      b.putNode(key("/p", "p", 5));
      expect(b.earliestExpirationMs()).toBe(100);
      expect(paths(b.expiredBy(300, 10))).toEqual(["/b", "/d", "/a", "/c"]);
      expect(paths(b.expiredBy(299, 10))).toEqual(["/b", "/d"]);
      expect(paths(b.expiredBy(300, 2))).toEqual(["/b", "/d"]);
      expect(b.expiredBy(99, 10)).toEqual([]);
    });

    test("replacing a node moves or clears its expiration", () => {
      const b = fresh();
      b.putNode(key("/a", "a", 1, 100));
      b.putNode(key("/a", "a", 2, 500));
      expect(paths(b.expiredBy(400, 10))).toEqual([]);
      expect(b.earliestExpirationMs()).toBe(500);
      b.putNode(key("/a", "a", 3));
      expect(b.earliestExpirationMs()).toBeNull();
      expect(b.expiredBy(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    });

    test("the etcd index starts at 0 and is stored", () => {
      const b = fresh();
      expect(b.getIndex()).toBe(0);
      b.setIndex(42);
      expect(b.getIndex()).toBe(42);
    });

    test("history keeps the newest historyMax records", () => {
      const b = fresh();
      expect(b.historyStartIndex()).toBe(0);
      expect(b.historyLastIndex()).toBe(0);
      expect(b.historyFrom(1, 10)).toEqual([]);
      for (let i = 1; i <= 7; i++) b.appendHistory(rec(i), 5);
      expect(b.historyStartIndex()).toBe(3);
      expect(b.historyLastIndex()).toBe(7);
      const got = b.historyFrom(4, 2);
      expect(got.map((r) => r.index)).toEqual([4, 5]);
      expect(got[0]?.key).toBe("/k4");
      expect([...(got[0]?.data ?? [])]).toEqual([4, 7]);
      expect(b.historyFrom(1, 100).map((r) => r.index)).toEqual([3, 4, 5, 6, 7]);
      expect(b.historyFrom(8, 100)).toEqual([]);
    });

    test("scanNodes pages through every node in path order", () => {
      const b = fresh();
      b.putNode(dir("/b", 1));
      b.putNode(key("/b/x", "x", 2));
      b.putNode(key("/a", "a", 3));
      b.putNode(key("/a b", "s", 4));
      b.putNode(dir("/c", 5));
      const all = paths(b.scanNodes("", 100));
      expect(all).toEqual(["/", "/a", "/a b", "/b", "/b/x", "/c"]);
      const p1 = b.scanNodes("", 2);
      const p2 = b.scanNodes(p1[1]?.path ?? "", 2);
      const p3 = b.scanNodes(p2[1]?.path ?? "", 2);
      const p4 = b.scanNodes(p3[1]?.path ?? "", 2);
      expect([...paths(p1), ...paths(p2), ...paths(p3)]).toEqual(all);
      expect(p4).toEqual([]);
    });

    test("clear drops nodes, index and history", () => {
      const b = fresh();
      b.putNode(key("/a", "a", 1, 100));
      b.setIndex(9);
      b.appendHistory(rec(9), 10);
      b.clear();
      expect(b.getNode("/a")).toBeUndefined();
      expect(b.getNode("/")).toBeUndefined();
      expect(b.getIndex()).toBe(0);
      expect(b.historyLastIndex()).toBe(0);
      expect(b.earliestExpirationMs()).toBeNull();
      expect(b.scanNodes("", 10)).toEqual([]);
    });
  });
}
