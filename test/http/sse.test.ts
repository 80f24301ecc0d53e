// Unit tests: SSE watches and the watch liveness probe through app.request() on the in-process handler.
import { afterEach, describe, expect, test } from "vitest";
import { createApp } from "../../src/http/app.js";
import { DirectHandler } from "../../src/http/direct-handler.js";
import { lastEventId, wantsEventStream } from "../../src/http/sse.js";
import { watchLivenessProbeMs } from "../../src/http/watch.js";

let handlers: DirectHandler[] = [];
afterEach(() => {
  for (const h of handlers) h.close();
  handlers = [];
});

function setup() {
  const handler = new DirectHandler({ now: () => Date.UTC(2026, 10, 24), autoSync: false, clusterId: "abc" });
  handlers.push(handler);
  const app = createApp({ handler, now: () => Date.UTC(2026, 10, 24) });
  const call = (method: string, target: string, init: { body?: string; headers?: Record<string, string> } = {}) =>
    app.request(target, {
      method,
      ...(init.body !== undefined ? { body: init.body } : {}),
      headers: { ...(init.body !== undefined ? { "Content-Type": "application/x-www-form-urlencoded" } : {}), ...init.headers },
    }, { rawTarget: target });
  return { handler, call };
}

/** Reads until `done(text)` holds, failing at the deadline. */
async function readUntil(body: ReadableStream<Uint8Array>, done: (text: string) => boolean, timeoutMs = 5_000): Promise<{ text: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  const deadline = Date.now() + timeoutMs;
  let text = "";
  while (!done(text)) {
    if (Date.now() > deadline) throw new Error(`timed out with ${JSON.stringify(text)}`);
    const r = await reader.read();
    if (r.done) break;
    text += dec.decode(r.value, { stream: true });
  }
  return { text, reader };
}

const sse = { Accept: "text/event-stream" };

describe("SSE watch (in-process)", () => {
  test("frames are id + data; Last-Event-ID resumes with every later event; cancelling unregisters", async () => {
    const { call, handler } = setup();
    for (const v of ["1", "2", "3"]) await call("PUT", "/v2/keys/k", { body: `value=${v}` });
    const w = await call("GET", "/v2/keys/k?wait=true&stream=true", { headers: { ...sse, "Last-Event-ID": "4" } });
    expect(w.status).toBe(200);
    expect(w.headers.get("Content-Type")).toBe("text/event-stream");
    expect(w.headers.get("Content-Encoding")).toBe("identity");
    const { text, reader } = await readUntil(w.body!, (t) => t.split("\n\n").length > 2);
    const frames = text.split("\n\n").slice(0, 2);
    expect(frames.map((f) => f.split("\n")[0])).toEqual(["id: 5", "id: 6"]);
    expect(frames.map((f) => JSON.parse(f.split("\n")[1]!.slice("data: ".length)).node.value)).toEqual(["2", "3"]);
    await reader.cancel();
    expect(handler.hub.watcherCount()).toBe(0);
  });

  test("a cleared index is event: error with etcd's 401 JSON, then the end", async () => {
    const { call } = setup();
    for (let i = 0; i < 1005; i++) await call("PUT", "/v2/keys/n", { body: "value=x" });
    const w = await call("GET", "/v2/keys/k?wait=true&stream=true&waitIndex=2", { headers: sse });
    expect(w.status).toBe(200);
    const text = await w.text();
    expect(text).toMatch(/^event: error\ndata: \{"errorCode":401,"message":"The event in requested index is outdated and cleared",.*\}\n\n$/);
  });

  test("without stream=true, or without the Accept, a watch is etcd's JSON", async () => {
    const { call } = setup();
    const w = await call("GET", "/v2/keys/k?wait=true", { headers: sse });
    expect(w.headers.get("Content-Type")).toBe("application/json");
    await w.body!.cancel();
  });

  test("Accept and Last-Event-ID parsing", () => {
    expect(wantsEventStream("text/event-stream")).toBe(true);
    expect(wantsEventStream("application/json, text/event-stream;q=0.9")).toBe(true);
    expect(wantsEventStream("text/event-streams")).toBe(false);
    expect(wantsEventStream(null)).toBe(false);
    expect(lastEventId(null)).toBeNull();
    expect(lastEventId(" 12 ")).toBe(12);
    expect(lastEventId("-1")).toBeUndefined();
    expect(lastEventId("1e3")).toBeUndefined();
  });
});

describe("liveness probe", () => {
  test("an idle long poll gets a space, and its body still parses as etcd's JSON", async () => {
    const { call } = setup();
    const w = await call("GET", "/v2/keys/p?wait=true");
    const { text, reader } = await readUntil(w.body!, (t) => t.length > 0, watchLivenessProbeMs + 3_000);
    expect(text).toBe(" ");
    const put = await (await call("PUT", "/v2/keys/p", { body: "value=v" })).text();
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(rest).toBe(put);
    expect(JSON.parse(text + rest)).toEqual(JSON.parse(put));
  });
});
