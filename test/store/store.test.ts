import { describe, expect, test } from "vitest";
import { errorMessages } from "../../src/store/errors.js";
import { errOf, expectError, k, okEvent, setup } from "./helpers.js";

describe("basic key operations", () => {
  test("case 1: set of a new key — index E+1, no prevNode", () => {
    const { store, put } = setup();
    const E0 = store.index();
    const e = put("/c/a", "1");
    expect(e).toEqual({
      action: "set",
      node: { key: k("/c/a"), value: "1", dir: false, expirationMs: null, modifiedIndex: E0 + 1, createdIndex: E0 + 1 },
      etcdIndex: E0 + 1,
    });
    expect(store.index()).toBe(E0 + 1);
  });

  test("case 2: set replaces the node — createdIndex changes, prevNode is the old key", () => {
    const { put } = setup();
    const first = put("/c/a", "1");
    const e = put("/c/a", "2");
    expect(e.node.createdIndex).toBe(first.node.modifiedIndex + 1);
    expect(e.node.modifiedIndex).toBe(e.node.createdIndex);
    expect(e.prevNode).toEqual(first.node);
  });

  test("case 3: get of a key reports the current E", () => {
    const { apply, put, store } = setup();
    put("/c/a", "2");
    put("/other", "x");
    const e = okEvent(apply({ method: "GET", path: "/c/a" }));
    expect(e.action).toBe("get");
    expect(e.node.value).toBe("2");
    expect(e.etcdIndex).toBe(store.index());
  });

  test("case 5/6: Key not found names the first missing prefix, index = E", () => {
    const { apply, put, store } = setup();
    put("/c/x", "1");
    expectError(apply({ method: "GET", path: "/c/missing" }), 100, k("/c/missing"), store.index());
    expectError(apply({ method: "GET", path: "/c/nope/deeper" }), 100, k("/c/nope"), store.index());
    expect(errOf(apply({ method: "GET", path: "/c/missing" })).message).toBe("Key not found");
  });

  test("case 7: delete — node without value, new modifiedIndex, prevNode", () => {
    const { apply, put } = setup();
    const set = put("/c/a", "2");
    const e = okEvent(apply({ method: "DELETE", path: "/c/a" }));
    expect(e.action).toBe("delete");
    expect(e.node).toEqual({ key: k("/c/a"), dir: false, expirationMs: null, modifiedIndex: set.etcdIndex + 1, createdIndex: set.node.createdIndex });
    expect(e.node.value).toBeUndefined();
    expect(e.prevNode?.value).toBe("2");
  });

  test("case 8: a key set without value holds the empty string", () => {
    const { apply, put } = setup();
    put("/c/e");
    const e = okEvent(apply({ method: "GET", path: "/c/e" }));
    expect(e.node.value).toBe("");
    expect("value" in e.node).toBe(true);
  });

  test("case 13/17: store paths are cleaned; names may hold spaces", () => {
    const { apply, put } = setup();
    expect(put("/c/a b", "s").node.key).toBe(k("/c/a b"));
    expect(okEvent(apply({ method: "GET", path: "/c/a b/" })).node.key).toBe(k("/c/a b"));
  });
});

describe("root", () => {
  test("case 21: root listing — dir with no indexes, namespace /1 created at index 0", () => {
    const { apply, store } = setup();
    expect(store.index()).toBe(0);
    const e = okEvent(apply({ method: "GET", path: "/" }));
    expect(e.node).toEqual({ key: "/1", dir: true, expirationMs: null, nodes: [], modifiedIndex: 0, createdIndex: 0 });
  });

  test("cases 23–26: writes to the root are 107 with cause /", () => {
    const { apply, store } = setup();
    const E = store.index();
    expectError(apply({ method: "PUT", path: "/", val: "x" }), 107, "/", E);
    expectError(apply({ method: "PUT", path: "/", val: "x", prevExist: true }), 107, "/", E);
    expectError(apply({ method: "PUT", path: "/", val: "x", prevValue: "z" }), 107, "/", E);
    expectError(apply({ method: "PUT", path: "/", val: "x", prevExist: false }), 107, "/", E);
    expectError(apply({ method: "DELETE", path: "/", recursive: true }), 107, "/", E);
    expect(errOf(apply({ method: "DELETE", path: "/" })).message).toBe(errorMessages[107]);
    expect(store.index()).toBe(E);
  });

  test("case 27: compare-and-delete on the root is 102 with the namespace key as cause", () => {
    const { apply } = setup();
    // "/1" trims to "" at the HTTP layer, so the rendered error has no cause.
    expectError(apply({ method: "DELETE", path: "/", prevValue: "z" }), 102, "/1", 0);
  });

  test("case 28: POST on the root creates a 20-digit in-order key", () => {
    const { apply } = setup();
    const e = okEvent(apply({ method: "POST", path: "/", val: "r" }));
    expect(e.action).toBe("create");
    expect(e.node.key).toBe("/1/00000000000000000001");
  });
});

