// Unit tests: the Worker's watch client against a fake member WebSocket — the slow-client buffer
// and the per-isolate watcher count.
import { describe, expect, test } from "vitest";
import { isolateWatcherCount, openWatch, watchEventsBufferedMax } from "../../src/front/watch-client.js";
import { watchResponse } from "../../src/http/watch.js";
import type { V2Event } from "../../src/store/types.js";

type Listener = (e: { data?: unknown }) => void;

/** A member's side of the socket: `send` delivers a frame to the Worker's listeners. */
class FakeSocket {
  readonly listeners = new Map<string, Listener[]>();
  closed: string | null = null;
  accept(): void {}
  addEventListener(type: string, l: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  close(_code: number, reason: string): void {
    if (this.closed !== null) return;
    this.closed = reason;
    for (const l of this.listeners.get("close") ?? []) l({});
  }
  send(frame: unknown): void {
    for (const l of this.listeners.get("message") ?? []) l({ data: JSON.stringify(frame) });
  }
}

function event(i: number): V2Event {
  return { action: "set", node: { key: "/1/k", value: String(i), dir: false, expirationMs: null, modifiedIndex: i, createdIndex: i }, etcdIndex: i };
}

async function open(ws: FakeSocket) {
  const stub = { fetch: async () => ({ status: 101, webSocket: ws }) };
  const started = openWatch(stub as never, { token: "t", name: "infra0" }, { path: "/1/k", recursive: false, stream: true, sinceIndex: 0 }, null);
  const deadline = Date.now() + 2_000;
  while (!ws.listeners.has("message")) {
    if (Date.now() > deadline) throw new Error("watch client never listened");
    await new Promise((r) => setTimeout(r, 1));
  }
  ws.send({ type: "start", etcdIndex: 7, raftIndex: 9, raftTerm: 2 });
  return started;
}

describe("watch client", () => {
  test(`a client ${watchEventsBufferedMax} events behind gets them, then a final error line; the socket closes`, async () => {
    const ws = new FakeSocket();
    const before = isolateWatcherCount();
    const start = await open(ws);
    expect(isolateWatcherCount()).toBe(before + 1);
    if (!start.ok) throw new Error("not started");
    for (let i = 10; i < 10 + watchEventsBufferedMax + 5; i++) ws.send({ type: "event", event: event(i) });
    expect(ws.closed).toBe("client too slow");
    expect(isolateWatcherCount()).toBe(before);
    const res = await watchResponse(async () => start, true, "abc", () => 0, new AbortController().signal);
    const lines = (await res.text()).trimEnd().split("\n");
    expect(lines).toHaveLength(watchEventsBufferedMax + 1);
    expect(JSON.parse(lines[watchEventsBufferedMax - 1]!).node.value).toBe(String(10 + watchEventsBufferedMax - 1));
    expect(JSON.parse(lines[watchEventsBufferedMax]!)).toEqual({
      errorCode: 300,
      message: "Raft Internal Error",
      cause: `watch dropped: the client fell ${watchEventsBufferedMax} events behind`,
      index: 10 + watchEventsBufferedMax - 1,
    });
  });

  test("cancel releases the isolate's count once", async () => {
    const ws = new FakeSocket();
    const before = isolateWatcherCount();
    const start = await open(ws);
    if (!start.ok) throw new Error("not started");
    start.cancel();
    start.cancel();
    expect(ws.closed).toBe("cancelled");
    expect(isolateWatcherCount()).toBe(before);
  });
});
