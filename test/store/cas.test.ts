import { describe, expect, test } from "vitest";
import { errOf, expectError, k, okEvent, setup } from "./helpers.js";

describe("prevExist: create / update", () => {
  test("case 70: prevExist=false creates once, then 105", () => {
    const { apply, store } = setup();
    const e = okEvent(apply({ method: "PUT", path: "/c/n", val: "1", prevExist: false }));
    expect(e.action).toBe("create");
    expect(e.prevNode).toBeUndefined();
    expectError(apply({ method: "PUT", path: "/c/n", val: "1", prevExist: false }), 105, k("/c/n"), store.index());
    expect(errOf(apply({ method: "PUT", path: "/c/n", prevExist: false })).message).toBe("Key already exists");
  });

  test("case 71: create ignores prevValue", () => {
    const { apply } = setup();
    expect(okEvent(apply({ method: "PUT", path: "/c/n2", val: "1", prevExist: false, prevValue: "zzz" })).action).toBe("create");
  });

  test("case 72: update of a missing key is 100", () => {
    const { apply, put, store } = setup();
    put("/c/x", "1");
    expectError(apply({ method: "PUT", path: "/c/nx", val: "1", prevExist: true }), 100, k("/c/nx"), store.index());
  });

  test("cases 73/74: update keeps createdIndex; no value → \"\" even with dir=true", () => {
    const { apply, put } = setup();
    const s = put("/c/n", "1");
    const e = okEvent(apply({ method: "PUT", path: "/c/n", prevExist: true, dir: true }));
    expect(e.action).toBe("update");
    expect(e.node).toEqual({ key: k("/c/n"), value: "", dir: false, expirationMs: null, modifiedIndex: s.etcdIndex + 1, createdIndex: s.node.createdIndex });
    expect(e.prevNode?.value).toBe("1");
    const g = okEvent(apply({ method: "GET", path: "/c/n" }));
    expect(g.node.modifiedIndex).toBe(s.etcdIndex + 1);
    expect(g.node.createdIndex).toBe(s.node.createdIndex);
  });

  test("case 75: update with a value on a dir is 102", () => {
    const { apply, put, store } = setup();
    put("/c/d", "", { dir: true });
    expectError(apply({ method: "PUT", path: "/c/d", val: "x", prevExist: true }), 102, k("/c/d"), store.index());
  });

  test("case 77: create of a dir with a TTL", () => {
    const { apply } = setup();
    const exp = 2_000_000_030_000;
    const e = okEvent(apply({ method: "PUT", path: "/c/nd", dir: true, prevExist: false, expirationMs: exp }));
    expect(e.node).toMatchObject({ dir: true, expirationMs: exp });
  });
});

describe("compare-and-swap", () => {
  function seeded() {
    const s = setup();
    s.put("/pre", "0");
    const set = s.put("/c/s", "one");
    s.put("/c/other", "x");
    return { ...s, I: set.node.modifiedIndex, C: set.node.createdIndex };
  }

  test("cases 78–80: mismatch causes, index = E, nothing changes", () => {
    const { apply, store, I } = seeded();
    const E = store.index();
    expectError(apply({ method: "PUT", path: "/c/s", prevValue: "two", val: "three" }), 101, "[two != one]", E);
    expectError(apply({ method: "PUT", path: "/c/s", prevIndex: 1, val: "three" }), 101, `[1 != ${I}]`, E);
    expectError(apply({ method: "PUT", path: "/c/s", prevIndex: 1, prevValue: "two", val: "three" }), 101, `[two != one] [1 != ${I}]`, E);
    expect(errOf(apply({ method: "PUT", path: "/c/s", prevValue: "x" })).message).toBe("Compare failed");
    expect(store.index()).toBe(E);
  });

  test("case 81: success keeps createdIndex, bumps modifiedIndex, prevNode", () => {
    const { apply, store, C } = seeded();
    const E = store.index();
    const e = okEvent(apply({ method: "PUT", path: "/c/s", prevValue: "one", val: "two" }));
    expect(e.action).toBe("compareAndSwap");
    expect(e.node).toEqual({ key: k("/c/s"), value: "two", dir: false, expirationMs: null, modifiedIndex: E + 1, createdIndex: C });
    expect(e.prevNode?.value).toBe("one");
  });

  test("cases 82/83: prevIndex alone, and prevExist=true with prevValue, are CAS", () => {
    const { apply, I } = seeded();
    const e = okEvent(apply({ method: "PUT", path: "/c/s", prevIndex: I, val: "x" }));
    expect(e.action).toBe("compareAndSwap");
    expect(okEvent(apply({ method: "PUT", path: "/c/s", prevExist: true, prevValue: "x", val: "y" })).action).toBe("compareAndSwap");
    expect(errOf(apply({ method: "PUT", path: "/c/s", prevExist: true, prevValue: "x", val: "z" })).errorCode).toBe(101);
  });

  test("case 86: prevIndex=0 is a plain set", () => {
    const { apply } = seeded();
    expect(okEvent(apply({ method: "PUT", path: "/c/z", prevIndex: 0, val: "z" })).action).toBe("set");
  });

  test("case 87: CAS on a missing key is 100, on a dir 102", () => {
    const { apply, put, store } = seeded();
    put("/c/d", "", { dir: true });
    expectError(apply({ method: "PUT", path: "/c/none", prevValue: "a" }), 100, k("/c/none"), store.index());
    expectError(apply({ method: "PUT", path: "/c/d", prevValue: "a" }), 102, k("/c/d"), store.index());
  });
});

