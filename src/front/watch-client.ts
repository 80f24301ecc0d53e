/**
 * The Worker's side of a watch, turned into the WatchStart the HTTP layer streams to the client.
 * The Worker holds the long poll, so no member stays awake for it.
 *
 * The watches of one isolate share one WebSocket per member, a *feed* (member/watch-hub.ts):
 * each watch registers over RPC from its own request, and the member sends each event once per
 * feed, naming the watches it is for; the feed's listener hands it to each of them. So a write
 * with 1,000 watchers costs the member one frame and the isolate one message, where a socket
 * per watch cost 1,000 of each.
 *
 * Workers bind I/O to the request that started it ("Cannot perform I/O on behalf of a
 * different request"): the feed's socket belongs to the request that opened it. Only its own
 * listeners and timers (which run in that request) touch it; every other watch only queues what
 * it wants sent, and is woken by a promise the listener resolves (a continuation runs in the
 * request that awaits it). If that request's I/O goes away, so does the feed: the member stops
 * answering its keep-alive, and every watch on it registers again on a new one.
 *
 * A watch whose feed broke (the member crashed, restarted, replaced its state, or the feed's
 * request ended) or was told to `resync` (the member woke from hibernation and forgot its
 * registrations) registers again from the index after the last event it delivered, with
 * `replay`: the member answers every matching event since from its history, then live ones.
 * The client sees no gap and no duplicate; if the events it missed left the history it gets
 * etcd's 401 as the last word.
 *
 * @module
 */
import type { Access } from "../auth/types.js";
import type { WatchRequest, WatchStart } from "../http/handler.js";
import type { Member } from "../member/member-do.js";
import type { FeedFrame, MemberAddress, WatchAddReply } from "../member/rpc-types.js";
import type { V2Error, V2Event } from "../store/types.js";

/** Events buffered for a slow client before the watch is dropped (etcd drops at 100). */
export const watchEventsBufferedMax = 100;
/** Watches one Worker isolate holds open (each an HTTP response and a registration on a feed). */
export const watchersPerIsolateMax = 10_000;
/** How long a watch whose member went away keeps trying to register again before it ends. */
export const watchResumeMsMax = 15_000;
/** How long a watch waits for the member to answer its registration (etcd's request timeout). */
export const watchRegisterMsMax = 7_000;
/** How long a watch waits for its isolate's feed to a member to open. */
export const feedOpenMsMax = 5_000;
/** How often a feed's request sends what its watches queued (cancellations). */
export const feedPumpMs = 200;
/** How often a feed pings its member (answered by the platform, without waking the member). */
export const feedPingMs = 2_000;
/** A feed not heard from for this long (no pong, no event) is taken for broken. */
export const feedSilentMsMax = 10_000;
/** How often each idle watch checks its feed, at least; more rarely with many watches (≤ 200 checks/s). */
const feedCheckMsMin = 5_000;
const feedChecksPerSecondMax = 200;
/** Cancelled ids a feed remembers (so late frames do not cancel them again); then it forgets. */
const feedToldIdsMax = 10_000;
const resumeBackoffMs = [50, 100, 200, 400, 800, 1_000];

let isolateWatchers = 0;
let registrationIds = 0;

/** Open watches in this isolate (tests and limits). */
export function isolateWatcherCount(): number {
  return isolateWatchers;
}

function watchError(cause: string, index: number): V2Error {
  return { errorCode: 300, message: "Raft Internal Error", cause, index };
}

/** The member a watch registers with: asked again on every (re-)registration. */
export type WatchTarget = () => { stub: DurableObjectStub<Member>; member: MemberAddress };

type Stub = DurableObjectStub<Member>;

/** This isolate's feeds, by member. */
const feeds = new Map<string, Feed>();

/** Open watch feeds in this isolate (tests). */
export function isolateFeedCount(): number {
  return feeds.size;
}

function feedFor(stub: Stub, member: MemberAddress): Feed {
  const key = `${member.token}/${member.name}`;
  const current = feeds.get(key);
  if (current && current.usable()) return current;
  current?.lose();
  const feed = new Feed(key, stub, member);
  feeds.set(key, feed);
  return feed;
}

