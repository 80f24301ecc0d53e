import { describe, expect, test } from "vitest";
import { expectError, k, okEvent, setup } from "./helpers.js";

/** "Now" for these tests (Unix ms, 2033): the store never reads a clock. */
const T0 = 2_000_000_000_000;
const sec = 1000;

describe("TTL expiry only through SYNC", () => {
  test("cases 50–52: a TTL key stays until SYNC passes its expiration; the expiry is one index", () => {
    const { apply, put, store } = setup();
    const s = put("/c/t", "v", { expirationMs: T0 + 5 * sec });
    expect(s.node.expirationMs).toBe(T0 + 5 * sec);
    expect(store.nextExpirationMs()).toBe(T0 + 5 * sec);
    const E = store.index();
    const early = apply({ method: "SYNC", timeMs: T0 + 5 * sec - 1 });
    expect(early).toEqual({ ok: true, event: null, expired: [] });
    expect(okEvent(apply({ method: "GET", path: "/c/t" })).node.value).toBe("v");
    const r = apply({ method: "SYNC", timeMs: T0 + 5 * sec });
    if (!r.ok || r.event !== null) throw new Error("SYNC result");
    expect(r.expired).toEqual([
      {
        action: "expire",
        node: { key: k("/c/t"), dir: false, expirationMs: null, modifiedIndex: E + 1, createdIndex: s.node.createdIndex },
        prevNode: { ...s.node },
        etcdIndex: E + 1,
      },
    ]);
    expect(store.index()).toBe(E + 1);
    expectError(apply({ method: "GET", path: "/c/t" }), 100, k("/c/t"), E + 1);
    expect(store.nextExpirationMs()).toBeNull();
  });

  test("each expiry is its own index and event, in expiration order", () => {
    const { apply, put, store } = setup();
    put("/b", "b", { expirationMs: T0 + 2 * sec });
    put("/a", "a", { expirationMs: T0 + 3 * sec });
    put("/c", "c", { expirationMs: T0 + 1 * sec });
    put("/p", "p");
    const E = store.index();
    const r = apply({ method: "SYNC", timeMs: T0 + 10 * sec });
    if (!r.ok || r.event !== null) throw new Error("SYNC result");
    expect(r.expired.map((e) => [e.node.key, e.node.modifiedIndex])).toEqual([
      [k("/c"), E + 1],
      [k("/b"), E + 2],
      [k("/a"), E + 3],
    ]);
    expect(store.index()).toBe(E + 3);
    expect(store.statsSnapshot().expireCount).toBe(3);
  });

  test("case 53/54: update without TTL clears it; prevNode keeps it", () => {
    const { apply, put, store } = setup();
    put("/c/t", "v", { expirationMs: T0 + 100 * sec });
    const e = okEvent(apply({ method: "PUT", path: "/c/t", prevExist: true, val: "v" }));
    expect(e.node.expirationMs).toBeNull();
    expect(e.prevNode?.expirationMs).toBe(T0 + 100 * sec);
    expect(store.nextExpirationMs()).toBeNull();
    put("/c/t", "v", { expirationMs: T0 + 100 * sec });
    okEvent(apply({ method: "PUT", path: "/c/t", prevValue: "v", val: "w" }));
    expect(okEvent(apply({ method: "GET", path: "/c/t" })).node.expirationMs).toBeNull();
  });

  test("case 57: an expiration already due shows and is swept by the next SYNC", () => {
    const { apply, put } = setup();
    const e = put("/c/z", "z", { expirationMs: T0 });
    expect(e.node.expirationMs).toBe(T0);
    apply({ method: "SYNC", timeMs: T0 + 1 });
    expect(apply({ method: "GET", path: "/c/z" }).ok).toBe(false);
  });

  test("case 58: set/create with an expiration before 2000 is permanent", () => {
    const { put } = setup();
    expect(put("/c/big", "b", { expirationMs: -5 }).node.expirationMs).toBeNull();
    expect(put("/c/old", "b", { expirationMs: 946_684_799_999 }).node.expirationMs).toBeNull();
    expect(put("/c/new", "b", { expirationMs: 946_684_800_000 }).node.expirationMs).toBe(946_684_800_000);
  });

  test("case 59/118: a dir TTL takes the subtree with one expire event", () => {
    const { apply, put, store } = setup();
    const d = put("/c/td", "", { dir: true, expirationMs: T0 + sec });
    put("/c/td/k", "v", { expirationMs: T0 + 50 * sec });
    const E = store.index();
    const r = apply({ method: "SYNC", timeMs: T0 + 2.5 * sec });
    if (!r.ok || r.event !== null) throw new Error("SYNC result");
    expect(r.expired).toHaveLength(1);
    expect(r.expired[0]?.node).toEqual({ key: k("/c/td"), dir: true, expirationMs: null, modifiedIndex: E + 1, createdIndex: d.node.createdIndex });
    expect(r.expired[0]?.prevNode).toEqual({ key: k("/c/td"), dir: true, expirationMs: T0 + sec, modifiedIndex: d.node.modifiedIndex, createdIndex: d.node.createdIndex });
    expect(store.index()).toBe(E + 1);
    expect(apply({ method: "GET", path: "/c/td/k" }).ok).toBe(false);
    // The child's own TTL went with it.
    expect(store.nextExpirationMs()).toBeNull();
  });

  test("case 60: dir TTL update — the event has the new index, the stored dir keeps its own", () => {
    const { apply, put, store } = setup();
    const d = put("/c/td2", "", { dir: true, expirationMs: T0 + 30 * sec });
    put("/x", "1");
    const E = store.index();
    const e = okEvent(apply({ method: "PUT", path: "/c/td2", dir: true, prevExist: true, expirationMs: T0 + 60 * sec }));
    expect(e.action).toBe("update");
    expect(e.node).toEqual({ key: k("/c/td2"), dir: true, expirationMs: T0 + 60 * sec, modifiedIndex: E + 1, createdIndex: d.node.createdIndex });
    const g = okEvent(apply({ method: "GET", path: "/c/td2" }));
    expect(g.node.modifiedIndex).toBe(d.node.modifiedIndex);
    expect(g.node.expirationMs).toBe(T0 + 60 * sec);
    expect(store.index()).toBe(E + 1);
  });
});

