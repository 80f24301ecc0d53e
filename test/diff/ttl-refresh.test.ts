// Differential: §14 TTL (cases 50–60) and refresh (61–69).
import { describe, expect, test } from "vitest";
import { diff, form, useTargets } from "./harness.js";

const t = useTargets();
const K = "/v2/keys";
const is404 = (r: { status: number }) => r.status === 404;

describe("TTL", () => {
  test("cases 50–52: ttl=5 shows expiration and ttl, then expires (E + 1)", () =>
    diff(t, async (c) => {
      const r = await c.req("PUT", `${K}${c.p}/t`, { body: form({ value: "v", ttl: "5" }) });
      expect(c.json(r).node.ttl).toBe(5);
      const g = await c.req("GET", `${K}${c.p}/t`);
      expect(c.json(g).node.expiration).toBe(c.json(r).node.expiration);
      await c.until("GET", `${K}${c.p}/t`, is404, 9_000);
      await c.req("GET", `${K}${c.p}`);
    }));

  test("cases 53–54: update with empty ttl or without ttl clears the TTL", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/t`, { body: form({ value: "v", ttl: "100" }) });
      const u = await c.req("PUT", `${K}${c.p}/t?prevExist=true`, { body: form({ value: "v", ttl: "" }) });
      expect(c.json(u).node.expiration).toBeUndefined();
      await c.req("PUT", `${K}${c.p}/t2`, { body: form({ value: "v", ttl: "100" }) });
      await c.req("PUT", `${K}${c.p}/t2?prevExist=true`, { body: form({ value: "w" }) });
      await c.req("PUT", `${K}${c.p}/t3`, { body: form({ value: "v", ttl: "100" }) });
      await c.req("PUT", `${K}${c.p}/t3?prevValue=v`, { body: form({ value: "w" }) });
    }));

  test("cases 55–56: bad ttl → 202, index 0", () =>
    diff(t, async (c) => {
      const r = await c.req("PUT", `${K}${c.p}/t`, { body: form({ value: "v", ttl: "abc" }) });
      expect(c.json(r).errorCode).toBe(202);
      await c.req("PUT", `${K}${c.p}/t`, { body: form({ value: "v", ttl: "-1" }) });
      await c.req("PUT", `${K}${c.p}/t`, { body: form({ value: "v", ttl: " 1" }) });
      await c.req("PUT", `${K}${c.p}/t`, { body: form({ value: "v", ttl: "18446744073709551616" }) });
      await c.req("PUT", `${K}${c.p}/t?ttl=`, { body: form({ value: "v" }) });
    }));

  test("case 57: ttl=0 has expiration but no ttl, and is gone soon", () =>
    diff(t, async (c) => {
      const r = await c.req("PUT", `${K}${c.p}/z`, { body: form({ value: "z", ttl: "0" }) });
      expect(c.json(r).node.ttl).toBeUndefined();
      expect(c.json(r).node.expiration).toBeDefined();
      await c.until("GET", `${K}${c.p}/z`, is404, 3_000);
    }));

  test("case 58: a huge ttl wraps to a permanent key", () =>
    diff(t, async (c) => {
      const r = await c.req("PUT", `${K}${c.p}/big`, { body: form({ value: "b", ttl: "99999999999" }) });
      expect(c.json(r).node.expiration).toBeUndefined();
      await c.req("PUT", `${K}${c.p}/max`, { body: form({ value: "b", ttl: "18446744073709551615" }) });
    }));

  test("extra: an update with a huge ttl keeps the pre-2000 expiration and expires at the next SYNC", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/w`, { body: form({ value: "1" }) });
      const r = await c.raw("PUT", `${K}${c.p}/w?prevExist=true`, { body: form({ value: "1", ttl: "99999999999" }) });
      c.note("update status", r.status);
      c.note("expiration year", c.json(r).node.expiration.slice(0, 4));
      await c.until("GET", `${K}${c.p}/w`, is404, 3_000);
    }));

  test("case 59: a dir with ttl=1 expires with its subtree (E + 1)", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/td?dir=true`, { body: form({ ttl: "1" }) });
      await c.req("PUT", `${K}${c.p}/td/k`, { body: form({ value: "v" }) });
      await c.until("GET", `${K}${c.p}/td`, is404, 4_000);
      await c.req("GET", `${K}${c.p}/td/k`);
    }));

  test("case 60: dir TTL update reports a new modifiedIndex but GET keeps the old one", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/td2?dir=true`, { body: form({ ttl: "30" }) });
      const u = await c.req("PUT", `${K}${c.p}/td2?dir=true&prevExist=true`, { body: form({ ttl: "60" }) });
      expect(c.json(u).node.ttl).toBe(60);
      await c.req("GET", `${K}${c.p}/td2`);
      await c.req("PUT", `${K}${c.p}/td2?prevExist=true`);
      await c.req("GET", `${K}${c.p}/td2`);
    }));
});