/**
 * `value`, or a rejection after `ms`: a watch never waits on another request without a timer of
 * its own. The timer is cleared here, in the waiting request: `value` settles in another.
 */
async function within<T>(value: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([value, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)))]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

function quietly(f: () => void): void {
  try {
    f();
  } catch {
    // already closed, or owned by a request that has ended
  }
}

/** One isolate's WebSocket to one member, shared by all of the isolate's watches on it. */
class Feed {
  readonly id = crypto.randomUUID();
  readonly watches = new Map<number, MemberWatch>();
  readonly ready: Promise<void>;
  private ws: WebSocket | null = null;
  private dead = false;
  private lastHeardMs = Date.now();
  private lastPingMs = Date.now();
  private readonly cancels = new Set<number>();
  /** Ids already cancelled: frames that were on their way do not cancel them again. */
  private readonly told = new Set<number>();
  private pump: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly key: string,
    stub: Stub,
    member: MemberAddress,
  ) {
    this.ready = this.open(stub, member);
    this.ready.catch(() => this.lose());
  }

  private async open(stub: Stub, member: MemberAddress): Promise<void> {
    const params = new URLSearchParams({ token: member.token, name: member.name, feed: this.id });
    const resp = await stub.fetch(`https://member/watch-feed?${params}`, { headers: { Upgrade: "websocket" } });
    if (!resp.webSocket) throw new Error(`watch feed: member answered ${resp.status} without a WebSocket`);
    const ws = resp.webSocket;
    ws.accept();
    if (this.dead) return quietly(() => ws.close(1000, "lost"));
    this.ws = ws;
    this.lastHeardMs = Date.now();
    ws.addEventListener("message", (e) => this.onMessage(String(e.data)));
    ws.addEventListener("close", () => this.lose());
    ws.addEventListener("error", () => this.lose());
    // Runs in the request that owns the socket, so it may send on it.
    this.pump = setInterval(() => this.tick(), feedPumpMs);
  }

  /** Open (or opening) and heard from lately. */
  usable(): boolean {
    return !this.dead && Date.now() - this.lastHeardMs < feedSilentMsMax;
  }

  /** Stop routing to `id`; the member is told on the feed's next turn. */
  cancel(id: number): void {
    if (this.watches.delete(id) && !this.dead) this.cancels.add(id);
  }

  /** Tell the member to let `id` go even though it is no longer routed (cancelled before it was registered). */
  cancelLate(id: number): void {
    this.told.delete(id);
    if (!this.dead) this.cancels.add(id);
  }

  /** Stop routing to `id`, which the member has already let go (a one-shot that fired). */
  forget(id: number): void {
    this.watches.delete(id);
  }

  /**
   * The feed is gone: every watch on it registers again, on a new feed. It may be called from
   * any request, so it touches neither the socket nor the pump: the pump's next turn, in the
   * request that owns both, closes them.
   */
  lose(): void {
    if (this.dead) return;
    this.dead = true;
    if (feeds.get(this.key) === this) feeds.delete(this.key);
    const lost = [...this.watches.values()];
    this.watches.clear();
    for (const w of lost) w.feedLost(this);
  }

  private onMessage(data: string): void {
    this.lastHeardMs = Date.now();
    if (data === "pong") return;
    const frame = JSON.parse(data) as FeedFrame;
    if (frame.type === "resync") {
      // The member forgot the registrations it had before it slept: each watch registers again
      // (its own request does). Those it took since it woke are let go, so none is counted twice.
      const lost = [...this.watches];
      this.watches.clear();
      for (const [id, w] of lost) {
        this.cancelLate(id);
        w.feedLost(this);
      }
      this.flush();
      return;
    }
    for (const id of frame.ids) {
      const w = this.watches.get(id);
      if (w) w.deliver(frame.event);
      else if (!this.told.has(id)) this.cancels.add(id); // ended while the event was on its way
    }
    this.flush();
  }

  private tick(): void {
    if (this.dead) {
      quietly(() => this.ws?.close(1000, "lost"));
      if (this.pump) clearInterval(this.pump);
      return;
    }
    if (!this.usable()) return this.lose();
    if (Date.now() - this.lastPingMs >= feedPingMs) {
      this.lastPingMs = Date.now();
      quietly(() => this.ws?.send("ping"));
    }
    this.flush();
  }

  private flush(): void {
    if (this.cancels.size === 0 || !this.ws) return;
    const ids = [...this.cancels];
    this.cancels.clear();
    if (this.told.size > feedToldIdsMax) this.told.clear();
    for (const id of ids) this.told.add(id);
    quietly(() => this.ws!.send(JSON.stringify({ type: "cancel", ids })));
  }
}