test("update/CAS keep a pre-2000 expiration as is: it expires at the next SYNC (etcd 3.4.23: ttl=99999999999 on update)", () => {
  const { apply, put } = setup();
  put("/wrap", "1");
  put("/wrap2", "1");
  // The HTTP layer's 64-bit wrap of a huge ttl lands in 1688.
  const wrapped = -8_835_000_000_000;
  const u = okEvent(apply({ method: "PUT", path: "/wrap", prevExist: true, val: "1", expirationMs: wrapped }));
  expect(u.node.expirationMs).toBe(wrapped);
  okEvent(apply({ method: "PUT", path: "/wrap2", prevValue: "1", val: "1", expirationMs: wrapped }));
  const r = apply({ method: "SYNC", timeMs: T0 });
  if (!r.ok || r.event !== null) throw new Error("SYNC result");
  expect(r.expired.map((e) => e.node.key)).toEqual([k("/wrap"), k("/wrap2")]);
});

describe("refresh", () => {
  test("case 61: update refresh keeps value and createdIndex, replaces TTL", () => {
    const { apply, put } = setup();
    const s = put("/c/r", "a", { expirationMs: T0 + 100 * sec });
    const e = okEvent(apply({ method: "PUT", path: "/c/r", prevExist: true, refresh: true, expirationMs: T0 + 50 * sec }));
    expect(e).toMatchObject({ action: "update", refresh: true });
    expect(e.node).toMatchObject({ value: "a", expirationMs: T0 + 50 * sec, createdIndex: s.node.createdIndex });
  });

  test("case 64: set refresh keeps the value but replaces the node (new createdIndex)", () => {
    const { apply, put } = setup();
    put("/c/r", "a", { expirationMs: T0 + 100 * sec });
    const e = okEvent(apply({ method: "PUT", path: "/c/r", refresh: true, expirationMs: T0 + 50 * sec }));
    expect(e.action).toBe("set");
    expect(e.node).toMatchObject({ value: "a", createdIndex: e.etcdIndex, expirationMs: T0 + 50 * sec });
    expect(e.prevNode?.value).toBe("a");
  });

  test("case 65: set refresh on a missing key is 100", () => {
    const { apply, put, store } = setup();
    put("/c/x", "1");
    expectError(apply({ method: "PUT", path: "/c/none", refresh: true, expirationMs: T0 }), 100, k("/c/none"), store.index());
  });

  test("case 66: CAS refresh keeps the value", () => {
    const { apply, put } = setup();
    put("/c/r", "a", { expirationMs: T0 + 100 * sec });
    const e = okEvent(apply({ method: "PUT", path: "/c/r", prevValue: "a", refresh: true, expirationMs: T0 + 50 * sec }));
    expect(e.action).toBe("compareAndSwap");
    expect(e.node.value).toBe("a");
  });

  test("case 67: refresh on a dir via update works; via set is 102", () => {
    const { apply, put, store } = setup();
    put("/c/d", "", { dir: true, expirationMs: T0 + 100 * sec });
    expect(okEvent(apply({ method: "PUT", path: "/c/d", prevExist: true, refresh: true, expirationMs: T0 })).action).toBe("update");
    expectError(apply({ method: "PUT", path: "/c/d", refresh: true, expirationMs: T0 }), 102, k("/c/d"), store.index());
  });

  test("refresh writes consume an index and a history slot, flagged", () => {
    const { apply, put, store, backend } = setup();
    put("/c/r", "a", { expirationMs: T0 + 100 * sec });
    const E = store.index();
    apply({ method: "PUT", path: "/c/r", prevExist: true, refresh: true, expirationMs: T0 });
    expect(store.index()).toBe(E + 1);
    expect(backend.historyLastIndex()).toBe(E + 1);
  });
});
