// Unit tests: routing, validation order, rendering and watches through app.request().
import { afterEach, describe, expect, test } from "vitest";
import { createApp } from "../../src/http/app.js";
import { DirectHandler } from "../../src/http/direct-handler.js";
import { formBodyBytesMax } from "../../src/http/parse.js";
import { renderEvent, renderNode } from "../../src/http/render.js";

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
let handlers: DirectHandler[] = [];
afterEach(() => {
  for (const h of handlers) h.close();
  handlers = [];
});

function setup() {
  let now = T0;
  const handler = new DirectHandler({ now: () => now, autoSync: false, clusterId: "abc" });
  handlers.push(handler);
  const app = createApp({ handler, now: () => now });
  /** The raw target goes through env, as the Node adapter passes it. */
  const call = (method: string, target: string, body?: string, contentType = "application/x-www-form-urlencoded") =>
    app.request(
      target,
      { method, ...(body !== undefined ? { body, headers: { "Content-Type": contentType } } : {}) },
      { rawTarget: target },
    );
  return { app, handler, call, advance: (ms: number) => (now += ms) };
}

describe("routing", () => {
  test("CORS on every response; OPTIONS 200 empty on any path", async () => {
    const { call } = setup();
    for (const [m, p] of [["GET", "/nope"], ["OPTIONS", "//x/../y"], ["PATCH", "/v2/keys/a"], ["GET", "/v2/keys//a"]] as const) {
      const r = await call(m, p);
      expect(r.headers.get("Access-Control-Allow-Origin")).toBe("*");
      expect(r.headers.get("Access-Control-Allow-Methods")).toBe("POST, GET, OPTIONS, PUT, DELETE");
      expect(r.headers.get("Access-Control-Allow-Headers")).toBe("accept, content-type, authorization");
    }
    const o = await call("OPTIONS", "/v2/keys/a");
    expect(o.status).toBe(200);
    expect(await o.text()).toBe("");
  });

  test("ServeMux: exact and prefix patterns, Go's 404 text", async () => {
    const { call } = setup();
    for (const p of ["/v2/keysx", "/v2/stats", "/v2/stats/store/", "/v2/stats/self"]) {
      const r = await call("GET", p);
      expect(r.status).toBe(404);
      expect(await r.text()).toBe("404 page not found\n");
      expect(r.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
    }
    expect((await call("GET", "/v2/keys")).status).toBe(200);
    expect((await call("GET", "/v2/keys/")).status).toBe(200);
  });

  test("301 for unclean paths: Location keeps the query, body only for GET; nothing executes", async () => {
    const { call } = setup();
    const g = await call("GET", "/v2/keys//c/a b?x=1");
    expect(g.status).toBe(301);
    expect(g.headers.get("Location")).toBe("/v2/keys/c/a%20b?x=1");
    expect(await g.text()).toBe('<a href="/v2/keys/c/a%20b?x=1">Moved Permanently</a>.\n\n');
    const p = await call("PUT", "/v2/keys/c/./a", "value=1");
    expect(p.status).toBe(301);
    expect(p.headers.get("Content-Type")).toBeNull();
    expect(await p.text()).toBe("");
    expect((await call("GET", "/v2/keys/c/a")).status).toBe(404);
  });

  test("a pattern registered only as /tree/ redirects /tree (Go ServeMux)", async () => {
    const handler = new DirectHandler({ autoSync: false });
    handlers.push(handler);
    const app = createApp({ handler, now: () => T0, routes: { "/v2/tree/": () => new Response("tree") } });
    const r = await app.request("/v2/tree?x=1", {}, { rawTarget: "/v2/tree?x=1" });
    expect(r.status).toBe(301);
    expect(r.headers.get("Location")).toBe("/v2/tree/?x=1");
    expect(await (await app.request("/v2/tree/a", {}, { rawTarget: "/v2/tree/a" })).text()).toBe("tree");
  });

  test("405 with Allow and nosniff", async () => {
    const { call } = setup();
    const k = await call("PATCH", "/v2/keys/a");
    expect(k.status).toBe(405);
    expect(k.headers.get("Allow")).toBe("HEAD,GET,PUT,POST,DELETE");
    expect(k.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(await k.text()).toBe("Method Not Allowed\n");
    expect((await call("HEAD", "/v2/stats/store")).headers.get("Allow")).toBe("GET");
    expect((await call("POST", "/version")).headers.get("Allow")).toBe("GET");
    expect((await call("POST", "/health")).status).toBe(405);
  });

  test("version, health, store stats bodies", async () => {
    const { call } = setup();
    expect(await (await call("GET", "/version")).text()).toBe('{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}');
    const h = await call("GET", "/health");
    expect(await h.text()).toBe('{"health":"true"}');
    expect(h.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
    const s = await (await call("GET", "/v2/stats/store")).text();
    expect(s.startsWith('{"getsSuccess":')).toBe(true);
    expect(s.endsWith(',"watchers":0}')).toBe(true);
  });
});

describe("keys", () => {
  test("fresh root: E = 3, bare dir", async () => {
    const { call } = setup();
    const r = await call("GET", "/v2/keys/");
    expect(r.headers.get("X-Etcd-Index")).toBe("3");
    expect(r.headers.get("X-Etcd-Cluster-Id")).toBe("abc");
    expect(await r.text()).toBe('{"action":"get","node":{"dir":true}}\n');
  });

  test("set → 201 with headers, replace → 200 with prevNode, HEAD has no body", async () => {
    const { call } = setup();
    const a = await call("PUT", "/v2/keys/a", "value=1");
    expect(a.status).toBe(201);
    expect(a.headers.get("X-Etcd-Index")).toBe("4");
    expect(a.headers.get("X-Raft-Index")).not.toBeNull();
    expect(await a.text()).toBe('{"action":"set","node":{"key":"/a","value":"1","modifiedIndex":4,"createdIndex":4}}\n');
    const b = await call("PUT", "/v2/keys/a?value=q", "value=2");
    expect(b.status).toBe(200);
    expect(await b.text()).toContain('"prevNode":{"key":"/a","value":"1"');
    const h = await call("HEAD", "/v2/keys/a");
    expect(h.status).toBe(200);
    expect(await h.text()).toBe("");
  });

  test("validation: first failure wins, 400 with index 0 and X-Etcd-Index 0", async () => {
    const { call } = setup();
    const cases: [string, number, string][] = [
      ["?prevIndex=x&ttl=y&recursive=z", 203, 'invalid value for "prevIndex"'],
      ["?waitIndex=x&recursive=z", 203, 'invalid value for "waitIndex"'],
      ["?recursive=z&sorted=z", 209, 'invalid value for "recursive"'],
      ["?sorted=z&wait=z", 209, 'invalid value for "sorted"'],
      ["?wait=z&dir=z", 209, 'invalid value for "wait"'],
      ["?dir=z&quorum=z", 209, 'invalid value for "dir"'],
      ["?quorum=z&stream=z", 209, 'invalid value for "quorum"'],
      ["?stream=z&wait=true", 209, 'invalid value for "stream"'],
      ["?wait=true&prevValue=", 209, '"wait" can only be used with GET requests'],
      ["?prevValue=&noValueOnSuccess=z", 201, '"prevValue" cannot be empty'],
      ["?noValueOnSuccess=z&ttl=z", 209, 'invalid value for "noValueOnSuccess"'],
      ["?ttl=z&prevExist=z", 202, 'invalid value for "ttl"'],
      ["?prevExist=z&refresh=z", 209, "invalid value for prevExist"],
      ["?refresh=z", 209, "invalid value for refresh"],
      ["?refresh=true&value=v", 211, "A value was provided on a refresh"],
      ["?refresh=true", 212, "No TTL value set"],
      ["?value=%zz", 210, 'invalid URL escape "%zz"'],
    ];
    for (const [q, code, cause] of cases) {
      const r = await call("PUT", `/v2/keys/x${q}`);
      expect(r.status, q).toBe(400);
      expect(r.headers.get("X-Etcd-Index")).toBe("0");
      expect(JSON.parse(await r.text()), q).toMatchObject({ errorCode: code, cause, index: 0 });
    }
  });

  test("body before query; non-form bodies ignored; DELETE ignores its body", async () => {
    const { call } = setup();
    await call("PUT", "/v2/keys/a?value=q", "value=b");
    expect(await (await call("GET", "/v2/keys/a")).text()).toContain('"value":"b"');
    await call("PUT", "/v2/keys/t", "value=x", "text/plain");
    expect(await (await call("GET", "/v2/keys/t")).text()).toContain('"value":""');
    const d = await call("DELETE", "/v2/keys/a", "prevValue=nomatch");
    expect(JSON.parse(await d.text()).action).toBe("delete");
  });

  test("store errors: status by code, /1 trimmed from the cause, CAD on root has no cause", async () => {
    const { call } = setup();
    const nf = await call("GET", "/v2/keys/nope/deeper");
    expect(nf.status).toBe(404);
    expect(await nf.text()).toBe('{"errorCode":100,"message":"Key not found","cause":"/nope","index":3}\n');
    expect(nf.headers.get("X-Raft-Index")).toBeNull();
    const root = await call("DELETE", "/v2/keys/?prevValue=z");
    expect(root.status).toBe(403);
    expect(await root.text()).toBe('{"errorCode":102,"message":"Not a file","index":3}\n');
  });

  test("noValueOnSuccess and TTL rendering with the injected clock; expiry by sync()", async () => {
    const { call, advance, handler } = setup();
    expect(await (await call("PUT", "/v2/keys/n?noValueOnSuccess=true", "value=1")).text()).toBe('{"action":"set"}\n');
    const t = JSON.parse(await (await call("PUT", "/v2/keys/t", "value=v&ttl=5")).text());
    expect(t.node).toMatchObject({ ttl: 5, expiration: "2026-11-24T12:00:05Z" });
    advance(4_200);
    expect(JSON.parse(await (await call("GET", "/v2/keys/t")).text()).node.ttl).toBe(1);
    advance(800);
    handler.sync();
    expect((await call("GET", "/v2/keys/t")).status).toBe(404);
  });

  test("render: field order and omission rules", () => {
    const node = { key: "/1/d", dir: true, expirationMs: T0 + 1500, modifiedIndex: 5, createdIndex: 4,
      nodes: [{ key: "/1/d/k", value: "", dir: false, expirationMs: null, modifiedIndex: 6, createdIndex: 6 }] };
    expect(renderNode(node, T0)).toBe(
      '{"key":"/d","dir":true,"expiration":"2026-11-24T12:00:01.5Z","ttl":2,"nodes":[{"key":"/d/k","value":"","modifiedIndex":6,"createdIndex":6}],"modifiedIndex":5,"createdIndex":4}',
    );
    expect(renderNode({ ...node, nodes: [] }, T0 + 1500)).not.toContain("ttl");
    expect(renderEvent({ action: "delete", node: { key: "/1/k", dir: false, expirationMs: null, modifiedIndex: 7, createdIndex: 6 }, etcdIndex: 7 }, T0))
      .toBe('{"action":"delete","node":{"key":"/k","modifiedIndex":7,"createdIndex":6}}\n');
  });
});

describe("form body limit and the SYNC timer", () => {
  test("a form body of formBodyBytesMax bytes is read; one byte more is 210 http: POST too large", async () => {
    const { call } = setup();
    const ok = await call("PUT", "/v2/keys/big", "value=" + "a".repeat(formBodyBytesMax - 6));
    expect(ok.status).toBe(201);
    const tooBig = await call("PUT", "/v2/keys/big", "value=" + "a".repeat(formBodyBytesMax - 5));
    expect(tooBig.status).toBe(400);
    expect(JSON.parse(await tooBig.text())).toMatchObject({ errorCode: 210, cause: "http: POST too large" });
  });

  test("the DirectHandler's own timer expires due keys", async () => {
    const handler = new DirectHandler();
    handlers.push(handler);
    const app = createApp({ handler, now: () => Date.now() });
    expect((await app.request("/v2/keys/z", { method: "PUT", body: "value=1&ttl=0", headers: { "Content-Type": "application/x-www-form-urlencoded" } })).status).toBe(201);
    const deadline = Date.now() + 3_000;
    while ((await app.request("/v2/keys/z")).status !== 404) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});

describe("watches", () => {
  test("long poll: headers at registration with E, then one event and the end", async () => {
    const { call } = setup();
    const w = await call("GET", "/v2/keys/w?wait=true");
    expect(w.status).toBe(200);
    expect(w.headers.get("X-Etcd-Index")).toBe("3");
    const put = await (await call("PUT", "/v2/keys/w", "value=v")).text();
    expect(await w.text()).toBe(put);
  });

  test("stream: one line per event; cancelling the body unregisters the watcher", async () => {
    const { call, handler } = setup();
    const w = await call("GET", "/v2/keys/s?wait=true&recursive=true&stream=true");
    expect(handler.hub.watcherCount()).toBe(1);
    await call("PUT", "/v2/keys/s/a", "value=1");
    await call("PUT", "/v2/keys/s/b", "value=2");
    const reader = (w.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    let text = "";
    while (text.split("\n").length < 3) text += dec.decode((await reader.read()).value);
    expect(text.split("\n").slice(0, 2).map((l) => JSON.parse(l).node.key)).toEqual(["/s/a", "/s/b"]);
    await reader.cancel();
    expect(handler.hub.watcherCount()).toBe(0);
  });

  test("an aborted request cancels a waiting long poll", async () => {
    const { app, handler } = setup();
    const ac = new AbortController();
    const w = await app.request("/v2/keys/x?wait=true", { signal: ac.signal }, { rawTarget: "/v2/keys/x?wait=true" });
    expect(w.status).toBe(200);
    expect(handler.hub.watcherCount()).toBe(1);
    ac.abort();
    expect(handler.hub.watcherCount()).toBe(0);
  });

  test("history: waitIndex in the past answers at once, X-Etcd-Index = current E", async () => {
    const { call } = setup();
    await call("PUT", "/v2/keys/h", "value=1");
    await call("PUT", "/v2/keys/other", "value=2");
    const w = await call("GET", "/v2/keys/h?wait=true&waitIndex=4");
    expect(w.headers.get("X-Etcd-Index")).toBe("5");
    expect(JSON.parse(await w.text()).node.value).toBe("1");
  });
});
