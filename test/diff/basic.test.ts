// Differential: §14 basic key operations (cases 1–20) plus routing extras.
import { describe, expect, test } from "vitest";
import { diff, form, useTargets } from "./harness.js";

const t = useTargets();
const K = "/v2/keys";

describe("basic key operations", () => {
  test("cases 1–4: set new (201), replace (200, prevNode), GET, HEAD", () =>
    diff(t, async (c) => {
      const r1 = await c.req("PUT", `${K}${c.p}/a`, { body: form({ value: "1" }) });
      expect(r1.status).toBe(201);
      const r2 = await c.req("PUT", `${K}${c.p}/a`, { body: form({ value: "2" }) });
      expect(c.json(r2).prevNode.value).toBe("1");
      await c.req("GET", `${K}${c.p}/a`);
      const h = await c.req("HEAD", `${K}${c.p}/a`);
      expect(h.body).toBe("");
    }));

  test("cases 5–6: missing key 404/100, cause = first missing prefix", () =>
    diff(t, async (c) => {
      await c.raw("PUT", `${K}${c.p}/x`, { body: form({ value: "1" }) });
      const r = await c.req("GET", `${K}${c.p}/missing`);
      expect(r.status).toBe(404);
      await c.req("GET", `${K}${c.p}/nope/deeper`);
    }));

  test("case 7: DELETE a key", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/a`, { body: form({ value: "2" }) });
      const r = await c.req("DELETE", `${K}${c.p}/a`);
      expect(c.json(r).node.value).toBeUndefined();
    }));

  test("cases 8–11: empty value, value from query, body wins over query, non-form body ignored", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/e`);
      await c.req("PUT", `${K}${c.p}/q?value=fromquery`);
      await c.req("PUT", `${K}${c.p}/q?value=q`, { body: form({ value: "b" }) });
      const r = await c.req("PUT", `${K}${c.p}/q`, { body: "value=x", contentType: "text/plain" });
      expect(c.json(r).node.value).toBe("");
      await c.req("PUT", `${K}${c.p}/mp`, { body: "value=x", contentType: "multipart/form-data; boundary=x" });
      await c.req("PUT", `${K}${c.p}/ct`, { body: "value=y", contentType: "Application/X-WWW-Form-Urlencoded; charset=utf-8" });
      await c.req("PUT", `${K}${c.p}/noct`, { body: "value=z", contentType: null });
    }));

  test("case 12: Go JSON escaping of <a&b>, U+2028, control characters, non-ASCII", () =>
    diff(t, async (c) => {
      const r = await c.req("PUT", `${K}${c.p}/h`, { body: form({ value: "<a&b>" }) });
      expect(r.body).toContain("\\u003ca\\u0026b\\u003e");
      await c.req("PUT", `${K}${c.p}/h2`, { body: form({ value: "é\u2028\u2029\b\f\n\r\t\u0001\"\\" }) });
      await c.req("PUT", `${K}${c.p}/h3?value=%ff%fe`);
    }));

  test("cases 13–14: %20 in a key, %2F is a real slash", () =>
    diff(t, async (c) => {
      const r = await c.req("PUT", `${K}${c.p}/a%20b`, { body: form({ value: "s" }) });
      expect(c.json(r).node.key).toBe(`${c.p}/a b`);
      await c.req("GET", `${K}${c.p}/x%2Fy`);
      await c.req("PUT", `${K}${c.p}/x%2Fy`, { body: form({ value: "v" }) });
      await c.req("GET", `${K}${c.p}/x/y`);
      await c.req("PUT", `${K}${c.p}/plus+sign`, { body: form({ value: "+" }) });
    }));

  test("cases 15–16: // and /./ redirect 301 without executing", () =>
    diff(t, async (c) => {
      const r = await c.req("GET", `${K}/${c.p}/a`);
      expect(r.status).toBe(301);
      await c.req("PUT", `${K}${c.p}/./a`, { body: form({ value: "1" }) });
      await c.req("HEAD", `${K}${c.p}/./a?x=1`);
      await c.req("DELETE", `${K}${c.p}/b/../a?recursive=true`);
      await c.req("GET", `${K}${c.p}/../a%20b(x)!*'?q=1&r=%zz`);
      await c.req("GET", `${K}${c.p}/x%2F..%2Fy`);
      await c.req("GET", `${K}${c.p}/a/..`);
      await c.req("GET", `${K}${c.p}/a%2F%2Fb?`);
      await c.req("GET", `${K}${c.p}/%2e%2e/a`);
      const after = await c.req("GET", `${K}${c.p}/a`);
      expect(after.status).toBe(404);
    }));

  test("case 17: trailing slash serves the key", () =>
    diff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/a/`, { body: form({ value: "1" }) });
      await c.req("GET", `${K}${c.p}/a/`);
    }));

  test("cases 18–20: 405 with Allow, OPTIONS 200 with CORS, unknown path 404", () =>
    diff(t, async (c) => {
      const r = await c.req("PATCH", `${K}${c.p}/a`, { body: form({ value: "1" }) });
      expect(r.headers["allow"]).toBe("HEAD,GET,PUT,POST,DELETE");
      const o = await c.req("OPTIONS", `${K}${c.p}/a`);
      expect(o.body).toBe("");
      await c.req("OPTIONS", `//x/../y`);
      const n = await c.req("GET", "/v2/keysx");
      expect(n.body).toBe("404 page not found\n");
      for (const path of ["/", "/v2", "/v2/", "/v2/stats/store/", "/healthz", "/version/", "/v2/keysx/y"]) {
        await c.req("GET", path);
      }
    }));

  test("extra: malformed Content-Type headers give Go's mime errors (210)", () =>
    diff(t, async (c) => {
      const types = [
        ";", "text/plain;;", "application/x-www-form-urlencoded; charset", "application/x-www-form-urlencoded;",
        "application/x-www-form-urlencoded; a=b; A=c", "foo", "foo/", "/bar", "a b/c", "a/b c",
        "application/x-www-form-urlencoded ; charset=utf-8", 'application/x-www-form-urlencoded; q="a\\"b"',
        'application/x-www-form-urlencoded; q="open', "",
      ];
      for (const ct of types) {
        const r = await c.raw("PUT", `${K}${c.p}/x`, { body: "value=1", contentType: ct });
        c.record(`PUT with Content-Type [${ct}]`, r);
        await c.raw("DELETE", `${K}${c.p}/x`);
      }
    }));

  test("extra: HEAD of a missing key, non-ASCII keys, quorum listing", () =>
    diff(t, async (c) => {
      const h = await c.req("HEAD", `${K}${c.p}/missing`);
      expect(h.body).toBe("");
      await c.req("PUT", `${K}${c.p}/%C3%A9t%C3%A9`, { body: form({ value: "ünï" }) });
      await c.req("PUT", `${K}${c.p}/d/b`, { body: form({ value: "1" }) });
      await c.req("PUT", `${K}${c.p}/d/a/x`, { body: form({ value: "2" }) });
      await c.req("GET", `${K}${c.p}?recursive=true&sorted=true&quorum=true`);
      await c.req("HEAD", `${K}${c.p}/d?recursive=true&sorted=true`);
    }));

  test("extra: a path with a bad escape is Go's plain 400 (no handler)", () =>
    diff(t, async (c) => {
      const r = await c.req("GET", `${K}${c.p}/%zz`);
      expect(r.status).toBe(400);
    }));
});
