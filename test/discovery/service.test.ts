import { afterEach, describe, expect, it } from "vitest";
import { json, newToken, origin, testDiscovery, type TestDiscovery } from "./helpers.js";

let d: TestDiscovery;
afterEach(() => d?.close());

describe("GET /new", () => {
  it("answers a discovery URL on the request's origin, as bare text", async () => {
    d = testDiscovery();
    const res = await d.call("GET", "/new");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await res.text()).toMatch(new RegExp(`^${origin}/[0-9a-f]{32}$`));
  });

  it("DISCOVERY_BASE_URL replaces the origin", async () => {
    d = testDiscovery({ baseUrl: "https://discovery.example.com" });
    expect(await (await d.call("POST", "/new?size=1")).text()).toMatch(/^https:\/\/discovery\.example\.com\/[0-9a-f]{32}$/);
  });

  it("creates the registry: size key (default 3) under a directory with the token TTL", async () => {
    d = testDiscovery({ tokenTtlSeconds: 600 });
    for (const [query, size] of [["", "3"], ["?size=", "3"], ["?size=5", "5"], ["?size=1&size=7", "1"], ["?size=99", "99"]] as const) {
      const url = await (await d.call("GET", `/new${query}`)).text();
      const tok = url.slice(url.lastIndexOf("/") + 1);
      const dir = await json(await d.keys("GET", `/v2/keys/_etcd/registry/${tok}`));
      const node = dir["node"] as Record<string, unknown>;
      expect(node["dir"]).toBe(true);
      expect(node["ttl"]).toBeGreaterThan(590);
      expect(node["ttl"]).toBeLessThanOrEqual(600);
      const sizeKey = await json(await d.call("GET", `/${tok}/_config/size?quorum=false&recursive=false&sorted=false`));
      expect((sizeKey["node"] as Record<string, unknown>)["value"]).toBe(size);
    }
  });

  it("a malformed size is a 400 and creates nothing", async () => {
    d = testDiscovery();
    for (const bad of ["0", "-1", "abc", "1.5", "100", "3%20", "0x3", "1e1", "+3"]) {
      const res = await d.call("GET", `/new?size=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(await res.text()).toMatch(/^bad size/);
    }
    expect((await d.keys("GET", "/v2/keys/_etcd")).status).toBe(404);
  });

  it("other methods are 405", async () => {
    d = testDiscovery();
    const res = await d.call("DELETE", "/new");
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("GET, POST");
  });
});

describe("token URLs", () => {
  const unknown = "0123456789abcdef0123456789abcdef";

  it("stay capability URLs when the main cluster has auth on and anonymous clients may do nothing", async () => {
    d = testDiscovery();
    const token = await newToken(d);
    const root = { Authorization: `Basic ${btoa("root:pw")}` };
    expect((await d.keys("PUT", "/v2/auth/users/root", '{"user":"root","password":"pw"}')).status).toBe(201);
    expect((await d.keys("PUT", "/v2/auth/enable")).status).toBe(200);
    expect((await d.keys("DELETE", "/v2/auth/roles/guest", undefined, root)).status).toBe(200);
    // The main cluster refuses anonymous clients everything, the registry included…
    expect((await d.keys("GET", `/v2/keys/_etcd/registry/${token}`)).status).toBe(401);
    expect((await d.keys("PUT", "/v2/keys/elsewhere", "value=x")).status).toBe(401);
    // …while the token URL still registers and lists members, and reaches nothing outside.
    expect((await d.call("PUT", `/${token}/m1`, "value=peer")).status).toBe(201);
    expect((await d.call("GET", `/${token}`)).status).toBe(200);
    expect((await d.call("GET", `/${token}/../../elsewhere`)).status).not.toBe(200);
    expect((await d.keys("GET", `/v2/keys/_etcd/registry/${token}/m1`, undefined, root)).status).toBe(200);
  });

  it("an unknown token is etcd's 404 / errorCode 100, for reads and writes, and a write creates nothing", async () => {
    d = testDiscovery();
    await newToken(d); // the registry directory exists; the token does not
    for (const [method, target] of [["GET", `/${unknown}`], ["GET", `/${unknown}/_config/size`], ["PUT", `/${unknown}/abc?prevExist=false`], ["DELETE", `/${unknown}/abc`], ["POST", `/${unknown}/q`]] as const) {
      const res = await d.call(method, target, method === "PUT" || method === "POST" ? "value=x" : undefined);
      expect(res.status, `${method} ${target}`).toBe(404);
      expect(await json(res)).toMatchObject({ errorCode: 100, message: "Key not found", cause: `/_etcd/registry/${unknown}` });
    }
    expect((await d.keys("GET", `/v2/keys/_etcd/registry/${unknown}`)).status).toBe(404);
  });

  it("a malformed token, and every path outside a token, is the same 404 / 100", async () => {
    d = testDiscovery();
    for (const target of ["/abc", "/v2/keys/", "/_etcd/registry", "/version", "/health", "/v2/members"]) {
      const res = await d.call("GET", target);
      expect(res.status, target).toBe(404);
      expect((await json(res))["errorCode"]).toBe(100);
    }
  });

  it("the token directory itself is read only, like etcd's root", async () => {
    d = testDiscovery();
    const tok = await newToken(d);
    for (const [method, target] of [["PUT", `/${tok}?dir=true&prevExist=true&ttl=`], ["DELETE", `/${tok}?dir=true&recursive=true`], ["POST", `/${tok}/`], ["PUT", `/${tok}/`]] as const) {
      const res = await d.call(method, target);
      // etcd's status for 107 is 400 (it is not in its errorStatus map).
      expect(res.status, `${method} ${target}`).toBe(400);
      expect(await json(res)).toMatchObject({ errorCode: 107, message: "Root is read only" });
    }
    const node = (await json(await d.call("GET", `/${tok}`)))["node"] as Record<string, unknown>;
    expect(node["ttl"]).toBeGreaterThan(0);
  });

  it("no request leaves its token's subtree: dot segments redirect, and nothing is written elsewhere", async () => {
    d = testDiscovery();
    const a = await newToken(d);
    const b = await newToken(d);
    for (const target of [`/${a}/../${b}/x`, `/${a}/%2e%2e/${b}/x`, `/${a}/..%2f${b}%2fx`, `/${a}/..%2F..%2Fescaped`]) {
      const res = await d.call("PUT", `${target}?prevExist=false`, "value=evil");
      expect(res.status, target).toBe(301);
      expect(res.headers.get("Location")).not.toContain(a);
    }
    // A literal "%2e%2e" key stays a key inside the token.
    expect((await d.call("PUT", `/${a}/%252e%252e`, "value=ok")).status).toBe(201);
    const root = await json(await d.keys("GET", "/v2/keys/?recursive=true"));
    expect(JSON.stringify(root)).not.toContain("evil");
    const reg = await json(await d.keys("GET", "/v2/keys/_etcd/registry?recursive=true"));
    const tokens = ((reg["node"] as Record<string, unknown>)["nodes"] as { key: string; nodes?: { key: string }[] }[]);
    expect(tokens.map((t) => t.key).sort()).toEqual([`/_etcd/registry/${a}`, `/_etcd/registry/${b}`].sort());
    expect(tokens.find((t) => t.key.endsWith(b))?.nodes ?? []).toEqual([]);
    expect(tokens.find((t) => t.key.endsWith(a))?.nodes?.map((n) => n.key)).toEqual([`/_etcd/registry/${a}/%2e%2e`]);
  });

  it("a token expires with its directory's TTL, and is then unknown", async () => {
    let nowMs = Date.UTC(2026, 0, 1);
    d = testDiscovery({ tokenTtlSeconds: 60, now: () => nowMs });
    const tok = await newToken(d);
    nowMs += 59_000;
    d.sync();
    expect((await d.call("PUT", `/${tok}/a?prevExist=false`, "value=x")).status).toBe(201);
    nowMs += 2_000;
    d.sync();
    const res = await d.call("PUT", `/${tok}/b?prevExist=false`, "value=x");
    expect(res.status).toBe(404);
    expect((await json(res))["errorCode"]).toBe(100);
    expect((await d.keys("GET", `/v2/keys/_etcd/registry/${tok}`)).status).toBe(404);
  });
});
