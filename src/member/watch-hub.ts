/**
 * Watchers held by a member (architecture §10): the front Worker holds each client's long poll
 * or stream, and each Worker isolate holds one hibernatable WebSocket to a member, its *feed*,
 * for all of its watches on that member. A watch registers over RPC (`register`, from the
 * request that watches) and its events come back on the feed: one frame per event per isolate,
 * naming every registration it is for, so a write with 1,000 watchers in one isolate is one
 * frame, not 1,000.
 *
 * Frames (JSON text), member → Worker: see FeedFrame in rpc-types.ts. Worker → member:
 *   {"type":"cancel","ids":[…]}   and "ping" (answered "pong" by the platform, without waking us)
 *
 * Registrations live in memory only. A member that wakes from hibernation has its feeds (the
 * sockets survive) but not their registrations: it asks each feed to `resync`, and the Worker
 * registers its watches again from the index after the last event each delivered, with replay
 * from the history. So nothing is written per watch, and nothing is lost across hibernation.
 *
 * A registration with `replay` (the Worker re-registering a watch after a feed broke, or after
 * a resync) gets every matching event since `since` from the history, not only the first:
 * etcd's stream quirk (a stream answered from history stops there) is for a client's own
 * waitIndex.
 *
 * @module
 */
import { liveDeliveries } from "../store/index.js";
import { isAtOrBelow } from "../store/path.js";
import type { Replica } from "./replica.js";
import { accessDeniedError, type Published, type WatchIndex } from "./state-machine.js";
import type { Access } from "../auth/types.js";
import type { V2Error, V2Event } from "../store/types.js";
import type { FeedFrame, WatchAddReply, WatchRegistration } from "./rpc-types.js";

/**
 * Events a replaying registration may be answered from the history at once: the Worker
 * buffers at most this many for its client (watchEventsBufferedMax), so more would drop it anyway.
 */
export const watchReplayEventsMax = 100;

/** Watches registered with one member, over all feeds; beyond, a registration is refused. */
export const watchersPerMemberMax = 10_000;
/** Feed sockets one member holds (one per Worker isolate that watches it); beyond, refused. */
export const watchFeedsPerMemberMax = 10_000;
/** A feed id's length: the Worker's random UUID. */
const feedIdCharsMax = 64;
const feedTag = "feed";

interface Registration {
  id: number;
  path: string;
  recursive: boolean;
  stream: boolean;
  /** Deliver only events with index ≥ since. */
  since: number;
}

interface Feed {
  id: string;
  ws: WebSocket;
  regs: Map<number, Registration>;
}

/** The watch's permission question as the Worker sends it: JSON, or "internal" for the cluster's own. */
function allowedWatch(replica: Replica, raw: string): boolean {
  if (raw === "internal") return true;
  if (!raw) return false; // fail closed: every client watch carries its question
  return replica.stateMachine.allows(JSON.parse(raw) as Access);
}

function watchError(cause: string, index: number): V2Error {
  return { errorCode: 300, message: "Raft Internal Error", cause, index };
}

export class WatchHub implements WatchIndex {
  private readonly feeds = new Map<string, Feed>();
  private readonly bySocket = new Map<WebSocket, Feed>();

