/**
 * Watchers held by a member as hibernatable WebSockets (architecture §10): the front Worker
 * holds the client's long poll and one WebSocket to a member; the member can hibernate while
 * the socket stays open, and its apply loop pushes matching events in index order.
 *
 * Frames (JSON text), member → Worker:
 *   {"type":"start","etcdIndex","raftIndex","raftTerm"} | {"type":"error","error"}
 *   {"type":"event","event"}   (then the member closes a one-shot watch)
 *
 * A watch registered with `replay=true` (the Worker resuming a watch whose member went away)
 * gets every matching event since `since` from the history, not only the first: etcd's stream
 * quirk (a stream answered from history stops there) is for a client's own waitIndex.
 *
 * @module
 */
import { liveDeliveries } from "../store/index.js";
import { isAtOrBelow } from "../store/path.js";
import type { Replica } from "./replica.js";
import { accessDeniedError, type Published, type WatchIndex } from "./state-machine.js";
import type { Access } from "../auth/types.js";
import type { V2Event } from "../store/types.js";

/** The watch's permission question as the Worker sends it: JSON, or "internal" for the cluster's own. */
function allowedWatch(replica: Replica, raw: string | null): boolean {
  if (raw === "internal") return true;
  if (!raw) return false; // fail closed: every client watch carries its question
  return replica.stateMachine.allows(JSON.parse(raw) as Access);
}

/**
 * Events a resumed stream (`replay`) may be sent from the history at once: the Worker buffers
 * at most this many for its client (watchEventsBufferedMax), so more would drop it anyway.
 */
export const watchReplayEventsMax = 100;

/** Open watch sockets one member holds (each a hibernatable WebSocket); beyond, a watch is refused. */
export const watchersPerMemberMax = 10_000;
const watchTag = "watch";

interface Attachment {
  path: string;
  recursive: boolean;
  stream: boolean;
  /** Deliver only events with index ≥ since. */
  since: number;
  /** A one-shot watch that already fired, or a stream answered from history (etcd's quirk). */
  done: boolean;
}

export class WatchHub implements WatchIndex {
  /**
   * The open watches, in memory: publish runs on every apply and must not decode an attachment
   * per socket. The attachments are the copy that survives hibernation; this map is rebuilt from
   * them when the object wakes.
   */
  private readonly live = new Map<WebSocket, Attachment>();

  constructor(
    private readonly ctx: DurableObjectState,
    /** ETCD_EVENT_HISTORY_MAX: how far back a waitIndex is answered from SQLite. */
    readonly historyEventsMax: number,
  ) {
    for (const ws of ctx.getWebSockets(watchTag)) {
      const att = ws.deserializeAttachment() as Attachment | null;
      if (att && !att.done) this.live.set(ws, att);
    }
  }

  watcherCount(): number {
    return this.live.size;
  }

  watchedPathsBelow(dirPath: string): readonly string[] {
    const out: string[] = [];
    for (const att of this.live.values()) if (att.path !== dirPath && isAtOrBelow(att.path, dirPath)) out.push(att.path);
    return out;
  }

  open(request: Request, replica: Replica): Response {
    if (request.headers.get("Upgrade") !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const url = new URL(request.url);
    const path = url.searchParams.get("path") ?? "/";
    const recursive = url.searchParams.get("recursive") === "true";
    const stream = url.searchParams.get("stream") === "true";
    const sinceIndex = Number(url.searchParams.get("since") ?? "0");
    const replay = url.searchParams.get("replay") === "true";
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [watchTag]);
    const status = replica.status();
    const etcdIndex = replica.stateMachine.index();
    if (this.live.size >= watchersPerMemberMax) {
      server.send(JSON.stringify({ type: "error", error: { errorCode: 300, message: "Raft Internal Error", cause: "too many watchers", index: etcdIndex } }));
      server.close(1013, "too many watchers");
      return new Response(null, { status: 101, webSocket: client });
    }
    if (!allowedWatch(replica, url.searchParams.get("access"))) {
      server.send(JSON.stringify({ type: "error", error: accessDeniedError }));
      server.close(1000, "access denied");
      return new Response(null, { status: 101, webSocket: client });
    }
    const history = sinceIndex > 0 ? replica.stateMachine.scanHistory(path, recursive, sinceIndex) : null;
    if (history && !history.ok) {
      server.send(JSON.stringify({ type: "error", error: history.error }));
      server.close(1000, "history cleared");
      return new Response(null, { status: 101, webSocket: client });
    }
    server.send(JSON.stringify({ type: "start", etcdIndex, raftIndex: status.commit, raftTerm: status.term }));
    const since = sinceIndex > 0 ? sinceIndex : etcdIndex + 1;
    const live: Attachment = { path, recursive, stream, since: Math.max(since, etcdIndex + 1), done: false };
    if (history && history.event && stream && replay) {
      // A resumed stream: every matching event since, then live ones (all of these are ≤ etcdIndex).
      let event: V2Event | null = history.event;
      for (let sent = 0; event; sent++) {
        if (sent === watchReplayEventsMax) {
          const cause = `watch dropped: more than ${watchReplayEventsMax} events to resume from ${sinceIndex}`;
          server.send(JSON.stringify({ type: "error", error: { errorCode: 300, message: "Raft Internal Error", cause, index: etcdIndex } }));
          server.close(1000, "too far behind");
          return new Response(null, { status: 101, webSocket: client });
        }
        server.send(JSON.stringify({ type: "event", event }));
        const next = replica.stateMachine.scanHistory(path, recursive, event.node.modifiedIndex + 1);
        event = next.ok ? next.event : null;
      }
    } else if (history && history.event) {
      server.send(JSON.stringify({ type: "event", event: history.event }));
      if (!stream) server.close(1000, "done");
      server.serializeAttachment({ ...live, since, done: true } satisfies Attachment);
      return new Response(null, { status: 101, webSocket: client });
    }
    server.serializeAttachment(live);
    this.live.set(server, live);
    return new Response(null, { status: 101, webSocket: client });
  }

  publish(events: Published[]): void {
    if (this.live.size === 0) return;
    for (const { event, removedPaths } of events) {
      // One encoding per event, whatever the number of watchers.
      let frame: string | null = null;
      for (const [ws, att] of this.live) {
        const times = liveDeliveries({ path: att.path, recursive: att.recursive, stream: att.stream, sinceIndex: att.since }, event, removedPaths);
        if (times === 0) continue;
        frame ??= JSON.stringify({ type: "event", event });
        for (let i = 0; i < times; i++) ws.send(frame);
        if (!att.stream) this.close(ws, "done");
      }
    }
  }

  /** End every watch (the state they watched was replaced). */
  closeAll(): void {
    for (const ws of this.ctx.getWebSockets(watchTag)) {
      this.live.delete(ws);
      try {
        ws.close(1000, "closed");
      } catch {
        // already closed
      }
    }
  }

  close(ws: WebSocket, reason = "closed"): void {
    // A closing socket stays in getWebSockets() until the handshake ends: it stops counting now.
    if (!this.live.delete(ws)) return;
    try {
      ws.serializeAttachment({ ...(ws.deserializeAttachment() as Attachment), done: true } satisfies Attachment);
      ws.close(1000, reason);
    } catch {
      // already closed
    }
  }
}