/**
 * `target` is asked for a fresh stub each time: a stub that saw its object reset stays broken,
 * and an unpinned watch resumes on whichever member is preferred by then.
 */
export async function openWatch(target: WatchTarget, req: WatchRequest, access: Access | null): Promise<WatchStart> {
  if (isolateWatchers >= watchersPerIsolateMax) {
    return { ok: false, error: watchError(`too many watchers (${watchersPerIsolateMax} in this isolate)`, 0) };
  }
  isolateWatchers++;
  const watch = new MemberWatch(target, req, access);
  let reply: WatchAddReply | null = null;
  try {
    // A feed can break between opening and registering: then once more on a new one.
    for (let attempt = 0; attempt < 3 && (reply === null || reply.kind === "noFeed"); attempt++) reply = await watch.connect(req.sinceIndex, false);
  } catch (e) {
    watch.cancel();
    throw e;
  }
  if (reply?.kind !== "started") {
    watch.cancel();
    if (reply?.kind === "error") return { ok: false, error: reply.error };
    throw new Error("watch: no watch feed to the member could be opened");
  }
  return {
    ok: true,
    etcdIndex: reply.etcdIndex,
    raftIndex: reply.raftIndex,
    raftTerm: reply.raftTerm,
    events: watch.events(),
    cancel: () => watch.cancel(),
    endedBy: () => watch.dropped,
  };
}

class MemberWatch {
  private readonly queue: V2Event[] = [];
  /** No more events will be queued: cancelled, dropped, or a one-shot that has its event. */
  private closed = false;
  private counted = true;
  /** The first index this watch still needs (after the last event delivered). */
  private next = 0;
  private wake: (() => void) | null = null;
  /** The feed and id it is registered under; null while not registered. */
  private feed: Feed | null = null;
  private id = 0;
  /** Events the feed brought before the member's answer to the registration did. */
  private early: V2Event[] | null = null;
  /** Its feed broke or forgot it: register again. */
  private lost = false;
  dropped: V2Error | null = null;

  constructor(
    private readonly target: WatchTarget,
    private readonly req: WatchRequest,
    private readonly access: Access | null,
  ) {}

  /** Register with the member from `since` (0 = next), on this isolate's feed to it. */
  async connect(since: number, replay: boolean): Promise<WatchAddReply> {
    const { stub, member } = this.target();
    const feed = feedFor(stub, member);
    try {
      await within(feed.ready, feedOpenMsMax, "watch feed");
    } catch (e) {
      feed.lose();
      throw e;
    }
    const id = ++registrationIds;
    // Routed before the member is asked: its first live event may beat its answer here.
    this.feed = feed;
    this.id = id;
    this.early = [];
    feed.watches.set(id, this);
    let reply: WatchAddReply;
    try {
      const registered = stub.watchAdd(member, feed.id, {
        id,
        path: this.req.path,
        recursive: this.req.recursive,
        stream: this.req.stream,
        since,
        replay,
        access: this.access ? JSON.stringify(this.access) : "internal",
      }) as Promise<WatchAddReply>;
      reply = await within(registered, watchRegisterMsMax, "watch registration");
    } catch (e) {
      // Unanswered or failed: if the member took it after all, the feed lets it go.
      this.detach(false);
      feed.cancelLate(id);
      throw e;
    }
    if (reply.kind === "noFeed") feed.lose();
    if (reply.kind !== "started") {
      this.detach(false);
      return reply;
    }
    if (this.closed) {
      // Cancelled while the member answered: its cancellation may have reached it first.
      if (!reply.done) feed.cancelLate(id);
      return reply;
    }
    if (this.feed !== feed || this.id !== id) {
      // The feed broke or was resynced while the member answered: what it answered from history
      // still stands, the registration does not (a feed still open lets it go).
      feed.cancelLate(id);
      this.lost = !this.closed;
    }
    this.next ||= since || reply.etcdIndex + 1;
    const early = this.early ?? [];
    this.early = null;
    if (reply.done) this.detach(false);
    for (const e of reply.events) this.push(e);
    for (const e of early) this.push(e);
    return reply;
  }

