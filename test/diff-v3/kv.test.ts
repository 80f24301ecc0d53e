/**
 * kv/range, kv/put, kv/deleterange and kv/compaction against a real etcd 3.4 gateway.
 */
import { describe, it } from "vitest";
import { b64, diff, unb64, useTargets } from "./harness.js";

const t = useTargets();

describe("v3 kv", () => {
  it("put, get, overwrite, prev_kv, versions and revisions", () =>
    diff(t, async (c) => {
      await c.post("/v3/kv/put", { key: c.k("a"), value: b64("1") });
      await c.post("/v3/kv/range", { key: c.k("a") });
      await c.post("/v3/kv/put", { key: c.k("a"), value: b64("2"), prev_kv: true });
      await c.post("/v3/kv/range", { key: c.k("a") });
      await c.post("/v3/kv/range", { key: c.k("missing") });
      await c.post("/v3/kv/put", { key: c.k("a"), ignore_value: true });
      await c.post("/v3/kv/range", { key: c.k("a"), keys_only: true });
      await c.post("/v3/kv/put", { key: c.k("empty") });
      await c.post("/v3/kv/range", { key: c.k("empty") });
    }));

  it("prefix ranges, limit, count_only, sorting and revision filters", () =>
    diff(t, async (c) => {
      for (const [k, v] of [["p/b", "3"], ["p/a", "2"], ["p/c", "1"], ["q", "0"]]) await c.post("/v3/kv/put", { key: c.k(k!), value: b64(v!) });
      await c.post("/v3/kv/put", { key: c.k("p/a"), value: b64("9") });
      const from = c.k("p/");
      const end = c.k("p0");
      await c.post("/v3/kv/range", { key: from, range_end: end });
      await c.post("/v3/kv/range", { key: from, range_end: end, limit: 2 });
      await c.post("/v3/kv/range", { key: from, range_end: end, limit: "1" });
      await c.post("/v3/kv/range", { key: from, range_end: end, count_only: true });
      await c.post("/v3/kv/range", { key: from, range_end: end, sort_order: "DESCEND" });
      await c.post("/v3/kv/range", { key: from, range_end: end, sort_order: "ASCEND", sort_target: "VALUE" });
      await c.post("/v3/kv/range", { key: from, range_end: end, sort_target: "MOD", limit: 2 });
      await c.post("/v3/kv/range", { key: from, range_end: end, sort_order: 2, sort_target: "VERSION", limit: 1 });
      await c.post("/v3/kv/range", { key: from, range_end: end, min_mod_revision: c.R0 + 3 });
      await c.post("/v3/kv/range", { key: from, range_end: end, max_create_revision: String(c.R0 + 2) });
      await c.post("/v3/kv/range", { key: from, range_end: end, serializable: true, keys_only: true });
      await c.post("/v3/kv/range", { key: c.k("q"), range_end: c.k("p") });
    }));

  it("ranges at past revisions", () =>
    diff(t, async (c) => {
      await c.post("/v3/kv/put", { key: c.k("h"), value: b64("1") });
      await c.post("/v3/kv/put", { key: c.k("h"), value: b64("2") });
      await c.post("/v3/kv/deleterange", { key: c.k("h") });
      await c.post("/v3/kv/put", { key: c.k("h"), value: b64("3") });
      for (let i = 1; i <= 4; i++) await c.post("/v3/kv/range", { key: c.k("h"), revision: c.R0 + i });
      await c.post("/v3/kv/range", { key: c.k("h"), revision: c.R0 + 100 });
    }));

  it("deleterange: one key, a prefix, prev_kv, nothing to delete", () =>
    diff(t, async (c) => {
      for (const k of ["d/1", "d/2", "d/3", "e"]) await c.post("/v3/kv/put", { key: c.k(k), value: b64(k) });
      await c.post("/v3/kv/deleterange", { key: c.k("d/1"), prev_kv: true });
      await c.post("/v3/kv/deleterange", { key: c.k("d/1") });
      await c.post("/v3/kv/deleterange", { key: c.k("d/"), range_end: c.k("d0"), prev_kv: true });
      await c.post("/v3/kv/range", { key: c.k("d/"), range_end: c.k("d0") });
      await c.post("/v3/kv/put", { key: c.k("d/1"), value: b64("again") });
      await c.post("/v3/kv/range", { key: c.k("d/1") });
    }));

  it("compaction: compacted and future revisions", () =>
    diff(t, async (c) => {
      await c.post("/v3/kv/put", { key: c.k("c"), value: b64("1") });
      await c.post("/v3/kv/put", { key: c.k("c"), value: b64("2") });
      await c.post("/v3/kv/put", { key: c.k("c"), value: b64("3") });
      await c.post("/v3/kv/compaction", { revision: c.R0 + 2 });
      await c.post("/v3/kv/compaction", { revision: c.R0 + 2 });
      await c.post("/v3/kv/compaction", { revision: c.R0 + 1 });
      await c.post("/v3/kv/compaction", { revision: c.R0 + 1000 });
      await c.post("/v3/kv/range", { key: c.k("c"), revision: c.R0 + 1 });
      await c.post("/v3/kv/range", { key: c.k("c"), revision: c.R0 + 2 });
      await c.post("/v3/kv/range", { key: c.k("c"), revision: c.R0 + 3 });
    }));

  it("binary keys and values sort byte-wise", () =>
    diff(t, async (c) => {
      const key = (...bytes: number[]) => Buffer.concat([Buffer.from(unb64(c.k("bin/")), "utf8"), Buffer.from(bytes)]).toString("base64");
      for (const bytes of [[0xff], [0x00], [0x7f, 0x01], [0x80], [0xc3, 0xa9], [0x00, 0x00]]) {
        await c.post("/v3/kv/put", { key: key(...bytes), value: Buffer.from(bytes.map((b) => 255 - b)).toString("base64") });
      }
      await c.post("/v3/kv/range", { key: key(), range_end: c.k("bin0") });
      await c.post("/v3/kv/range", { key: key(0x7f), range_end: key(0xc3), keys_only: true });
      await c.post("/v3/kv/range", { key: key(), range_end: c.k("bin0"), sort_target: "VALUE", sort_order: "DESCEND", limit: 3 });
      await c.post("/v3/kv/deleterange", { key: key(0x00), range_end: key(0x80), prev_kv: true });
    }));

  it("bad input: errors, codes and statuses", () =>
    diff(t, async (c) => {
      await c.post("/v3/kv/put", { key: "", value: b64("x") });
      await c.post("/v3/kv/put", "");
      await c.post("/v3/kv/put", "{bad");
      await c.post("/v3/kv/put", '{"key":"Zm9v"');
      await c.post("/v3/kv/put", "[]");
      await c.post("/v3/kv/put", { key: "!!" });
      await c.post("/v3/kv/put", { key: "Yg=" });
      await c.post("/v3/kv/put", { key: 1 });
      await c.post("/v3/kv/put", { key: c.k("x"), value: b64("v"), ignore_value: true });
      await c.post("/v3/kv/put", { key: c.k("x"), lease: 5, ignore_lease: true });
      await c.post("/v3/kv/put", { key: c.k("nokey"), ignore_value: true });
      await c.post("/v3/kv/put", { key: c.k("x"), value: b64("v"), lease: "12345" });
      await c.post("/v3/kv/range", { key: c.k("x"), limit: 1.5 });
      await c.post("/v3/kv/range", { key: c.k("x"), limit: true });
      await c.post("/v3/kv/range", { key: c.k("x"), keys_only: "true" });
      await c.post("/v3/kv/range", { key: c.k("x"), sort_order: "BOGUS" });
      await c.post("/v3/kv/range", { key: c.k("x"), limit: "abc" });
      await c.post("/v3/kv/range", { key: c.k("x"), limit: "1x" });
      await c.post("/v3/kv/range", { key: c.k("x"), limit: "" });
      await c.post("/v3/kv/range", { key: c.k("x"), limit: "true" });
      await c.post("/v3/kv/range", { key: c.k("x"), sort_order: "<b>" });
      await c.post("/v3/kv/range", "<x");
      await c.post("/v3/kv/range", { range_end: c.k("x") });
      await c.post("/v3/kv/deleterange", {});
      await c.post("/v3/kv/range", '{"key":"' + c.k("x") + '"} trailing');
      await c.post("/v3/kv/range", { keyX: c.k("x"), key: c.k("x"), rangeEnd: c.k("y"), countOnly: true });
      await c.post("/v3/kv/nothing", {});
      const r = await c.raw("/v3/kv/range", {});
      c.note("empty range key status", r.status);
    }));
});
