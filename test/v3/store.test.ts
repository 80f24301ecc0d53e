// The pure v3 store (src/v3) over the memory backend: revisions, compaction, leases by entry time, watch scans.
import { describe, expect, test } from "vitest";
import { MemoryV3Backend } from "../../src/v3/memory-backend.js";
import { V3Store } from "../../src/v3/store.js";
import type { PutRequest, RangeRequest, V3Result } from "../../src/v3/types.js";
import { scanEvents } from "../../src/v3/watch.js";

const hex = (s: string) => Buffer.from(s).toString("hex");
const put = (key: string, value: string, lease = "0"): PutRequest => ({ key: hex(key), value: Buffer.from(value), lease, prevKv: false, ignoreValue: false, ignoreLease: false });
const range = (key: string, end = "", revision = 0): RangeRequest => ({
  key: hex(key), end: end === "" ? "" : end === "\0" ? "00" : hex(end), revision, limit: 0, sortOrder: 0, sortTarget: 0, serializable: false,
  keysOnly: false, countOnly: false, minModRevision: 0, maxModRevision: 0, minCreateRevision: 0, maxCreateRevision: 0,
});

function body<K extends string>(r: V3Result, kind: K): any {
  if (!r.ok) throw new Error(r.error.message);
  expect(r.response.kind).toBe(kind);
  return r.response.body;
}

function fresh(): V3Store {
  return new V3Store(new MemoryV3Backend(), 2);
}

describe("revisions", () => {
  test("a fresh store is at revision 1; each write adds one; a no-op delete adds none", () => {
    const s = fresh();
    expect(s.revision()).toBe(1);
    expect(body(s.apply({ op: "put", req: put("a", "1") }, 0), "put").revision).toBe(2);
    expect(body(s.apply({ op: "deleteRange", req: { key: hex("zz"), end: "", prevKv: false } }, 0), "deleteRange")).toMatchObject({ revision: 2, deleted: 0 });
    const kv = body(s.range(range("a")), "range").kvs[0];
    expect(kv).toMatchObject({ createRevision: 2, modRevision: 2, version: 1 });
  });

  test("delete and re-create starts a new generation: version 1, new create revision", () => {
    const s = fresh();
    s.apply({ op: "put", req: put("a", "1") }, 0);
    s.apply({ op: "put", req: put("a", "2") }, 0);
    s.apply({ op: "deleteRange", req: { key: hex("a"), end: "", prevKv: false } }, 0);
    s.apply({ op: "put", req: put("a", "3") }, 0);
    expect(body(s.range(range("a")), "range").kvs[0]).toMatchObject({ createRevision: 5, modRevision: 5, version: 1 });
    expect(body(s.range(range("a", "", 3)), "range").kvs[0]).toMatchObject({ createRevision: 2, modRevision: 3, version: 2 });
    expect(body(s.range(range("a", "", 4)), "range").kvs).toEqual([]);
  });

  test("compaction keeps each key's newest revision at or below it and drops tombstones", () => {
    const s = fresh();
    s.apply({ op: "put", req: put("a", "1") }, 0); // 2
    s.apply({ op: "put", req: put("b", "1") }, 0); // 3
    s.apply({ op: "put", req: put("a", "2") }, 0); // 4
    s.apply({ op: "deleteRange", req: { key: hex("b"), end: "", prevKv: false } }, 0); // 5
    s.apply({ op: "put", req: put("c", "1") }, 0); // 6
    expect(s.apply({ op: "compact", revision: 5 }, 0).ok).toBe(true);
    expect(body(s.range(range("a", "\0", 5)), "range").kvs.map((kv: any) => kv.key)).toEqual([hex("a")]);
    expect(s.range(range("a", "", 4))).toMatchObject({ ok: false, error: { code: 11 } });
    expect(s.historyFrom(1, 100).map((r) => [r.revision, r.tombstone])).toEqual([[4, false], [6, false]]);
  });
});

describe("leases by the entry's time", () => {
  test("grant, keepalive and expiry use the time carried by the entry", () => {
    const s = fresh();
    expect(body(s.apply({ op: "leaseGrant", id: "7", ttl: 1 }, 1_000), "leaseGrant")).toMatchObject({ id: "7", ttl: 2 });
    s.apply({ op: "put", req: put("k", "v", "7") }, 1_000);
    expect(s.earliestLeaseExpiryMs()).toBe(3_000);
    expect(body(s.apply({ op: "leaseKeepAlive", id: "7" }, 2_500), "leaseKeepAlive").ttl).toBe(2);
    expect(body(s.apply({ op: "leaseExpire" }, 4_000), "expired").revoked).toEqual([]);
    expect(body(s.timeToLive("7", true, 4_000), "leaseTimeToLive")).toMatchObject({ ttl: 0, grantedTtl: 2, keys: [hex("k")] });
    expect(body(s.apply({ op: "leaseExpire" }, 4_500), "expired").revoked).toEqual(["7"]);
    expect(body(s.range(range("k")), "range").kvs).toEqual([]);
    expect(body(s.apply({ op: "leaseKeepAlive", id: "7" }, 5_000), "leaseKeepAlive").ttl).toBe(0);
  });

  test("a keepalive of an expired, not yet revoked lease finds nothing", () => {
    const s = fresh();
    s.apply({ op: "leaseGrant", id: "9", ttl: 5 }, 0);
    expect(body(s.apply({ op: "leaseKeepAlive", id: "9" }, 5_000), "leaseKeepAlive").ttl).toBe(0);
  });
});

describe("watch scans", () => {
  test("a txn's events stay in one batch when a page ends inside it", () => {
    const s = fresh();
    s.apply({ op: "put", req: put("a", "1") }, 0);
    const ops = ["x", "y", "z"].map((k) => ({ put: put(k, "1") }));
    s.apply({ op: "txn", req: { compare: [], success: ops, failure: [] } }, 0);
    const filter = { ranges: [{ key: "", end: "00" }], prevKv: false, noPut: false, noDelete: false };
    const first = scanEvents(s, 2, filter, 2);
    expect(first.events.map((e) => e.revision)).toEqual([2]);
    expect(first.nextFrom).toBe(3);
    const second = scanEvents(s, first.nextFrom, filter, 2);
    expect(second.events.map((e) => e.revision)).toEqual([3, 3, 3]);
    expect(second.nextFrom).toBe(4);
  });
});