  /** An event from the feed. */
  deliver(event: V2Event): void {
    if (this.early) return void this.early.push(event);
    // The member lets a one-shot go once it fired.
    if (!this.req.stream) this.detach(false);
    this.push(event);
  }

  /** The feed broke or forgot the registrations: register again from our own request. */
  feedLost(feed: Feed): void {
    if (this.feed !== feed) return;
    this.feed = null;
    this.early = null;
    if (this.closed) return;
    this.lost = true;
    this.poke();
  }

  /** No longer registered; `tell` the member when it may still hold the registration. */
  private detach(tell: boolean): void {
    const feed = this.feed;
    this.feed = null;
    this.early = null;
    if (!feed) return;
    if (tell) feed.cancel(this.id);
    else feed.forget(this.id);
  }

  private push(event: V2Event): void {
    if (this.closed) return;
    if (this.queue.length >= watchEventsBufferedMax) {
      // The client reads too slowly: it gets what is buffered, then this as the last word.
      this.drop(watchError(`watch dropped: the client fell ${watchEventsBufferedMax} events behind`, this.next - 1));
      return;
    }
    this.queue.push(event);
    this.next = event.node.modifiedIndex + 1;
    if (!this.req.stream) this.finish();
    this.poke();
  }

  /** End with `error` as the last word after what is buffered. */
  private drop(error: V2Error): void {
    if (this.closed) return;
    this.dropped = error;
    this.finish();
    this.poke();
  }

  private async resume(): Promise<void> {
    const deadline = Date.now() + watchResumeMsMax;
    for (let attempt = 0; !this.closed; attempt++) {
      let reply: WatchAddReply | null = null;
      try {
        reply = await this.connect(this.next, true);
      } catch {
        // the member is restarting: try again
      }
      if (this.closed || reply?.kind === "started") return;
      if (reply?.kind === "error") return this.drop(reply.error);
      if (Date.now() >= deadline) {
        return this.drop(watchError(`watch closed: member ${this.target().member.name} did not answer for ${watchResumeMsMax} ms`, this.next - 1));
      }
      await new Promise((r) => setTimeout(r, resumeBackoffMs[Math.min(attempt, resumeBackoffMs.length - 1)]));
    }
  }

  /** No more events: release the isolate's count and the registration. */
  private finish(): void {
    this.closed = true;
    this.release();
    this.detach(true);
  }

  private release(): void {
    if (this.counted) isolateWatchers--;
    this.counted = false;
  }

  cancel(): void {
    if (this.closed) return this.release();
    this.finish();
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /**
   * Resolves when poked, or after the feed check interval (a timer of this request's own). The
   * poke may come from the feed's request, so it only resolves: the timer belongs to this
   * request and is cleared here, after the wake.
   */
  private async idle(): Promise<void> {
    const ms = Math.max(feedCheckMsMin, Math.ceil((isolateWatchers / feedChecksPerSecondMax) * 1000));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      timer = setTimeout(resolve, ms);
    });
    this.wake = null;
    if (timer !== undefined) clearTimeout(timer);
  }

  async *events(): AsyncGenerator<V2Event> {
    for (;;) {
      while (this.queue.length > 0) yield this.queue.shift()!;
      if (this.closed) return;
      if (this.lost) {
        this.lost = false;
        await this.resume();
        continue;
      }
      await this.idle();
      // A feed whose request ended is heard from no more: its watches notice it here.
      if (this.feed && !this.feed.usable()) this.feed.lose();
    }
  }
}
