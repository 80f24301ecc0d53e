/**
 * kv/txn against a real etcd 3.4 gateway: compares, branches, nested txns, the revision each
 * operation reports, and the checks that refuse a txn before it runs.
 */
import { describe, it } from "vitest";
import { b64, diff, useTargets } from "./harness.js";

const t = useTargets();

describe("v3 txn", () => {
  it("compare on value, version, create, mod; success and failure branches", () =>
    diff(t, async (c) => {
      await c.post("/v3/kv/put", { key: c.k("a"), value: b64("1") });
      await c.post("/v3/kv/put", { key: c.k("b"), value: b64("2") });
      const a = c.k("a");
      const b = c.k("b");
      await c.post("/v3/kv/txn", {
        compare: [{ key: a, result: "EQUAL", target: "VALUE", value: b64("1") }],
        success: [{ request_put: { key: a, value: b64("x"), prev_kv: true } }, { request_range: { key: a } }],
        failure: [{ request_range: { key: a } }],
      });
      await c.post("/v3/kv/txn", {
        compare: [{ key: a, result: "EQUAL", target: "VALUE", value: b64("1") }],
        success: [{ request_put: { key: a, value: b64("y") } }],
        failure: [{ request_range: { key: a } }, { request_delete_range: { key: c.k("none") } }],
      });
      await c.post("/v3/kv/txn", {
        compare: [
          { key: b, target: "CREATE", create_revision: String(c.R0 + 2) },
          { key: a, result: "GREATER", target: "VERSION", version: 1 },
          { key: c.k("none"), target: "MOD", result: "LESS", mod_revision: 1 },
          { key: b, target: "MOD", result: "NOT_EQUAL", mod_revision: 1 },
          { key: b, target: "LEASE", lease: 0 },
        ],
        success: [{ request_range: { key: b } }, { request_delete_range: { key: b, prev_kv: true } }, { request_put: { key: c.k("c"), value: b64("3") } }, { request_range: { key: c.k("c") } }],
      });
      await c.post("/v3/kv/txn", { compare: [{ key: c.k("none"), target: "VALUE", value: "" }] });
      await c.post("/v3/kv/txn", { compare: [{ key: c.k("none"), target: "VERSION", version: 0 }] });
      await c.post("/v3/kv/txn", { compare: [{ key: c.k("a"), range_end: c.k("d"), target: "VERSION", result: "GREATER", version: "0" }] });
      await c.post("/v3/kv/txn", { compare: [{ key: c.k("a"), range_end: c.k("d"), target: "VALUE", result: "LESS", value: b64("z") }] });
      await c.post("/v3/kv/txn", {});
    }));

  it("nested txns decide their branch on the state before the txn", () =>
    diff(t, async (c) => {
      const k = c.k("n");
      await c.post("/v3/kv/put", { key: k, value: b64("old") });
      await c.post("/v3/kv/txn", {
        success: [
          { request_put: { key: k, value: b64("new") } },
          {
            request_txn: {
              compare: [{ key: k, target: "VALUE", value: b64("new") }],
              success: [{ request_range: { key: k } }],
              failure: [{ request_range: { key: k } }, { request_put: { key: c.k("m"), value: b64("1") } }],
            },
          },
        ],
      });
      await c.post("/v3/kv/range", { key: c.k("m") });
    }));

  it("refused txns: duplicate keys, empty keys, empty ops, too many ops, missing lease, compacted range", () =>
    diff(t, async (c) => {
      const k = c.k("r");
      await c.post("/v3/kv/txn", { success: [{ request_put: { key: k, value: b64("1") } }, { request_put: { key: k, value: b64("2") } }] });
      await c.post("/v3/kv/txn", { success: [{ request_put: { key: k, value: b64("1") } }, { request_delete_range: { key: k } }] });
      await c.post("/v3/kv/txn", { success: [{ request_delete_range: { key: c.k("q"), range_end: c.k("s") } }, { request_put: { key: k, value: b64("2") } }] });
      await c.post("/v3/kv/txn", { success: [{ request_put: { key: k, value: b64("1") } }], failure: [{ request_put: { key: k, value: b64("2") } }] });
      await c.post("/v3/kv/txn", {
        success: [{ request_txn: { success: [{ request_put: { key: k, value: b64("1") } }], failure: [{ request_put: { key: k, value: b64("2") } }] } }],
      });
      await c.post("/v3/kv/txn", { success: [{ request_put: { key: k } }, { request_txn: { success: [{ request_put: { key: k } }] } }] });
      await c.post("/v3/kv/txn", { success: [{ request_put: { key: "", value: b64("1") } }] });
      await c.post("/v3/kv/txn", { compare: [{ key: "", target: "VALUE" }] });
      await c.post("/v3/kv/txn", { success: [{ request_put: { key: k } }, {}] });
      await c.post("/v3/kv/txn", { success: Array.from({ length: 129 }, (_, i) => ({ request_range: { key: c.k(`x${i}`) } })) });
      await c.post("/v3/kv/txn", { success: [{ request_range: { key: k, revision: c.R0 + 999 } }, { request_put: { key: k, lease: 55 } }] });
      await c.post("/v3/kv/txn", { success: [{ request_range: { key: k, revision: c.R0 + 999 } }] });
      await c.post("/v3/kv/txn", { success: [{ request_put: { key: c.k("nope"), ignore_value: true } }] });
      await c.post("/v3/kv/txn", { compare: [{ key: k, target: "BOGUS" }] });
      await c.post("/v3/kv/txn", { success: {} });
      await c.post("/v3/kv/txn", { success: [1] });
      await c.post("/v3/kv/range", { key: k });
    }));
});