describe("compare-and-delete", () => {
  test("cases 88/89: mismatch causes; success has no value; repeat is 100", () => {
    const { apply, put, store } = setup();
    const s = put("/c/s", "v");
    const E = store.index();
    expectError(apply({ method: "DELETE", path: "/c/s", prevValue: "wrong" }), 101, "[wrong != v]", E);
    expectError(apply({ method: "DELETE", path: "/c/s", prevIndex: 1 + s.node.modifiedIndex }), 101, `[${1 + s.node.modifiedIndex} != ${s.node.modifiedIndex}]`, E);
    const e = okEvent(apply({ method: "DELETE", path: "/c/s", prevValue: "v" }));
    expect(e.action).toBe("compareAndDelete");
    expect(e.node).toEqual({ key: k("/c/s"), dir: false, expirationMs: null, modifiedIndex: E + 1, createdIndex: s.node.createdIndex });
    expect(e.prevNode?.value).toBe("v");
    expectError(apply({ method: "DELETE", path: "/c/s", prevValue: "v" }), 100, k("/c/s"), E + 1);
  });

  test("case 91: CAD on a dir is 102 (dir/recursive ignored)", () => {
    const { apply, put, store } = setup();
    put("/c/d/x", "1");
    expectError(apply({ method: "DELETE", path: "/c/d", prevValue: "x", recursive: true }), 102, k("/c/d"), store.index());
  });
});

describe("in-order keys", () => {
  test("cases 92/93: POST names are %020d of the new index and sort in creation order", () => {
    const { apply, put } = setup();
    put("/x", "1");
    const a = okEvent(apply({ method: "POST", path: "/c/queue", val: "J1" }));
    expect(a.action).toBe("create");
    expect(a.node.key).toBe(k("/c/queue/00000000000000000002"));
    expect(a.node.createdIndex).toBe(2);
    const b = okEvent(apply({ method: "POST", path: "/c/queue", val: "J2" }));
    expect(b.node.key > a.node.key).toBe(true);
    const g = okEvent(apply({ method: "GET", path: "/c/queue", sorted: true }));
    expect(g.node.nodes?.map((n) => n.value)).toEqual(["J1", "J2"]);
    // The implicit queue dir carries the first child's index.
    expect(g.node.createdIndex).toBe(2);
  });

  test("case 94: POST ignores prevExist", () => {
    const { apply } = setup();
    okEvent(apply({ method: "POST", path: "/c/queue", val: "J1" }));
    expect(okEvent(apply({ method: "POST", path: "/c/queue", val: "J2", prevExist: true })).action).toBe("create");
  });

  test("case 95: POST dir=true with a TTL creates an in-order dir", () => {
    const { apply } = setup();
    const e = okEvent(apply({ method: "POST", path: "/c/queue", dir: true, expirationMs: 2_000_000_100_000 }));
    expect(e.node).toMatchObject({ dir: true, expirationMs: 2_000_000_100_000 });
    expect(e.node.value).toBeUndefined();
  });
});
