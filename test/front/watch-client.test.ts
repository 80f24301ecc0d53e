// Unit tests: the Worker's watch client against a scripted member — one feed per member shared
// by the isolate's watches, registrations over RPC, the slow-client buffer, cancellation on the
// feed, re-registration with replay when a feed breaks or the member asks for a resync.
import { afterEach, describe, expect, test, vi } from "vitest";
import { feedSilentMsMax, isolateFeedCount, isolateWatcherCount, openWatch, watchEventsBufferedMax, watchRegisterMsMax } from "../../src/front/watch-client.js";
import { watchResponse } from "../../src/http/watch.js";
import type { FeedFrame, WatchAddReply, WatchRegistration } from "../../src/member/rpc-types.js";
import type { V2Event } from "../../src/store/types.js";

type Listener = (e: { data?: unknown }) => void;

/** A member's side of a feed: `send` delivers a frame to the Worker's listeners. */
class FakeSocket {
  readonly listeners = new Map<string, Listener[]>();
  readonly received: string[] = [];
  closed: string | null = null;
  constructor(readonly feed: string) {}
  accept(): void {}
  addEventListener(type: string, l: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  /** The Worker sends. */
  send(text: string): void {
    this.received.push(text);
  }
  close(_code?: number, reason = ""): void {
    if (this.closed !== null) return;
    this.closed = reason;
    for (const l of this.listeners.get("close") ?? []) l({});
  }
  /** The member sends. */
  push(frame: FeedFrame | string): void {
    for (const l of this.listeners.get("message") ?? []) l({ data: typeof frame === "string" ? frame : JSON.stringify(frame) });
  }
  cancelled(): number[] {
    return this.received.filter((t) => t !== "ping").flatMap((t) => (JSON.parse(t) as { ids: number[] }).ids);
  }
}

/** A scripted member: feeds it accepted, registrations it took, and how it answers the next one. */
class FakeMember {
  readonly feeds: FakeSocket[] = [];
  readonly regs: Array<{ feed: string; reg: WatchRegistration }> = [];
  answer: (reg: WatchRegistration) => WatchAddReply = () => ({ kind: "started", etcdIndex: 7, raftIndex: 9, raftTerm: 2, events: [], done: false });
  readonly stub = {
    fetch: async (url: string) => {
      const ws = new FakeSocket(new URL(url).searchParams.get("feed")!);
      this.feeds.push(ws);
      return { status: 101, webSocket: ws };
    },
    watchAdd: async (_to: unknown, feed: string, reg: WatchRegistration) => {
      if (!this.feeds.some((f) => f.feed === feed && f.closed === null)) return { kind: "noFeed" };
      this.regs.push({ feed, reg });
      return this.answer(reg);
    },
  };
  target = () => ({ stub: this.stub as never, member: { token: "t", name: `infra-${this.name}` } });
  constructor(private readonly name: string) {}
  open(path = "/1/k", stream = true, sinceIndex = 0) {
    return openWatch(this.target, { path, recursive: false, stream, sinceIndex }, null);
  }
  live(): FakeSocket {
    return this.feeds.filter((f) => f.closed === null).at(-1)!;
  }
}

function event(i: number): V2Event {
  return { action: "set", node: { key: "/1/k", value: String(i), dir: false, expirationMs: null, modifiedIndex: i, createdIndex: i }, etcdIndex: i };
}

let members = 0;
const opened: Array<() => void> = [];
function member(): FakeMember {
  const m = new FakeMember(String(++members));
  return m;
}

afterEach(() => {
  for (const cancel of opened.splice(0)) cancel();
});

async function started(m: FakeMember, ...args: Parameters<FakeMember["open"]>) {
  const start = await m.open(...args);
  if (!start.ok) throw new Error(`not started: ${JSON.stringify(start.error)}`);
  opened.push(start.cancel);
  return start;
}

describe("watch client", () => {
  test("the watches of an isolate share one feed per member; one frame reaches every watch it names", async () => {
    const m = member();
    const feedsBefore = isolateFeedCount();
    const starts = await Promise.all(Array.from({ length: 50 }, () => started(m)));
    expect(m.feeds).toHaveLength(1);
    expect(isolateFeedCount()).toBe(feedsBefore + 1);
    const ids = m.regs.map((r) => r.reg.id);
    expect(new Set(ids).size).toBe(50);
    m.live().push({ type: "event", ids, event: event(8) });
    for (const s of starts) {
      const next = await s.events[Symbol.asyncIterator]().next();
      expect(next.value?.node.modifiedIndex).toBe(8);
    }
  });

  test("an id named twice is delivered twice (etcd's removal callback); unknown ids are cancelled", async () => {
    const m = member();
    const s = await started(m);
    const id = m.regs[0]!.reg.id;
    m.live().push({ type: "event", ids: [id, id, 424242], event: event(8) });
    const it = s.events[Symbol.asyncIterator]();
    expect((await it.next()).value?.node.modifiedIndex).toBe(8);
    expect((await it.next()).value?.node.modifiedIndex).toBe(8);
    expect(m.live().cancelled()).toEqual([424242]);
  });

  test(`a client ${watchEventsBufferedMax} events behind gets them, then a final error line; its registration is cancelled`, async () => {
    const m = member();
    const before = isolateWatcherCount();
    const start = await started(m);
    expect(isolateWatcherCount()).toBe(before + 1);
    const id = m.regs[0]!.reg.id;
    for (let i = 10; i < 10 + watchEventsBufferedMax + 5; i++) m.live().push({ type: "event", ids: [id], event: event(i) });
    expect(isolateWatcherCount()).toBe(before);
    expect(m.live().cancelled()).toEqual([id]);
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

  test("cancel releases the isolate's count once and tells the member on the feed's next turn", async () => {
    const m = member();
    const before = isolateWatcherCount();
    const start = await started(m);
    start.cancel();
    start.cancel();
    expect(isolateWatcherCount()).toBe(before);
    const id = m.regs[0]!.reg.id;
    await until(() => m.live().cancelled().includes(id));
    expect(m.live().cancelled()).toEqual([id]);
  });

  test("a one-shot that fired is not cancelled (the member let it go)", async () => {
    const m = member();
    const s = await started(m, "/1/k", false);
    const id = m.regs[0]!.reg.id;
    m.live().push({ type: "event", ids: [id], event: event(8) });
    expect((await s.events[Symbol.asyncIterator]().next()).value?.node.modifiedIndex).toBe(8);
    m.live().push("pong");
    await new Promise((r) => setTimeout(r, 300)); // two pump turns
    expect(m.live().cancelled()).toEqual([]);
  });

  test("history answers come before live events that beat the registration's answer", async () => {
    const m = member();
    m.answer = (reg) => {
      // The member's first live event reaches the feed before its answer reaches the watch.
      queueMicrotask(() => m.live().push({ type: "event", ids: [reg.id], event: event(12) }));
      return { kind: "started", etcdIndex: 11, raftIndex: 13, raftTerm: 2, events: [event(10), event(11)], done: false };
    };
    const s = await started(m, "/1/k", true, 10);
    const it = s.events[Symbol.asyncIterator]();
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await it.next()).value?.node.modifiedIndex);
    expect(got).toEqual([10, 11, 12]);
  });

  test("a feed that breaks: every watch on it registers again from the index after its last event, with replay, on a new feed", async () => {
    const m = member();
    const a = await started(m);
    const b = await started(m);
    const [ra, rb] = m.regs.map((r) => r.reg.id);
    m.live().push({ type: "event", ids: [ra!, rb!], event: event(8) });
    const ia = a.events[Symbol.asyncIterator]();
    const ib = b.events[Symbol.asyncIterator]();
    expect((await ia.next()).value?.node.modifiedIndex).toBe(8);
    expect((await ib.next()).value?.node.modifiedIndex).toBe(8);
    m.answer = () => ({ kind: "started", etcdIndex: 12, raftIndex: 14, raftTerm: 3, events: [event(10), event(12)], done: false });
    const nextA = ia.next();
    const nextB = ib.next();
    m.feeds[0]!.close(1006, "member crashed");
    expect((await nextA).value?.node.modifiedIndex).toBe(10);
    expect((await nextB).value?.node.modifiedIndex).toBe(10);
    expect(m.feeds).toHaveLength(2);
    const again = m.regs.slice(2);
    expect(again.map((r) => [r.feed, r.reg.since, r.reg.replay])).toEqual([
      [m.feeds[1]!.feed, 9, true],
      [m.feeds[1]!.feed, 9, true],
    ]);
  });

  test("resync: the member forgot its registrations; the watches register again on the same feed, with replay", async () => {
    const m = member();
    const s = await started(m);
    const it = s.events[Symbol.asyncIterator]();
    m.live().push({ type: "event", ids: [m.regs[0]!.reg.id], event: event(8) });
    expect((await it.next()).value?.node.modifiedIndex).toBe(8);
    m.answer = () => ({ kind: "started", etcdIndex: 9, raftIndex: 10, raftTerm: 2, events: [event(9)], done: false });
    const next = it.next();
    m.live().push({ type: "resync" });
    expect((await next).value?.node.modifiedIndex).toBe(9);
    expect(m.feeds).toHaveLength(1);
    expect([m.regs[1]!.reg.since, m.regs[1]!.reg.replay]).toEqual([9, true]);
    expect(m.regs[1]!.reg.id).not.toBe(m.regs[0]!.reg.id);
    // The old id is let go too: had the member taken it after it woke, it would count twice.
    expect(m.live().cancelled()).toEqual([m.regs[0]!.reg.id]);
  });

  test("a watch whose events left the history while its feed was down ends with etcd's 401", async () => {
    const m = member();
    const start = await started(m);
    const cleared = { errorCode: 401, message: "The event in requested index is outdated and cleared", cause: "the requested history has been cleared [1100/8]", index: 2100 };
    m.answer = () => ({ kind: "error", error: cleared });
    m.feeds[0]!.close(1006, "member crashed");
    const res = await watchResponse(async () => start, true, "abc", () => 0, new AbortController().signal);
    expect(JSON.parse(await res.text())).toEqual(cleared);
  });

  test(`a registration the member does not answer in ${watchRegisterMsMax} ms fails the watch, and is let go if it lands later`, async () => {
    vi.useFakeTimers();
    try {
      const m = member();
      const before = isolateWatcherCount();
      const hanging = m.stub.watchAdd;
      let id = 0;
      m.stub.watchAdd = async (_to, _feed, reg) => {
        id = reg.id;
        return new Promise<never>(() => {});
      };
      const started = m.open().then(
        () => "opened",
        (e: Error) => e.message,
      );
      await vi.advanceTimersByTimeAsync(watchRegisterMsMax + 1);
      expect(await started).toBe(`watch registration: no answer in ${watchRegisterMsMax} ms`);
      expect(isolateWatcherCount()).toBe(before);
      await vi.advanceTimersByTimeAsync(500); // the feed's pump
      expect(m.live().cancelled()).toEqual([id]);
      m.stub.watchAdd = hanging;
    } finally {
      vi.useRealTimers();
    }
  });

  test(`a feed not heard from for ${feedSilentMsMax} ms is given up for a new one`, async () => {
    const m = member();
    const realNow = Date.now;
    let skew = 0;
    Date.now = () => realNow() + skew;
    try {
      const s = await started(m);
      const it = s.events[Symbol.asyncIterator]();
      const next = it.next();
      m.answer = () => ({ kind: "started", etcdIndex: 9, raftIndex: 10, raftTerm: 2, events: [event(9)], done: false });
      skew = feedSilentMsMax + 1; // the feed's request ended: no pong comes
      expect((await next).value?.node.modifiedIndex).toBe(9);
      expect(m.feeds).toHaveLength(2);
      await until(() => m.feeds[0]!.closed === "lost"); // by its own pump
    } finally {
      Date.now = realNow;
    }
  });
});

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition never held");
    await new Promise((r) => setTimeout(r, 5));
  }
}
