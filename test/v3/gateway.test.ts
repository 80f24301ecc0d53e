// The v3 gateway in-process: root-only under v2 auth, the named limits, and bad input never a 500.
import { afterEach, describe, expect, test } from "vitest";
import { createApp } from "../../src/http/app.js";
import { DirectHandler } from "../../src/http/direct-handler.js";
import { V3Direct } from "../../src/http/v3-direct.js";
import { v3Limits as gatewayLimits } from "../../src/http/v3-routes.js";
import { watchLimits } from "../../src/http/v3-watch.js";
import { v3Limits } from "../../src/v3/store.js";

const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** A body as JSON (Response.json() is typed unknown). */
const json = async (r: Response): Promise<any> => r.json();
const b64 = (s: string) => Buffer.from(s).toString("base64");
const basic = (user: string, pw: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString("base64")}` });

function setup() {
  const handler = new DirectHandler({ autoSync: false });
  const v3 = new V3Direct({ clusterId: handler.clusterId(), memberId: "8e9e05c52164694d", autoExpire: false });
  closers.push(() => handler.close(), () => v3.close());
  const app = createApp({ handler, now: () => Date.now(), v3 });
  const call = (method: string, target: string, body?: string, headers: Record<string, string> = {}) =>
    app.request(target, { method, ...(body !== undefined ? { body } : {}), headers: { "Content-Type": "application/json", ...headers } }, { rawTarget: target });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) => call("POST", path, typeof body === "string" ? body : JSON.stringify(body), headers);
  return { app, v3, call, post };
}

describe("v3 under v2 auth", () => {
  test("with auth on, every /v3 request needs root; a denial changes nothing", async () => {
    const { call, post } = setup();
    expect((await call("PUT", "/v2/auth/users/root", JSON.stringify({ user: "root", password: "pw" }))).status).toBe(201);
    expect((await call("PUT", "/v2/auth/users/alice", JSON.stringify({ user: "alice", password: "pw" }))).status).toBe(201);
    expect((await call("PUT", "/v2/auth/enable", "", basic("root", "pw"))).status).toBe(200);

    for (const path of ["/v3/kv/put", "/v3/kv/range", "/v3/watch", "/v3/lease/grant", "/v3/maintenance/status", "/v3beta/kv/range"]) {
      for (const headers of [{}, basic("alice", "pw"), basic("root", "wrong"), { Authorization: "Bearer x" }]) {
        const r = await post(path, { key: b64("k"), value: b64("v") }, headers);
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(await json(r)).toEqual({ error: "etcdserver: permission denied", message: "etcdserver: permission denied", code: 7 });
      }
    }
    const range = await post("/v3/kv/range", { key: b64("k") }, basic("root", "pw"));
    expect(range.status).toBe(200);
    expect((await json(range)).count).toBeUndefined();
    const put = await post("/v3/kv/put", { key: b64("k"), value: b64("v") }, basic("root", "pw"));
    expect(put.status).toBe(200);
    expect((await json(await post("/v3/kv/range", { key: b64("k") }, basic("root", "pw")))).count).toBe("1");
  });

  test("with auth off, /v3 is open", async () => {
    const { post } = setup();
    expect((await post("/v3/kv/put", { key: b64("k"), value: b64("v") })).status).toBe(200);
  });
});

describe("v3 limits", () => {
  test(`a body over ${gatewayLimits.requestBytesMax} bytes is refused, nothing written`, async () => {
    const { post, v3 } = setup();
    const big = "x".repeat(gatewayLimits.requestBytesMax);
    const r = await post("/v3/kv/put", { key: b64("big"), value: Buffer.from(big).toString("base64") });
    expect(r.status).toBe(400);
    expect((await json(r)).message).toBe("etcdserver: request is too large");
    expect(v3.store.revision()).toBe(1);
  });

  test(`a watch request over ${watchLimits.requestBytesMax} bytes is refused before streaming`, async () => {
    const { post } = setup();
    const r = await post("/v3/watch", JSON.stringify({ create_request: { key: Buffer.from("k".repeat(watchLimits.requestBytesMax)).toString("base64") } }));
    expect(r.status).toBe(400);
    expect((await json(r)).message).toBe("etcdserver: request is too large");
  });

  test("a body sent without a length is read only up to the limit", async () => {
    const { app, v3 } = setup();
    const piece = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        sent += piece.length;
        if (sent > 4 * gatewayLimits.requestBytesMax) c.close();
        else c.enqueue(piece);
      },
    });
    const r = await app.request("/v3/kv/put", { method: "POST", body, duplex: "half" } as RequestInit, { rawTarget: "/v3/kv/put" });
    expect(r.status).toBe(400);
    expect((await json(r)).message).toBe("etcdserver: request is too large");
    expect(sent).toBeLessThan(2 * gatewayLimits.requestBytesMax);
    expect(v3.store.revision()).toBe(1);
  });

  test(`a range over ${v3Limits.rangeKeysMax} keys is refused unless limited`, async () => {
    const { post, v3 } = setup();
    const n = v3Limits.rangeKeysMax + 1;
    const ops = Array.from({ length: n }, (_, i) => ({ put: { key: Buffer.from(`r/${String(i).padStart(6, "0")}`).toString("hex"), value: new Uint8Array([1]), lease: "0", prevKv: false, ignoreValue: false, ignoreLease: false } }));
    for (let i = 0; i < ops.length; i += 100) v3.store.apply({ op: "txn", req: { compare: [], success: ops.slice(i, i + 100), failure: [] } }, 0);
    const all = await post("/v3/kv/range", { key: b64("r/"), range_end: b64("r0") });
    expect(all.status).toBe(429);
    expect((await json(all)).code).toBe(8);
    const limited = await json(await post("/v3/kv/range", { key: b64("r/"), range_end: b64("r0"), limit: 10 }));
    expect(limited.kvs).toHaveLength(10);
    expect(limited.more).toBe(true);
    expect(limited.count).toBe(String(n));
    expect((await json(await post("/v3/kv/range", { key: b64("r/"), range_end: b64("r0"), count_only: true }))).count).toBe(String(n));
  });

  test(`a watch stream holds at most ${watchLimits.watchersPerStreamMax} watchers`, async () => {
    const { post } = setup();
    const body = Array.from({ length: watchLimits.watchersPerStreamMax + 1 }, (_, i) => JSON.stringify({ create_request: { key: b64(`w${i}`) } })).join("");
    const controller = new AbortController();
    const r = await post("/v3/watch", body);
    expect(r.status).toBe(200);
    const reader = r.body!.getReader();
    const lines: any[] = [];
    let buf = "";
    while (lines.length < watchLimits.watchersPerStreamMax + 1) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += new TextDecoder().decode(value);
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        lines.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    }
    await reader.cancel();
    controller.abort();
    expect(lines.slice(0, -1).every((l) => l.result.created === true && !l.result.canceled)).toBe(true);
    const last = lines[lines.length - 1].result;
    expect(last).toMatchObject({ created: true, canceled: true, watch_id: "-1" });
    expect(last.cancel_reason).toContain("too many watchers");
  });
});

describe("v3 watch progress", () => {
  test("progress_notify: an idle watcher gets a progress response with the current revision", async () => {
    const { post } = setup();
    const saved = { ...watchLimits };
    watchLimits.pollWaitMs = 50;
    watchLimits.progressNotifyIntervalMs = 200;
    try {
      await post("/v3/kv/put", { key: b64("other"), value: b64("1") });
      const r = await post("/v3/watch", { create_request: { key: b64("idle"), progress_notify: true, watch_id: 5 } });
      const reader = r.body!.getReader();
      const lines: any[] = [];
      let buf = "";
      while (lines.length < 2) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += new TextDecoder().decode(value);
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          lines.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
        }
      }
      await reader.cancel();
      expect(lines[0].result).toMatchObject({ watch_id: "5", created: true });
      expect(lines[1].result).toEqual({ header: expect.objectContaining({ revision: "2" }), watch_id: "5" });
    } finally {
      Object.assign(watchLimits, saved);
    }
  });
});

describe("v3 watch stream requests", () => {
  test("requests sent later on an open body are served as they arrive", async () => {
    const { app, post } = setup();
    let send!: (text: string) => void;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        send = (text) => c.enqueue(new TextEncoder().encode(text));
      },
    });
    send(JSON.stringify({ create_request: { key: b64("a") } }));
    const r = await app.request("/v3/watch", { method: "POST", body, duplex: "half" } as RequestInit, { rawTarget: "/v3/watch" });
    expect(r.status).toBe(200);
    const reader = r.body!.getReader();
    const lines: any[] = [];
    let buf = "";
    const until = async (n: number) => {
      while (lines.length < n) {
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buf += new TextDecoder().decode(value);
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          lines.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
        }
      }
    };
    await until(1);
    // The second request arrives in two pieces, split inside a string.
    const second = JSON.stringify({ create_request: { key: b64("b") } });
    send(second.slice(0, 10));
    send(second.slice(10) + JSON.stringify({ cancel_request: { watch_id: 0 } }));
    await until(3);
    await post("/v3/kv/put", { key: b64("b"), value: b64("1") });
    await post("/v3/kv/put", { key: b64("a"), value: b64("1") });
    await until(4);
    await reader.cancel();
    expect(lines.map((l) => l.result)).toEqual([
      expect.objectContaining({ created: true }),
      expect.objectContaining({ watch_id: "1", created: true }),
      expect.objectContaining({ canceled: true }),
      expect.objectContaining({ watch_id: "1", events: [expect.objectContaining({ kv: expect.objectContaining({ key: b64("b") }) })] }),
    ]);
    expect(lines[0].result.watch_id).toBeUndefined();
    expect(lines[2].result.watch_id).toBeUndefined();
  });
});

describe("v3 bad input", () => {
  const bodies = ["", "{", "}", "[1,2]", "null", "1", '"s"', '{"key":[]}', '{"key":"a"}', '{"key":"YQ==","limit":{}}', '{"key":"YQ==","revision":"9e99"}',
    '{"key":"YQ==","lease":"99999999999999999999"}', '{"compare":[{"key":"YQ==","target":9}]}', '{"success":[{"request_put":{}}]}', '{"ID":-1}', '{"TTL":"x"}',
    '{"create_request":{"key":1}}', '{"create_request":{"filters":["NOPE"]}}', '{"cancel_request":{}}', "\u0000", '{"key":"YQ==","sort_order":99,"sort_target":-4}'];
  const paths = ["kv/range", "kv/put", "kv/deleterange", "kv/txn", "kv/compaction", "lease/grant", "lease/revoke", "lease/keepalive", "lease/timetolive", "lease/leases", "maintenance/status"];

  test("every route answers etcd-style JSON with a 2xx or 4xx, never a 500", async () => {
    const { post } = setup();
    for (const path of paths) {
      for (const body of bodies) {
        const r = await post(`/v3/${path}`, body);
        expect(r.status, `${path} ${body}`).toBeLessThan(500);
        const text = await r.text();
        if (r.status >= 400) expect(JSON.parse(text), `${path} ${body}`).toHaveProperty("code");
      }
    }
  });

  test("the watch route refuses a malformed body before streaming", async () => {
    const { post } = setup();
    const r = await post("/v3/watch", '{"create_request":{"key":1}}');
    expect(r.status).toBe(400);
    expect(await json(r)).toEqual({ error: "json: cannot unmarshal number into Go value of type []uint8", message: "json: cannot unmarshal number into Go value of type []uint8", code: 3 });
  });

  test("only POST; unknown names are 404", async () => {
    const { call } = setup();
    expect((await call("GET", "/v3/kv/range")).status).toBe(405);
    expect(await (await call("GET", "/v3/kv/range")).text()).toBe("Method Not Allowed\n");
    expect((await call("POST", "/v3/kv/nothing", "{}")).status).toBe(404);
  });
});