describe("refresh", () => {
  test("cases 61–65: refresh via update and set, value/ttl rules, missing key", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/r`, { body: form({ value: "a", ttl: "100" }) });
      const r = await c.req("PUT", `${K}${c.p}/r?prevExist=true`, { body: form({ ttl: "50", refresh: "true" }) });
      expect(c.json(r).node.value).toBe("a");
      await c.req("PUT", `${K}${c.p}/r`, { body: form({ refresh: "true", ttl: "5", value: "x" }) });
      await c.req("PUT", `${K}${c.p}/r`, { body: form({ refresh: "true" }) });
      await c.req("PUT", `${K}${c.p}/r?refresh=true&ttl=`, { body: form({ value: "" }) });
      await c.req("PUT", `${K}${c.p}/r`, { body: form({ ttl: "50", refresh: "true" }) });
      await c.req("PUT", `${K}${c.p}/none`, { body: form({ ttl: "5", refresh: "true" }) });
      await c.req("PUT", `${K}${c.p}/none/deeper`, { body: form({ ttl: "5", refresh: "true" }) });
      await c.req("PUT", `${K}${c.p}/r?refresh=maybe`, { body: form({ ttl: "5" }) });
      await c.req("PUT", `${K}${c.p}/r?refresh=false`, { body: form({ value: "v" }) });
    }));

  test("cases 66–68: refresh with CAS, on a dir, and on DELETE", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/r`, { body: form({ value: "a", ttl: "100" }) });
      const r = await c.req("PUT", `${K}${c.p}/r?prevValue=a`, { body: form({ ttl: "50", refresh: "true" }) });
      expect(c.json(r).action).toBe("compareAndSwap");
      await c.req("PUT", `${K}${c.p}/rd?dir=true`, { body: form({ ttl: "100" }) });
      await c.req("PUT", `${K}${c.p}/rd?prevExist=true`, { body: form({ ttl: "50", refresh: "true" }) });
      await c.req("PUT", `${K}${c.p}/rd`, { body: form({ ttl: "50", refresh: "true" }) });
      await c.req("DELETE", `${K}${c.p}/r?refresh=true`);
      await c.req("POST", `${K}${c.p}/q?refresh=true&ttl=5`);
    }));

  test("case 69: a watcher stays silent across a refresh, then gets the next set", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/r`, { body: form({ value: "a", ttl: "100" }) });
      const w = c.watch(`${K}${c.p}/r?wait=true`);
      c.record("watch headers", await w.headers);
      const ref = await c.req("PUT", `${K}${c.p}/r?prevExist=true`, { body: form({ ttl: "50", refresh: "true" }) });
      const refreshIndex = c.json(ref).node.modifiedIndex;
      await c.req("PUT", `${K}${c.p}/r`, { body: form({ value: "b" }) });
      const got = await w.done;
      c.record("watch", got);
      expect(JSON.parse(got.body).node.value).toBe("b");
      // A history watch at the refresh's index skips it (spec §4.5).
      const h = c.watch(`${K}${c.p}/r?wait=true&waitIndex=${refreshIndex}`);
      c.record("history watch", await h.done);
    }));
});
