/**
 * lease/grant, revoke, keepalive, timetolive and leases against a real etcd 3.4 gateway, and
 * keys attached to leases.
 */
import { describe, it } from "vitest";
import { b64, diff, useTargets } from "./harness.js";

const t = useTargets();
let n = 0;
/** An explicit lease ID per case: both servers must grant the same one. */
const leaseId = () => String(7_000_000 + process.pid * 100 + ++n);

describe("v3 lease", () => {
  it("grant, attach keys, timetolive, keepalive, revoke", () => {
    const id = leaseId();
    return diff(t, async (c) => {
      await c.post("/v3/lease/grant", { TTL: 60, ID: id });
      await c.post("/v3/lease/grant", { TTL: 60, ID: id });
      await c.post("/v3/kv/put", { key: c.k("l1"), value: b64("1"), lease: id });
      await c.post("/v3/kv/put", { key: c.k("l2"), value: b64("2"), lease: Number(id) });
      await c.post("/v3/kv/range", { key: c.k("l1") });
      await c.post("/v3/lease/timetolive", { ID: id, keys: true });
      await c.post("/v3/kv/lease/timetolive", { ID: id });
      await c.post("/v3/lease/keepalive", { ID: id });
      await c.post("/v3/kv/put", { key: c.k("l1"), value: b64("3"), ignore_lease: true });
      await c.post("/v3/kv/put", { key: c.k("l2"), value: b64("4") });
      await c.post("/v3/lease/timetolive", { ID: id, keys: true });
      await c.post("/v3/kv/txn", { compare: [{ key: c.k("l1"), target: "LEASE", lease: id }], success: [{ request_range: { key: c.k("l"), range_end: c.k("m") } }] });
      await c.post("/v3/lease/revoke", { ID: id });
      await c.post("/v3/kv/range", { key: c.k("l"), range_end: c.k("m") });
      await c.post("/v3/lease/revoke", { ID: id });
      await c.post("/v3/kv/lease/revoke", { ID: id });
      await c.post("/v3/lease/timetolive", { ID: id });
      await c.post("/v3/lease/keepalive", { ID: id });
      await c.post("/v3/kv/put", { key: c.k("l3"), value: b64("1"), lease: id });
    });
  });

  it("the minimum TTL, too large TTLs, drawn IDs, leases listed", () =>
    diff(t, async (c) => {
      const drawn = await c.post("/v3/lease/grant", { TTL: 1 });
      await c.post("/v3/lease/grant", { TTL: 99_999_999_999 });
      await c.post("/v3/lease/timetolive", { ID: drawn.ID }, "timetolive of the drawn lease");
      const listed = (await c.raw("/v3/lease/leases", {})).body;
      c.note("drawn lease listed", JSON.parse(listed).leases.some((l: { ID: string }) => l.ID === drawn.ID));
      await c.post("/v3/lease/revoke", { ID: drawn.ID }, "revoke the drawn lease");
    }));

  it("an expired lease deletes its keys", () => {
    const id = leaseId();
    return diff(t, async (c) => {
      await c.post("/v3/lease/grant", { TTL: 2, ID: id });
      await c.post("/v3/kv/put", { key: c.k("e1"), value: b64("1"), lease: id });
      await c.post("/v3/kv/put", { key: c.k("e2"), value: b64("2"), lease: id });
      await c.waitFor(async () => JSON.parse((await c.raw("/v3/kv/range", { key: c.k("e1") })).body).count === undefined, 20_000);
      await c.post("/v3/kv/range", { key: c.k("e"), range_end: c.k("f") });
      await c.post("/v3/lease/timetolive", { ID: id });
    });
  });
});