describe("directories", () => {
  test("case 29: set dir=true — dir node, no value", () => {
    const { put } = setup();
    const e = put("/c/d", "", { dir: true });
    expect(e.node).toEqual({ key: k("/c/d"), dir: true, expirationMs: null, modifiedIndex: 1, createdIndex: 1 });
  });

  test("cases 30–32: an existing dir cannot be set (102) or created (105)", () => {
    const { apply, put, store } = setup();
    put("/c/d", "", { dir: true });
    const E = store.index();
    expectError(apply({ method: "PUT", path: "/c/d", dir: true }), 102, k("/c/d"), E);
    expectError(apply({ method: "PUT", path: "/c/d", val: "x" }), 102, k("/c/d"), E);
    expectError(apply({ method: "PUT", path: "/c/d", dir: true, prevExist: false }), 105, k("/c/d"), E);
    expect(store.index()).toBe(E);
  });

  test("case 33: dir=true ignores a value", () => {
    const { put } = setup();
    const e = put("/c/d2", "ignored", { dir: true });
    expect(e.node.dir).toBe(true);
    expect(e.node.value).toBeUndefined();
  });

  test("cases 34–37: deleting directories needs dir or recursive; dir needs empty", () => {
    const { apply, put, store } = setup();
    put("/c/d/k", "1");
    const E = store.index();
    expectError(apply({ method: "DELETE", path: "/c/d" }), 102, k("/c/d"), E);
    expectError(apply({ method: "DELETE", path: "/c/d", dir: true }), 108, k("/c/d"), E);
    const e = okEvent(apply({ method: "DELETE", path: "/c/d", recursive: true }));
    expect(e.node).toMatchObject({ key: k("/c/d"), dir: true, modifiedIndex: E + 1 });
    expect(e.prevNode).toEqual({ key: k("/c/d"), dir: true, expirationMs: null, modifiedIndex: E, createdIndex: E });
    expect(e.prevNode?.nodes).toBeUndefined();
    expectError(apply({ method: "GET", path: "/c/d/k" }), 100, k("/c/d"), E + 1);
    put("/c/ed", "", { dir: true });
    expect(okEvent(apply({ method: "DELETE", path: "/c/ed", dir: true })).action).toBe("delete");
  });

  test("case 38: a key deletes fine with dir=true", () => {
    const { apply, put } = setup();
    put("/c/f", "1");
    expect(okEvent(apply({ method: "DELETE", path: "/c/f", dir: true })).action).toBe("delete");
  });

  test("case 39: set dir=true over a key replaces it", () => {
    const { put } = setup();
    put("/c/f", "1");
    const e = put("/c/f", "", { dir: true });
    expect(e.node.dir).toBe(true);
    expect(e.prevNode?.value).toBe("1");
  });

  test("cases 40/41/96: Not a directory names the first key component", () => {
    const { apply, put, store } = setup();
    put("/c/f", "1");
    const E = store.index();
    expectError(apply({ method: "PUT", path: "/c/f/x", val: "1" }), 104, k("/c/f"), E);
    expectError(apply({ method: "PUT", path: "/c/f/x/y", val: "1", prevExist: false }), 104, k("/c/f"), E);
    expectError(apply({ method: "GET", path: "/c/f/x/y" }), 104, k("/c/f"), E);
    expectError(apply({ method: "POST", path: "/c/f", val: "1" }), 104, k("/c/f"), E);
    expectError(apply({ method: "DELETE", path: "/c/f/x" }), 104, k("/c/f"), E);
    expect(store.index()).toBe(E);
  });

  test("case 42: implicit parents get the new key's index and no event", () => {
    const { apply, put, backend } = setup();
    const e = put("/c/p/q/r", "1");
    const I = e.node.createdIndex;
    const g = okEvent(apply({ method: "GET", path: "/c/p" }));
    expect(g.node).toEqual({
      key: k("/c/p"), dir: true, expirationMs: null, modifiedIndex: I, createdIndex: I,
      nodes: [{ key: k("/c/p/q"), dir: true, expirationMs: null, modifiedIndex: I, createdIndex: I }],
    });
    expect(backend.historyLastIndex()).toBe(I);
    expect(backend.historyStartIndex()).toBe(I);
  });

  test("case 43: recursive get nests down to the keys", () => {
    const { apply, put } = setup();
    put("/c/p/q/r", "1");
    const g = okEvent(apply({ method: "GET", path: "/c/p", recursive: true }));
    expect(g.node.nodes?.[0]?.nodes?.[0]).toMatchObject({ key: k("/c/p/q/r"), value: "1" });
  });

  test("case 44: an empty dir lists no children", () => {
    const { apply, put } = setup();
    put("/c/empty", "", { dir: true });
    expect(okEvent(apply({ method: "GET", path: "/c/empty" })).node.nodes).toEqual([]);
  });

  test("case 45: sorted listing orders by key at every level", () => {
    const { apply, put } = setup();
    put("/c/l/b", "b");
    put("/c/l/a", "a");
    put("/c/l/sub/y", "y");
    put("/c/l/sub/x", "x");
    put("/c/l/emptysub", "", { dir: true });
    const g = okEvent(apply({ method: "GET", path: "/c/l", sorted: true, recursive: true }));
    expect(g.node.nodes?.map((n) => n.key)).toEqual(["a", "b", "emptysub", "sub"].map((s) => k("/c/l/" + s)));
    expect(g.node.nodes?.[3]?.nodes?.map((n) => n.key)).toEqual([k("/c/l/sub/x"), k("/c/l/sub/y")]);
  });

  test("case 46: a parent dir's modifiedIndex does not change when children are added", () => {
    const { apply, put } = setup();
    const d = put("/c/m", "", { dir: true });
    put("/c/m/a", "1");
    apply({ method: "DELETE", path: "/c/m/a" });
    expect(okEvent(apply({ method: "GET", path: "/c/m" })).node.modifiedIndex).toBe(d.node.modifiedIndex);
  });
});

