/**
 * Watchers held by a member as hibernatable WebSockets (architecture §10): the front Worker
 * holds the client's long poll and one WebSocket to a member; the member can hibernate while
 * the socket stays open, and its apply loop pushes matching events in index order.
 *
 * Frames (JSON text), member → Worker:
 *   {"type":"start","etcdIndex","raftIndex","raftTerm"} | {"type":"error","error"}
 *   {"type":"event","event"}   (then the member closes a one-shot watch)
 *
 * @module
 */
import { liveDeliveries } from "../store/index.js";
import { isAtOrBelow } from "../store/path.js";
import type { Replica } from "./replica.js";
import { accessDeniedError, type Published, type WatchIndex } from "./state-machine.js";
import type { Access } from "../auth/types.js";

/** The watch's permission question as the Worker sends it: JSON, or "internal" for the cluster's own. */
function allowedWatch(replica: Replica, raw: string | null): boolean {
  if (raw === "internal") return true;
  if (!raw) return false; // fail closed: every client watch carries its question
  return replica.stateMachine.allows(JSON.parse(raw) as Access);
}

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
  constructor(private readonly ctx: DurableObjectState) {}

  private active(): Array<{ ws: WebSocket; att: Attachment }> {
    const out: Array<{ ws: WebSocket; att: Attachment }> = [];
    for (const ws of this.ctx.getWebSockets(watchTag)) {
      const att = ws.deserializeAttachment() as Attachment | null;
      if (att && !att.done) out.push({ ws, att });
    }
    return out;
  }

  watcherCount(): number {
    return this.active().length;
  }

  watchedPathsBelow(dirPath: string): readonly string[] {
    return this.active()
      .map((w) => w.att.path)
      .filter((p) => p !== dirPath && isAtOrBelow(p, dirPath));
  }

  open(request: Request, replica: Replica): Response {
    if (request.headers.get("Upgrade") !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const url = new URL(request.url);
    const path = url.searchParams.get("path") ?? "/";
    const recursive = url.searchParams.get("recursive") === "true";
    const stream = url.searchParams.get("stream") === "true";
    const sinceIndex = Number(url.searchParams.get("since") ?? "0");
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [watchTag]);
    const status = replica.status();
    const etcdIndex = replica.stateMachine.index();
    if (this.ctx.getWebSockets(watchTag).length > watchersPerMemberMax) {
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
    if (history && history.event) {
      server.send(JSON.stringify({ type: "event", event: history.event }));
      if (!stream) server.close(1000, "done");
      server.serializeAttachment({ path, recursive, stream, since, done: true } satisfies Attachment);
    } else {
      server.serializeAttachment({ path, recursive, stream, since: Math.max(since, etcdIndex + 1), done: false } satisfies Attachment);
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  publish(events: Published[]): void {
    for (const { ws, att } of this.active()) {
      const spec = { path: att.path, recursive: att.recursive, stream: att.stream, sinceIndex: att.since };
      for (const { event, removedPaths } of events) {
        const times = liveDeliveries(spec, event, removedPaths);
        for (let i = 0; i < times; i++) ws.send(JSON.stringify({ type: "event", event }));
        if (times > 0 && !att.stream) {
          ws.serializeAttachment({ ...att, done: true } satisfies Attachment);
          ws.close(1000, "done");
          break;
        }
      }
    }
  }

  /** End every watch (the state they watched was replaced). */
  closeAll(): void {
    for (const ws of this.ctx.getWebSockets(watchTag)) this.close(ws);
  }

  close(ws: WebSocket): void {
    try {
      // A closing socket stays in getWebSockets() until the handshake ends: stop counting it now.
      const att = ws.deserializeAttachment() as Attachment | null;
      if (att && !att.done) ws.serializeAttachment({ ...att, done: true } satisfies Attachment);
      ws.close(1000, "closed");
    } catch {
      // already closed
    }
  }
}
