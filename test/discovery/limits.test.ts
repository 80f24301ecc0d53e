// The discovery Worker's limits: each denial, and that a denial writes nothing.
import { afterEach, describe, expect, it } from "vitest";
import { json, newToken, testDiscovery, tokenCount, type TestDiscovery } from "./helpers.js";

let d: TestDiscovery;
afterEach(() => d?.close());

const ip = (a: string) => ({ "CF-Connecting-IP": a });
const secret = "0123456789abcdef0123456789abcdef";

describe("/new is rate limited per client", () => {
  it("a burst from one client gets newPerMinuteMax tokens, then 429 with a clear message and no token", async () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 5);
    d = testDiscovery({ newPerMinuteMax: 3, now: () => now });
    const burst = await Promise.all(Array.from({ length: 6 }, () => d.call("GET", "/new?size=1", undefined, ip("203.0.113.7"))));
    expect(burst.map((r) => r.status)).toEqual([200, 200, 200, 429, 429, 429]);
    const refused = burst[3]!;
    expect(refused.headers.get("Retry-After")).toBe("60");
    expect(await refused.text()).toBe("discovery: too many /new requests from this client: at most 3 a minute (DISCOVERY_NEW_PER_MINUTE_MAX); try again later\n");
    expect(await tokenCount(d)).toBe(3);

    // Another client is not held up; the next minute the first may go on.
    expect((await d.call("GET", "/new?size=1", undefined, ip("198.51.100.1"))).status).toBe(200);
    expect((await d.call("POST", "/new?size=1", undefined, ip("203.0.113.7"))).status).toBe(429);
    now += 60_000;
    expect((await d.call("GET", "/new?size=1", undefined, ip("203.0.113.7"))).status).toBe(200);
    expect(await tokenCount(d)).toBe(5);
  });

  it("every call counts, refused ones too (so a bad size or a bearer guess is not free)", async () => {
    d = testDiscovery({ newPerMinuteMax: 2 });
    expect((await d.call("GET", "/new?size=0", undefined, ip("192.0.2.9"))).status).toBe(400);
    expect((await d.call("GET", "/new?size=x", undefined, ip("192.0.2.9"))).status).toBe(400);
    expect((await d.call("GET", "/new?size=1", undefined, ip("192.0.2.9"))).status).toBe(429);
    // A 405 is answered before counting: it costs nothing.
    expect((await d.call("DELETE", "/new", undefined, ip("192.0.2.10"))).status).toBe(405);
    expect((await d.call("GET", "/new", undefined, ip("192.0.2.10"))).status).toBe(200);
  });

  it("clients without CF-Connecting-IP share one count; an IPv6 /64 is one client", async () => {
    d = testDiscovery({ newPerMinuteMax: 1 });
    expect((await d.call("GET", "/new")).status).toBe(200);
    expect((await d.call("GET", "/new")).status).toBe(429);
    expect((await d.call("GET", "/new", undefined, ip("2001:db8:1:2::a"))).status).toBe(200);
    expect((await d.call("GET", "/new", undefined, ip("2001:db8:1:2:ffff::b"))).status).toBe(429);
    expect((await d.call("GET", "/new", undefined, ip("2001:db8:1:3::a"))).status).toBe(200);
  });
});

