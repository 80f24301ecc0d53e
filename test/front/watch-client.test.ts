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
  const started = openWatch(() => ({ stub: stub as never, member: { token: "t", name: "infra0" } }), { path: "/1/k", recursive: false, stream: true, sinceIndex: 0 }, null);
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

  test("a member socket that breaks is registered again from the index after the last event, with replay", async () => {
    const sockets = [new FakeSocket(), new FakeSocket()];
    const urls: string[] = [];
    const stub = {
      fetch: async (url: string) => {
        urls.push(url);
        return { status: 101, webSocket: sockets[urls.length - 1] };
      },
    };
    const started = openWatch(() => ({ stub: stub as never, member: { token: "t", name: "infra0" } }), { path: "/1/k", recursive: false, stream: true, sinceIndex: 0 }, null);
    await until(() => sockets[0]!.listeners.has("message"));
    sockets[0]!.send({ type: "start", etcdIndex: 7, raftIndex: 9, raftTerm: 2 });
    const start = await started;
    if (!start.ok) throw new Error("not started");
    const events = start.events[Symbol.asyncIterator]();
    sockets[0]!.send({ type: "event", event: event(8) });
    expect((await events.next()).value?.node.modifiedIndex).toBe(8);
    sockets[0]!.close(1006, "member crashed");
    await until(() => sockets[1]!.listeners.has("message"));
    const again = new URL(urls[1]!).searchParams;
    expect([again.get("since"), again.get("replay")]).toEqual(["9", "true"]);
    sockets[1]!.send({ type: "start", etcdIndex: 12, raftIndex: 14, raftTerm: 3 });
    for (const i of [10, 12]) sockets[1]!.send({ type: "event", event: event(i) });
    expect((await events.next()).value?.node.modifiedIndex).toBe(10);
    expect((await events.next()).value?.node.modifiedIndex).toBe(12);
    start.cancel();
    expect(sockets[1]!.closed).toBe("cancelled");
  });

  test("a watch whose events left the history while it was away ends with etcd's 401", async () => {
    const sockets = [new FakeSocket(), new FakeSocket()];
    let n = 0;
    const stub = { fetch: async () => ({ status: 101, webSocket: sockets[n++] }) };
    const started = openWatch(() => ({ stub: stub as never, member: { token: "t", name: "infra0" } }), { path: "/1/k", recursive: false, stream: true, sinceIndex: 0 }, null);
    await until(() => sockets[0]!.listeners.has("message"));
    sockets[0]!.send({ type: "start", etcdIndex: 7, raftIndex: 9, raftTerm: 2 });
    const start = await started;
    if (!start.ok) throw new Error("not started");
    sockets[0]!.close(1006, "member crashed");
    await until(() => sockets[1]!.listeners.has("message"));
    const cleared = { errorCode: 401, message: "The event in requested index is outdated and cleared", cause: "the requested history has been cleared [1100/8]", index: 2100 };
    sockets[1]!.send({ type: "error", error: cleared });
    const res = await watchResponse(async () => start, true, "abc", () => 0, new AbortController().signal);
    expect(JSON.parse(await res.text())).toEqual(cleared);
  });
});

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition never held");
    await new Promise((r) => setTimeout(r, 1));
  }
}