  constructor(
    private readonly ctx: DurableObjectState,
    /** ETCD_EVENT_HISTORY_MAX: how far back a waitIndex is answered from SQLite. */
    readonly historyEventsMax: number,
  ) {
    // A feed's keep-alive is answered by the platform: an idle cluster with open watches stays hibernated.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    for (const ws of ctx.getWebSockets(feedTag)) {
      const att = ws.deserializeAttachment() as { feed?: string } | null;
      if (!att?.feed) continue;
      this.adopt(att.feed, ws);
      this.send(this.bySocket.get(ws)!, { type: "resync" });
    }
  }

  watcherCount(): number {
    let n = 0;
    for (const feed of this.feeds.values()) n += feed.regs.size;
    return n;
  }

  watchedPathsBelow(dirPath: string): readonly string[] {
    const out: string[] = [];
    for (const feed of this.feeds.values()) {
      for (const r of feed.regs.values()) if (r.path !== dirPath && isAtOrBelow(r.path, dirPath)) out.push(r.path);
    }
    return out;
  }

  /** A Worker isolate's feed: `GET /watch-feed?feed=<id>` with `Upgrade: websocket`. */
  openFeed(request: Request): Response {
    if (request.headers.get("Upgrade") !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const id = new URL(request.url).searchParams.get("feed") ?? "";
    if (!id || id.length > feedIdCharsMax) return new Response("feed: an id of 1 to 64 characters is required", { status: 400 });
    if (this.feeds.size >= watchFeedsPerMemberMax && !this.feeds.has(id)) return new Response("too many watch feeds", { status: 503 });
    const old = this.feeds.get(id);
    if (old) this.drop(old, "replaced");
    const pair = new WebSocketPair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server, [feedTag]);
    server.serializeAttachment({ feed: id });
    this.adopt(id, server);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** Register a watch on feed `feedId`: the start, what the history answers, then live events on the feed. */
  register(replica: Replica, feedId: string, reg: WatchRegistration): WatchAddReply {
    const feed = this.feeds.get(feedId);
    if (!feed) return { kind: "noFeed" };
    const etcdIndex = replica.stateMachine.index();
    // `since` may lie beyond 2^53 (a client's waitIndex): such a watch waits for ever, as in etcd.
    if (!Number.isSafeInteger(reg.id) || !(reg.since >= 0) || typeof reg.path !== "string") {
      return { kind: "error", error: watchError("malformed watch registration", etcdIndex) };
    }
    if (!feed.regs.has(reg.id) && this.watcherCount() >= watchersPerMemberMax) return { kind: "error", error: watchError(`too many watchers (${watchersPerMemberMax} on this member)`, etcdIndex) };
    if (!allowedWatch(replica, reg.access)) return { kind: "error", error: accessDeniedError };
    const status = replica.status();
    const head = { kind: "started" as const, etcdIndex, raftIndex: status.commit, raftTerm: status.term };
    const history = reg.since > 0 ? replica.stateMachine.scanHistory(reg.path, reg.recursive, reg.since) : null;
    if (history && !history.ok) return { kind: "error", error: history.error };
    const events: V2Event[] = [];
    if (history?.event && reg.stream && reg.replay) {
      // Every matching event since (all ≤ etcdIndex), then live ones.
      let event: V2Event | null = history.event;
      while (event) {
        if (events.length === watchReplayEventsMax) {
          return { kind: "error", error: watchError(`watch dropped: more than ${watchReplayEventsMax} events to resume from ${reg.since}`, etcdIndex) };
        }
        events.push(event);
        const next = replica.stateMachine.scanHistory(reg.path, reg.recursive, event.node.modifiedIndex + 1);
        event = next.ok ? next.event : null;
      }
    } else if (history?.event) {
      // A long poll's one event, or a stream answered from history: etcd sends nothing after it.
      return { ...head, events: [history.event], done: true };
    }
    // A future waitIndex waits for its own index; replayed events end at etcdIndex.
    const live: Registration = { id: reg.id, path: reg.path, recursive: reg.recursive, stream: reg.stream, since: Math.max(reg.since, etcdIndex + 1) };
    feed.regs.set(reg.id, live);
    return { ...head, events, done: false };
  }

  publish(events: Published[]): void {
    if (this.feeds.size === 0) return;
    for (const { event, removedPaths } of events) {
      // One encoding per event, one frame per feed, whatever the number of watchers.
      let encoded: string | null = null;
      for (const feed of this.feeds.values()) {
        const ids: number[] = [];
        for (const r of feed.regs.values()) {
          const times = liveDeliveries({ path: r.path, recursive: r.recursive, stream: r.stream, sinceIndex: r.since }, event, removedPaths);
          for (let i = 0; i < times; i++) ids.push(r.id);
          if (times > 0 && !r.stream) feed.regs.delete(r.id);
        }
        if (ids.length === 0) continue;
        encoded ??= JSON.stringify(event);
        this.sendText(feed, `{"type":"event","ids":[${ids.join(",")}],"event":${encoded}}`);
      }
    }
  }

  /** A frame from a Worker: cancelled registrations. */
  message(ws: WebSocket, data: string | ArrayBuffer): void {
    const feed = this.bySocket.get(ws);
    if (!feed || typeof data !== "string") return;
    let msg: { type?: unknown; ids?: unknown };
    try {
      msg = JSON.parse(data) as typeof msg;
    } catch {
      return;
    }
    if (msg.type !== "cancel" || !Array.isArray(msg.ids)) return;
    for (const id of msg.ids) if (typeof id === "number") feed.regs.delete(id);
  }

  /** The feed's socket closed or failed: its registrations go with it. */
  closed(ws: WebSocket): void {
    const feed = this.bySocket.get(ws);
    if (feed) this.drop(feed, "closed");
  }

  /** End every feed (the state they watched was replaced): the Workers register their watches again. */
  closeAll(): void {
    for (const feed of [...this.feeds.values()]) this.drop(feed, "closed");
    for (const ws of this.ctx.getWebSockets(feedTag)) close(ws, "closed");
  }

  private adopt(id: string, ws: WebSocket): void {
    const feed: Feed = { id, ws, regs: new Map() };
    this.feeds.set(id, feed);
    this.bySocket.set(ws, feed);
  }

  private drop(feed: Feed, reason: string): void {
    if (this.feeds.get(feed.id) === feed) this.feeds.delete(feed.id);
    this.bySocket.delete(feed.ws);
    feed.regs.clear();
    close(feed.ws, reason);
  }

  private send(feed: Feed, frame: FeedFrame): void {
    this.sendText(feed, JSON.stringify(frame));
  }

  private sendText(feed: Feed, text: string): void {
    try {
      feed.ws.send(text);
    } catch {
      // The Worker went away; its close event is on its way.
      this.drop(feed, "send failed");
    }
  }
}

function close(ws: WebSocket, reason: string): void {
  try {
    ws.close(1000, reason);
  } catch {
    // already closed
  }
}
