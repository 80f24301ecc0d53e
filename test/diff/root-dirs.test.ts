// Differential: §14 root (21–28), directories (29–46), hidden nodes (47–49), and the
// history watch from index 1 on a fresh server (case 112) which must run first.
import { describe, expect, test } from "vitest";
import { diff, form, useTargets } from "./harness.js";

const t = useTargets();
const K = "/v2/keys";

describe("root on a fresh server", () => {
  test("cases 21–22: fresh GET /v2/keys/ and /v2/keys → bare root dir, X-Etcd-Index 3", () =>
    diff(t, async (c) => {
      const r = await c.req("GET", `${K}/`);
      expect(r.body).toBe('{"action":"get","node":{"dir":true}}\n');
      expect(r.headers["x-etcd-index"]).toBe("3");
      c.note("absolute index", r.headers["x-etcd-index"]);
      await c.req("GET", K);
      await c.req("GET", `${K}?recursive=true&sorted=true`);
    }));

  test("case 112: recursive root history watch from waitIndex=1 returns the first user event", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/first`, { body: form({ value: "1" }) });
      const w = c.watch(`${K}/?wait=true&recursive=true&waitIndex=1`);
      c.record("watch", await w.done);
      expect(w.text()).toContain(`${c.p}/first`);
    }));
});

describe("root", () => {
  test("cases 23–27: root is read only; CAD on root has no cause", () =>
    diff(t, async (c) => {
      const r = await c.req("PUT", `${K}/`, { body: form({ value: "x" }) });
      expect(c.json(r).errorCode).toBe(107);
      await c.req("PUT", `${K}/?prevExist=true`, { body: form({ value: "x" }) });
      await c.req("PUT", `${K}/?prevValue=z`, { body: form({ value: "x" }) });
      await c.req("PUT", `${K}?prevExist=false`, { body: form({ value: "x" }) });
      await c.req("PUT", `${K}/?dir=true`);
      await c.req("DELETE", `${K}/?recursive=true`);
      await c.req("DELETE", `${K}/`);
      const cad = await c.req("DELETE", `${K}/?prevValue=z`);
      expect(c.json(cad).cause).toBeUndefined();
      await c.req("DELETE", `${K}/?prevIndex=1`);
    }));

  test("case 28: POST on the root creates a 20-digit in-order key", () =>
    diff(t, async (c) => {
      const r = await c.req("POST", K, { body: form({ value: "r" }) });
      expect(c.json(r).node.key).toMatch(/^\/\d{20}$/);
      await c.raw("DELETE", `${K}${c.json(r).node.key}`);
    }));
});

describe("directories", () => {
  test("cases 29–33: create dir, re-create fails 102, value on dir 102, prevExist=false 105, value ignored", () =>
    diff(t, async (c) => {
      const r = await c.req("PUT", `${K}${c.p}/d?dir=true`);
      expect(r.status).toBe(201);
      await c.req("PUT", `${K}${c.p}/d?dir=true`);
      await c.req("PUT", `${K}${c.p}/d`, { body: form({ value: "x" }) });
      await c.req("PUT", `${K}${c.p}/d?prevExist=false&dir=true`);
      await c.req("PUT", `${K}${c.p}/d2?dir=true`, { body: form({ value: "ignored" }) });
    }));

  test("cases 34–38: delete rules for dirs and keys", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/d/k`, { body: form({ value: "1" }) });
      await c.req("DELETE", `${K}${c.p}/d`);
      await c.req("DELETE", `${K}${c.p}/d?dir=true`);
      const r = await c.req("DELETE", `${K}${c.p}/d?recursive=true`);
      expect(c.json(r).prevNode.nodes).toBeUndefined();
      await c.req("PUT", `${K}${c.p}/ed?dir=true`);
      await c.req("DELETE", `${K}${c.p}/ed?dir=true`);
      await c.req("PUT", `${K}${c.p}/f`, { body: form({ value: "1" }) });
      await c.req("DELETE", `${K}${c.p}/f?dir=true`);
      await c.req("DELETE", `${K}${c.p}/f`);
      await c.req("DELETE", `${K}${c.p}/gone?recursive=true`);
    }));

  test("cases 39–41: key replaced by dir; Not a directory on write and read", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/f`, { body: form({ value: "1" }) });
      const r = await c.req("PUT", `${K}${c.p}/f?dir=true`);
      expect(c.json(r).prevNode.value).toBe("1");
      await c.req("PUT", `${K}${c.p}/g`, { body: form({ value: "1" }) });
      await c.req("PUT", `${K}${c.p}/g/x`, { body: form({ value: "1" }) });
      await c.req("GET", `${K}${c.p}/g/x/y`);
      await c.req("DELETE", `${K}${c.p}/g/x`);
      await c.req("PUT", `${K}${c.p}/g/x?prevExist=false`, { body: form({ value: "1" }) });
    }));

  test("cases 42–44, 46: implicit parents, recursive listing, empty dir, dir modifiedIndex stays", () =>
    diff(t, async (c) => {
      const r = await c.req("PUT", `${K}${c.p}/p/q/r`, { body: form({ value: "1" }) });
      expect(r.status).toBe(201);
      await c.req("GET", `${K}${c.p}/p`);
      await c.req("GET", `${K}${c.p}/p?recursive=true`);
      await c.req("PUT", `${K}${c.p}/empty?dir=true`);
      const e = await c.req("GET", `${K}${c.p}/empty?recursive=true`);
      expect(c.json(e).node.nodes).toBeUndefined();
      await c.req("PUT", `${K}${c.p}/p/q/s`, { body: form({ value: "2" }) });
      await c.req("DELETE", `${K}${c.p}/p/q/r`);
      await c.req("GET", `${K}${c.p}/p?recursive=true&sorted=true`);
    }));

  test("case 45: sorted listing a, b, emptysub, sub", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/l/b`, { body: form({ value: "b" }) });
      await c.req("PUT", `${K}${c.p}/l/a`, { body: form({ value: "a" }) });
      await c.req("PUT", `${K}${c.p}/l/sub/x`, { body: form({ value: "x" }) });
      await c.req("PUT", `${K}${c.p}/l/emptysub?dir=true`);
      const r = await c.req("GET", `${K}${c.p}/l?sorted=true`);
      expect(c.json(r).node.nodes.map((n: { key: string }) => n.key)).toEqual(
        ["a", "b", "emptysub", "sub"].map((k) => `${c.p}/l/${k}`),
      );
      await c.req("GET", `${K}${c.p}/l?sorted=true&recursive=true`);
    }));
});

describe("hidden nodes", () => {
  test("cases 47–49: hidden keys and dirs are omitted from listings but readable", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/hd/_h`, { body: form({ value: "1" }) });
      await c.req("PUT", `${K}${c.p}/hd/v`, { body: form({ value: "2" }) });
      await c.req("PUT", `${K}${c.p}/hd/_sub/x`, { body: form({ value: "3" }) });
      await c.req("PUT", `${K}${c.p}/hd/vis/_y`, { body: form({ value: "4" }) });
      await c.req("GET", `${K}${c.p}/hd?sorted=true`);
      await c.req("GET", `${K}${c.p}/hd/_h`);
      await c.req("GET", `${K}${c.p}/hd?sorted=true&recursive=true`);
      await c.req("GET", `${K}${c.p}/hd/_sub?recursive=true`);
    }));
});