describe("hidden nodes", () => {
  test("cases 47–49: hidden children are omitted from listings at every depth, readable by path", () => {
    const { apply, put } = setup();
    put("/c/hd/_h", "1");
    put("/c/hd/v", "2");
    put("/c/hd/_sub/x", "3");
    put("/c/hd/s/_deep", "4");
    const g = okEvent(apply({ method: "GET", path: "/c/hd", sorted: true, recursive: true }));
    expect(g.node.nodes?.map((n) => n.key)).toEqual([k("/c/hd/s"), k("/c/hd/v")]);
    expect(g.node.nodes?.[0]?.nodes).toEqual([]);
    expect(okEvent(apply({ method: "GET", path: "/c/hd/_h" })).node.value).toBe("1");
    expect(okEvent(apply({ method: "GET", path: "/c/hd/_sub" })).node.nodes?.map((n) => n.key)).toEqual([k("/c/hd/_sub/x")]);
  });
});

describe("index arithmetic", () => {
  test("one index per successful mutation; reads and failures add nothing", () => {
    const { apply, put, store } = setup();
    put("/a", "1");
    put("/a", "2");
    apply({ method: "PUT", path: "/a", prevValue: "nomatch", val: "3" });
    apply({ method: "GET", path: "/a" });
    apply({ method: "GET", path: "/zz" });
    apply({ method: "PUT", path: "/a", prevExist: true, val: "4" });
    apply({ method: "POST", path: "/q", val: "j" });
    apply({ method: "DELETE", path: "/a" });
    apply({ method: "DELETE", path: "/a" });
    expect(store.index()).toBe(5);
  });
});