describe("DISCOVERY_NEW_TOKEN", () => {
  it("without the bearer token /new is 401, with a wrong one 403; neither writes", async () => {
    d = testDiscovery({ newBearerToken: secret });
    const missing = await d.call("GET", "/new?size=3");
    expect(missing.status).toBe(401);
    expect(missing.headers.get("WWW-Authenticate")).toBe('Bearer realm="etcd discovery"');
    expect(await missing.text()).toBe("discovery: /new requires Authorization: Bearer <token> (this service sets DISCOVERY_NEW_TOKEN)\n");
    expect((await d.call("GET", "/new", undefined, { Authorization: `Basic ${secret}` })).status).toBe(401);
    const wrong = await d.call("POST", "/new", undefined, { Authorization: `Bearer ${secret.slice(1)}x` });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toBe("discovery: the bearer token for /new is not this service's DISCOVERY_NEW_TOKEN\n");
    expect(await tokenCount(d)).toBe(0);

    const ok = await d.call("GET", "/new?size=3", undefined, { Authorization: `Bearer ${secret}` });
    expect(ok.status).toBe(200);
    expect(await tokenCount(d)).toBe(1);
  });

  it("token URLs need no bearer token: the token is their capability", async () => {
    d = testDiscovery({ newBearerToken: secret });
    const tok = await newToken(d, 1, { Authorization: `Bearer ${secret}` });
    expect((await d.call("PUT", `/${tok}/m1?prevExist=false`, "value=e1%3Dhttp%3A%2F%2F127.0.0.1%3A2380")).status).toBe(201);
    expect((await d.call("GET", `/${tok}/_config/size`)).status).toBe(200);
  });
});

describe("/new writes a whole token or none", () => {
  it("a size the key cap could not hold is a 400", async () => {
    d = testDiscovery({ tokenKeysMax: 5 });
    const res = await d.call("GET", "/new?size=4");
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("bad size: expected an integer from 1 to 3\n");
    expect((await d.call("GET", "/new?size=3")).status).toBe(200);
  });

  it("when the size key cannot be written, the token directory is removed again", async () => {
    d = testDiscovery({
      wrapKeys: (app) => ({
        fetch: (req, env) => (req.method === "PUT" && env.rawTarget.includes("/_config/size") ? new Response("boom", { status: 503 }) : app.fetch(req, env)),
      }),
    });
    const res = await d.call("GET", "/new?size=3");
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("discovery: could not create the size key: 503 boom\n");
    expect(await tokenCount(d)).toBe(0);
  });

  it("when the size write throws, the token directory is removed and the error goes on", async () => {
    d = testDiscovery({
      wrapKeys: (app) => ({
        fetch: (req, env) => {
          if (req.method === "PUT" && env.rawTarget.includes("/_config/size")) throw new Error("member unreachable");
          return app.fetch(req, env);
        },
      }),
    });
    await expect(d.call("GET", "/new?size=3")).rejects.toThrow("member unreachable");
    expect(await tokenCount(d)).toBe(0);
  });
});

