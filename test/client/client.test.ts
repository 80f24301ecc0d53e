import { describe, expect, it } from "vitest";
import { EtcdClient, EtcdError, EtcdHttpError, EtcdUnavailableError } from "../../client/index.js";
import { fakeFetch, json, notFound } from "./fake-fetch.js";

const fast = { backoffMsMin: 1, backoffMsMax: 2 };

describe("EtcdClient requests and errors", () => {
  it("turns an etcd error body into an EtcdError with errorCode, cause, index and status", async () => {
    const f = fakeFetch(() => notFound("/nope", 42));
    const etcd = new EtcdClient({ endpoints: ["http://a"], fetch: f.fetch });
    const e = await etcd.get("/nope/deeper").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EtcdError);
    expect(e).toMatchObject({ errorCode: 100, cause: "/nope", index: 42, status: 404 });
  });

  it("sends writes as a form body, reads as a query, Basic credentials on both, keys escaped per segment", async () => {
    const f = fakeFetch(() => json(201, { action: "set", node: { key: "/a b/c", value: "v", modifiedIndex: 7, createdIndex: 7 } }, 7));
    const etcd = new EtcdClient({ endpoints: ["http://a/"], fetch: f.fetch, auth: { username: "ü", password: "p:w" } });
    const r = await etcd.set("/a b/c", "v", { ttl: 5, prevExist: false });
    expect(r).toMatchObject({ action: "set", etcdIndex: 7, node: { modifiedIndex: 7 } });
    await etcd.get("/a b/c", { quorum: true, recursive: true });
    const [put, get] = f.seen;
    expect(put!.url.pathname).toBe("/v2/keys/a%20b/c");
    expect(Object.fromEntries(put!.params)).toEqual({ value: "v", ttl: "5", prevExist: "false" });
    expect(Object.fromEntries(get!.params)).toEqual({ recursive: "true", quorum: "true" });
    expect(put!.headers.Authorization).toBe(`Basic ${Buffer.from("ü:p:w").toString("base64")}`);
    expect(get!.headers.Authorization).toBe(put!.headers.Authorization);
  });

  it("fails over to the next endpoint on a network error and stays there", async () => {
    const f = fakeFetch((req) => (req.url.host === "a" ? new TypeError("fetch failed") : json(200, { action: "get", node: { key: "/k", value: "1" } }, 3)));
    const etcd = new EtcdClient({ endpoints: ["http://a", "http://b"], fetch: f.fetch, ...fast });
    expect((await etcd.get("/k")).node.value).toBe("1");
    await etcd.get("/k");
    expect(f.seen.map((r) => r.url.host)).toEqual(["a", "b", "b"]);
  });

  it("retries a 5xx, and surfaces etcd's own error when every attempt gets one", async () => {
    const timedOut = () => json(500, { errorCode: 300, message: "Raft Internal Error", cause: "etcdserver: request timed out", index: 0 });
    let f = fakeFetch((_, n) => (n < 2 ? timedOut() : json(200, { action: "update", node: { key: "/k" } }, 9)));
    expect((await new EtcdClient({ endpoints: ["http://a"], fetch: f.fetch, ...fast }).update("/k", "v")).etcdIndex).toBe(9);
    expect(f.seen).toHaveLength(3);
    f = fakeFetch(() => timedOut());
    const e = await new EtcdClient({ endpoints: ["http://a"], fetch: f.fetch, maxAttempts: 3, ...fast }).set("/k", "v").catch((x: unknown) => x);
    expect(e).toMatchObject({ errorCode: 300, cause: "etcdserver: request timed out", status: 500 });
    expect(f.seen).toHaveLength(3);
  });

  it("never repeats an in-order create (POST) after an ambiguous failure", async () => {
    const f = fakeFetch(() => new TypeError("socket hang up"));
    const e = await new EtcdClient({ endpoints: ["http://a", "http://b"], fetch: f.fetch, ...fast }).createInOrder("/q", "job").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EtcdUnavailableError);
    expect(f.seen).toHaveLength(1);
  });

  it("times out a hung attempt and tries again, but a caller's abort ends the call at once", async () => {
    const f = fakeFetch(() => "hang");
    const etcd = new EtcdClient({ endpoints: ["http://a", "http://b"], fetch: f.fetch, timeoutMs: 30, maxAttempts: 2, ...fast });
    expect(await etcd.get("/k").catch((x: unknown) => x)).toBeInstanceOf(EtcdUnavailableError);
    expect(f.seen).toHaveLength(2);
    const ctl = new AbortController();
    const pending = new EtcdClient({ endpoints: ["http://a"], fetch: f.fetch, timeoutMs: 0 }).get("/k", { signal: ctl.signal }).catch((x: unknown) => x);
    ctl.abort(new Error("caller gave up"));
    expect(String(await pending)).toContain("caller gave up");
    expect(f.seen).toHaveLength(3);
  });

  it("reports a non-etcd error body (members API, proxy) as EtcdHttpError", async () => {
    const f = fakeFetch(() => new Response('{"message":"Insufficient credentials"}', { status: 401 }));
    const e = await new EtcdClient({ endpoints: ["http://a"], fetch: f.fetch }).members().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EtcdHttpError);
    expect(e).toMatchObject({ status: 401 });
  });

  it("sync() replaces the endpoints with the members' client URLs", async () => {
    const members = { members: [{ id: "1", name: "m0", peerURLs: [], clientURLs: ["http://m0"] }, { id: "2", name: "m1", peerURLs: [], clientURLs: ["http://m1"] }] };
    const f = fakeFetch(() => json(200, members));
    const etcd = new EtcdClient({ endpoints: ["http://seed"], fetch: f.fetch });
    expect(await etcd.sync()).toEqual(["http://m0", "http://m1"]);
    expect(etcd.transport.endpointList).toEqual(["http://m0", "http://m1"]);
  });
});
