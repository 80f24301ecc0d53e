// Differential: §14 prevExist (70–77), CAS/CAD (78–91), in-order keys (92–96).
import { describe, expect, test } from "vitest";
import { diff, form, useTargets } from "./harness.js";

const t = useTargets();
const K = "/v2/keys";

describe("prevExist / create / update", () => {
  test("cases 70–74, 76: create, update, prevExist parsing", () =>
    diff(t, async (c) => {
      const r = await c.req("PUT", `${K}${c.p}/n?prevExist=false`, { body: form({ value: "1" }) });
      expect(r.status).toBe(201);
      await c.req("PUT", `${K}${c.p}/n?prevExist=false`, { body: form({ value: "1" }) });
      await c.req("PUT", `${K}${c.p}/n2?prevExist=false&prevValue=zzz`, { body: form({ value: "1" }) });
      await c.req("PUT", `${K}${c.p}/nx?prevExist=true`, { body: form({ value: "1" }) });
      await c.req("PUT", `${K}${c.p}/nx/deep?prevExist=true`, { body: form({ value: "1" }) });
      const u = await c.req("PUT", `${K}${c.p}/n?prevExist=true`);
      expect(c.json(u).node.value).toBe("");
      await c.req("PUT", `${K}${c.p}/n?prevExist=true&dir=true`);
      await c.req("PUT", `${K}${c.p}/n?prevExist=maybe`);
      await c.req("PUT", `${K}${c.p}/n?prevExist=`);
      await c.req("PUT", `${K}${c.p}/n?prevExist=True`, { body: form({ value: "T" }) });
      await c.req("PUT", `${K}${c.p}/n?prevExist=0`, { body: form({ value: "0" }) });
    }));

  test("cases 75, 77: update with value on a dir; create dir with ttl", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/d?dir=true`);
      await c.req("PUT", `${K}${c.p}/d?prevExist=true`, { body: form({ value: "x" }) });
      const r = await c.req("PUT", `${K}${c.p}/nd?prevExist=false&dir=true`, { body: form({ ttl: "30" }) });
      expect(c.json(r).node.dir).toBe(true);
    }));
});

describe("compare-and-swap / compare-and-delete", () => {
  test("cases 78–83: CAS failures and successes with cause formats", () =>
    diff(t, async (c) => {
      const s = await c.req("PUT", `${K}${c.p}/s`, { body: form({ value: "one" }) });
      const f = await c.req("PUT", `${K}${c.p}/s?prevValue=two`, { body: form({ value: "three" }) });
      expect(c.json(f).cause).toBe("[two != one]");
      await c.req("PUT", `${K}${c.p}/s?prevIndex=1`, { body: form({ value: "three" }) });
      await c.req("PUT", `${K}${c.p}/s?prevIndex=1&prevValue=two`, { body: form({ value: "three" }) });
      await c.req("PUT", `${K}${c.p}/s?prevValue=one`, { body: form({ value: "two" }) });
      const cur = await c.raw("GET", `${K}${c.p}/s`);
      await c.req("PUT", `${K}${c.p}/s?prevIndex=${c.json(cur).node.modifiedIndex}`, { body: form({ value: "x" }) });
      await c.req("PUT", `${K}${c.p}/s?prevIndex=${c.json(s).node.modifiedIndex}`, { body: form({ value: "x" }) });
      await c.req("PUT", `${K}${c.p}/s?prevExist=true&prevValue=x`, { body: form({ value: "y" }) });
      await c.req("PUT", `${K}${c.p}/s?prevExist=true&prevValue=x`, { body: form({ value: "y" }) });
      await c.req("PUT", `${K}${c.p}/s?prevValue=y&prevIndex=00`, { body: form({ value: "z", ttl: "100" }) });
    }));

  test("cases 84–87: empty prevValue 201, bad prevIndex 203, prevIndex=0 is a set, missing/dir targets", () =>
    diff(t, async (c) => {
      const r = await c.req("PUT", `${K}${c.p}/s?prevValue=`, { body: form({ value: "1" }) });
      expect(c.json(r).errorCode).toBe(201);
      await c.req("PUT", `${K}${c.p}/s?prevIndex=abc`, { body: form({ value: "1" }) });
      await c.req("PUT", `${K}${c.p}/s?prevIndex=-1`, { body: form({ value: "1" }) });
      await c.req("PUT", `${K}${c.p}/s?prevIndex=`, { body: form({ value: "1" }) });
      await c.req("PUT", `${K}${c.p}/s?prevIndex=0`, { body: form({ value: "z" }) });
      await c.req("PUT", `${K}${c.p}/s?prevIndex=0`, { body: form({ value: "z" }) });
      await c.req("PUT", `${K}${c.p}/missing?prevValue=a`, { body: form({ value: "1" }) });
      await c.req("PUT", `${K}${c.p}/d/k`, { body: form({ value: "1" }) });
      await c.req("PUT", `${K}${c.p}/d?prevValue=a`, { body: form({ value: "1" }) });
      await c.req("PUT", `${K}${c.p}/d?prevIndex=5`, { body: form({ value: "1" }) });
    }));

  test("cases 88–91: CAD failures, success, body ignored on DELETE, CAD on a dir", () =>
    diff(t, async (c) => {
      const s = await c.req("PUT", `${K}${c.p}/s`, { body: form({ value: "v" }) });
      await c.req("DELETE", `${K}${c.p}/s?prevValue=wrong`);
      await c.req("DELETE", `${K}${c.p}/s?prevIndex=1`);
      await c.req("DELETE", `${K}${c.p}/s?prevIndex=1&prevValue=wrong`);
      const d = await c.req("DELETE", `${K}${c.p}/s?prevValue=v`);
      expect(c.json(d).action).toBe("compareAndDelete");
      await c.req("DELETE", `${K}${c.p}/s?prevValue=v`);
      await c.req("PUT", `${K}${c.p}/s2`, { body: form({ value: "v" }) });
      const s2 = await c.raw("GET", `${K}${c.p}/s2`);
      await c.req("DELETE", `${K}${c.p}/s2?prevIndex=${c.json(s2).node.modifiedIndex}&dir=true&recursive=true`);
      await c.req("PUT", `${K}${c.p}/s3`, { body: form({ value: "v" }) });
      await c.req("DELETE", `${K}${c.p}/s3`, { body: form({ prevValue: "nomatch" }) });
      await c.req("PUT", `${K}${c.p}/d?dir=true`);
      await c.req("DELETE", `${K}${c.p}/d?prevValue=x`);
      void s;
    }));
});

describe("huge indexes", () => {
  test("extra: prevIndex/waitIndex above 2^53 fail the compare / wait (cause text: see divergences)", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/h`, { body: form({ value: "1" }) });
      for (const i of ["9007199254740993", "18446744073709551615"]) {
        const r = await c.raw("PUT", `${K}${c.p}/h?prevIndex=${i}`, { body: form({ value: "2" }) });
        c.note(`CAS prevIndex=${i}`, { status: r.status, errorCode: c.json(r).errorCode });
        const d = await c.raw("DELETE", `${K}${c.p}/h?prevIndex=${i}`);
        c.note(`CAD prevIndex=${i}`, { status: d.status, errorCode: c.json(d).errorCode });
      }
      const w = c.watch(`${K}${c.p}/h?wait=true&waitIndex=18446744073709551615`);
      c.record("watch headers", await w.headers);
      await c.req("PUT", `${K}${c.p}/h`, { body: form({ value: "3" }) });
      await c.req("GET", `${K}${c.p}/h`);
      w.close();
      c.note("watch body", w.text());
    }));
});

describe("in-order keys", () => {
  test("cases 92–96: POST creates %020d children in order; flags; POST on a key", () =>
    diff(t, async (c) => {
      const a = await c.req("POST", `${K}${c.p}/queue`, { body: form({ value: "J1" }) });
      const b = await c.req("POST", `${K}${c.p}/queue`, { body: form({ value: "J2" }) });
      expect(c.json(b).node.key > c.json(a).node.key).toBe(true);
      await c.req("GET", `${K}${c.p}/queue?sorted=true`);
      await c.req("POST", `${K}${c.p}/queue?prevExist=true`, { body: form({ value: "J2" }) });
      const d = await c.req("POST", `${K}${c.p}/queue`, { body: form({ dir: "true", ttl: "100" }) });
      expect(c.json(d).node.ttl).toBe(100);
      await c.req("PUT", `${K}${c.p}/f`, { body: form({ value: "1" }) });
      await c.req("POST", `${K}${c.p}/f`, { body: form({ value: "x" }) });
      await c.req("POST", `${K}${c.p}/f/deeper`, { body: form({ value: "x" }) });
    }));
});