describe("a token's registry is capped", () => {
  const member = (n: number) => `value=${encodeURIComponent(`e${n}=http://127.0.0.1:${2380 + n}`)}`;

  it("past DISCOVERY_TOKEN_KEYS_MAX a registration is 403 / errorCode 103 and nothing is written", async () => {
    d = testDiscovery({ tokenKeysMax: 5 });
    const tok = await newToken(d, 3);
    for (const n of [1, 2, 3]) expect((await d.call("PUT", `/${tok}/m${n}?prevExist=false`, member(n))).status).toBe(201);
    const before = await (await d.call("GET", `/${tok}?recursive=true`)).text();
    const refused = await d.call("PUT", `/${tok}/m4?prevExist=false`, member(4));
    expect(refused.status).toBe(403);
    expect(refused.headers.get("Content-Type")).toBe("application/json");
    expect(await json(refused)).toMatchObject({
      errorCode: 103,
      message: "Reached the max number of peers in the cluster",
      cause: "/m4: the discovery token would hold 6 keys, more than DISCOVERY_TOKEN_KEYS_MAX (5)",
    });
    expect((await d.call("POST", `/${tok}/queue`, "value=x")).status).toBe(403);
    expect((await d.call("PUT", `/${tok}/dir?dir=true`)).status).toBe(403);
    expect(await (await d.call("GET", `/${tok}?recursive=true`)).text()).toBe(before);
    // Updating a member's own key adds no key; deleting one makes room.
    expect((await d.call("PUT", `/${tok}/m3`, member(33))).status).toBe(200);
    expect((await d.call("DELETE", `/${tok}/m3`)).status).toBe(200);
    expect((await d.call("PUT", `/${tok}/m4?prevExist=false`, member(4))).status).toBe(201);
  });

  it("directories made on the way count as keys", async () => {
    d = testDiscovery({ tokenKeysMax: 4 });
    const tok = await newToken(d, 1);
    expect(await json(await d.call("PUT", `/${tok}/a/b/c`, "value=x"))).toMatchObject({ errorCode: 103 });
    expect((await d.call("PUT", `/${tok}/a/b`, "value=x")).status).toBe(201);
    expect((await d.keys("GET", `/v2/keys/_etcd/registry/${tok}/a/b`)).status).toBe(200);
  });

  it("past DISCOVERY_TOKEN_BYTES_MAX a write is 403 / errorCode 103; a smaller value still fits", async () => {
    d = testDiscovery({ tokenBytesMax: 256 });
    const tok = await newToken(d, 3);
    // 23 bytes of _config/size; "/big" is 4.
    const refused = await d.call("PUT", `/${tok}/big`, `value=${"v".repeat(230)}`);
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ errorCode: 103, cause: "/big: the discovery token would hold 257 bytes, more than DISCOVERY_TOKEN_BYTES_MAX (256)" });
    expect((await d.keys("GET", `/v2/keys/_etcd/registry/${tok}/big`)).status).toBe(404);
    expect((await d.call("PUT", `/${tok}/big`, `value=${"v".repeat(229)}`)).status).toBe(201);
    // Full: nothing more fits, but the value may shrink.
    expect((await d.call("PUT", `/${tok}/m1?prevExist=false`, member(1))).status).toBe(403);
    expect((await d.call("PUT", `/${tok}/big`, "value=small")).status).toBe(200);
    expect((await d.call("PUT", `/${tok}/m1?prevExist=false`, member(1))).status).toBe(201);
  });

  it("a value sent in the query counts as the keys API reads it", async () => {
    d = testDiscovery({ tokenBytesMax: 256 });
    const tok = await newToken(d, 3);
    expect((await d.call("PUT", `/${tok}/q?value=${"v".repeat(240)}`)).status).toBe(403);
  });

  it("hidden names cannot be written through a token URL (a listing would not show them)", async () => {
    d = testDiscovery();
    const tok = await newToken(d, 3);
    for (const [method, target] of [["PUT", `/${tok}/_x`], ["PUT", `/${tok}/a/_b`], ["POST", `/${tok}/_q`], ["PUT", `/${tok}/_config/size`]] as const) {
      const res = await d.call(method, target, "value=9");
      expect(res.status, `${method} ${target}`).toBe(400);
      expect(await json(res)).toMatchObject({ errorCode: 106, message: "The prefix of given key is a keyword in etcd" });
    }
    expect((await d.keys("GET", `/v2/keys/_etcd/registry/${tok}/_x`)).status).toBe(404);
    expect((await d.keys("GET", `/v2/keys/_etcd/registry/${tok}/a`)).status).toBe(404);
    expect((await json(await d.call("GET", `/${tok}/_config/size`)))["node"]).toMatchObject({ value: "3" });
  });

  it("the default caps hold the largest cluster with as many again registering concurrently", async () => {
    d = testDiscovery();
    const tok = await newToken(d, 99);
    const puts = Array.from({ length: 198 }, (_, n) => {
      const id = (0xe000_0000_0000_0000n + BigInt(n)).toString(16);
      const value = `etcd-member-${n}=https://etcd-member-${n}.cluster.example.internal:2380`;
      return d.call("PUT", `/${tok}/${id}?prevExist=false`, `value=${encodeURIComponent(value)}`);
    });
    expect((await Promise.all(puts)).map((r) => r.status)).toEqual(Array(198).fill(201));
  });
});
