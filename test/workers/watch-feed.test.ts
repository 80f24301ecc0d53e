/**
 * A member's watch feeds (src/member/watch-hub.ts) in workerd: real WebSockets, real SQLite,
 * real Raft. One frame per event per feed whatever the number of watches on it; registrations
 * over RPC; cancellation on the feed; what a feed's close and a wake from hibernation do.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { WatchHub } from "../../src/member/watch-hub.js";
import type { FeedFrame, WatchRegistration } from "../../src/member/rpc-types.js";
import type { V2Request } from "../../src/store/types.js";
import { address, eventually, leader, member } from "./helpers.js";

const req = (method: V2Request["method"], path: string, val = ""): V2Request => ({
  method, path, val, dir: false, prevValue: "", prevIndex: 0, prevExist: null,
  expirationMs: 0, refresh: false, recursive: false, sorted: false, timeMs: 0,
});

let ids = 0;
const reg = (path: string, over: Partial<WatchRegistration> = {}): WatchRegistration => ({
  id: ++ids, path, recursive: false, stream: true, since: 0, replay: false, access: "internal", ...over,
});

/** A feed as a Worker isolate opens one: the frames it received, in order. */
async function openFeed(name: string, feed = crypto.randomUUID()) {
  const resp = await member(name).fetch(`https://member/watch-feed?token=etcd-cluster&name=${name}&feed=${feed}`, { headers: { Upgrade: "websocket" } });
  const ws = resp.webSocket!;
  ws.accept();
  const frames: Array<FeedFrame | "pong"> = [];
  let closed = false;
  ws.addEventListener("message", (e) => {
    frames.push(e.data === "pong" ? "pong" : (JSON.parse(String(e.data)) as FeedFrame));
  });
  ws.addEventListener("close", () => {
    closed = true;
  });
  return { id: feed, ws, frames, closed: () => closed };
}

async function watchers(name: string): Promise<number> {
  return (await member(name).storeStats(address(name))).watchers;
}

describe("watch feeds", () => {
  it("sends one frame per event per feed, naming every watch it is for", async () => {
    const l = await leader();
    const feed = await openFeed(l.name);
    const regs = Array.from({ length: 200 }, () => reg("/feed/a"));
    for (const r of regs) expect((await member(l.name).watchAdd(address(l.name), feed.id, r)).kind).toBe("started");
    expect(await watchers(l.name)).toBeGreaterThanOrEqual(200);
    await member(l.name).propose(address(l.name), "feed-1", req("PUT", "/feed/a", "x"));
    const frame = await eventually("the event", async () => feed.frames.find((f) => f !== "pong" && f.type === "event"));
    expect(feed.frames.filter((f) => f !== "pong" && f.type === "event")).toHaveLength(1);
    if (frame === "pong" || frame.type !== "event") throw new Error("not an event");
    expect(frame.ids.sort((a, b) => a - b)).toEqual(regs.map((r) => r.id));
    expect(frame.event.node.value).toBe("x");
    feed.ws.close(1000, "done");
  });

  it("lets a one-shot go once it fired, and a cancelled watch at once", async () => {
    const l = await leader();
    const before = await watchers(l.name);
    const feed = await openFeed(l.name);
    const once = reg("/feed/b", { stream: false });
    const stream = reg("/feed/b");
    await member(l.name).watchAdd(address(l.name), feed.id, once);
    await member(l.name).watchAdd(address(l.name), feed.id, stream);
    expect(await watchers(l.name)).toBe(before + 2);
    await member(l.name).propose(address(l.name), "feed-2", req("PUT", "/feed/b", "1"));
    await eventually("the one-shot released", async () => (await watchers(l.name)) === before + 1);
    feed.ws.send(JSON.stringify({ type: "cancel", ids: [stream.id] }));
    await eventually("the stream released", async () => (await watchers(l.name)) === before);
    feed.ws.close(1000, "done");
  });

  it("answers a waitIndex from the history, replays a resumed stream, and refuses an unknown feed", async () => {
    const l = await leader();
    const a = await member(l.name).propose(address(l.name), "feed-3", req("PUT", "/feed/c", "1"));
    await member(l.name).propose(address(l.name), "feed-4", req("PUT", "/feed/c", "2"));
    if (a.kind !== "done") throw new Error("write failed");
    const feed = await openFeed(l.name);
    const since = a.etcdIndex;
    const poll = await member(l.name).watchAdd(address(l.name), feed.id, reg("/feed/c", { stream: false, since }));
    expect(poll.kind === "started" && [poll.done, poll.events.map((e) => e.node.value)]).toEqual([true, ["1"]]);
    const resumed = await member(l.name).watchAdd(address(l.name), feed.id, reg("/feed/c", { since, replay: true }));
    expect(resumed.kind === "started" && [resumed.done, resumed.events.map((e) => e.node.value)]).toEqual([false, ["1", "2"]]);
    expect(await member(l.name).watchAdd(address(l.name), "no-such-feed", reg("/feed/c"))).toEqual({ kind: "noFeed" });
    feed.ws.close(1000, "done");
  });

  it("holds a future waitIndex until its own index", async () => {
    const l = await leader();
    const feed = await openFeed(l.name);
    const now = await member(l.name).propose(address(l.name), "feed-5", req("PUT", "/feed/e", "0"));
    if (now.kind !== "done") throw new Error("write failed");
    const future = reg("/feed/e", { since: now.etcdIndex + 2 });
    expect((await member(l.name).watchAdd(address(l.name), feed.id, future)).kind).toBe("started");
    for (const [i, v] of ["1", "2"].entries()) await member(l.name).propose(address(l.name), `feed-6-${i}`, req("PUT", "/feed/e", v));
    const frame = await eventually("the event at its index", async () => feed.frames.find((f) => f !== "pong" && f.type === "event"));
    if (frame === "pong" || frame.type !== "event") throw new Error("not an event");
    expect([frame.event.node.value, frame.event.node.modifiedIndex]).toEqual(["2", now.etcdIndex + 2]);
    expect(feed.frames.filter((f) => f !== "pong" && f.type === "event")).toHaveLength(1);
    feed.ws.close(1000, "done");
  });

  it("drops a feed's registrations when it closes", async () => {
    const l = await leader();
    const before = await watchers(l.name);
    const feed = await openFeed(l.name);
    for (let i = 0; i < 5; i++) await member(l.name).watchAdd(address(l.name), feed.id, reg("/feed/d"));
    expect(await watchers(l.name)).toBe(before + 5);
    feed.ws.close(1000, "isolate gone");
    await eventually("the feed's watches released", async () => (await watchers(l.name)) === before);
  });

  it("answers a ping without the member (auto-response), and asks its feeds to resync when it wakes without its registrations", async () => {
    const l = await leader();
    const feed = await openFeed(l.name);
    feed.ws.send("ping");
    await eventually("pong", async () => feed.frames.includes("pong"));
    // What the constructor does on a wake from hibernation: the sockets survived, the registrations did not.
    await runInDurableObject(member(l.name), (_instance, state) => {
      new WatchHub(state, 1000);
    });
    await eventually("resync", async () => feed.frames.some((f) => f !== "pong" && f.type === "resync"));
    feed.ws.close(1000, "done");
  });
});
