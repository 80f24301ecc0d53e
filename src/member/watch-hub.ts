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
import { matchesWatcher, scanHistory } from "../store/index.js";
import type { V2Event } from "../store/types.js";
import type { Replica } from "./replica.js";

export const watchersMax = 10_000;
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

export class WatchHub {
  constructor(private readonly ctx: DurableObjectState) {}

  count(): number {
    return this.ctx.getWebSockets(watchTag).filter((ws) => !(ws.deserializeAttachment() as Attachment | null)?.done).length;
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
    if (this.ctx.getWebSockets(watchTag).length > watchersMax) {
      server.send(JSON.stringify({ type: "error", error: { errorCode: 300, message: "Raft Internal Error", cause: "too many watchers", index: etcdIndex } }));
      server.close(1013, "too many watchers");
      return new Response(null, { status: 101, webSocket: client });
    }
    const history = sinceIndex > 0 ? replica.stateMachine.scanHistory(path, recursive, sinceIndex) : null;
    if (history && "error" in history) {
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

  publish(events: V2Event[], _replica: Replica): void {
    const sockets = this.ctx.getWebSockets(watchTag);
    if (sockets.length === 0) return;
    for (const ws of sockets) {
      const att = ws.deserializeAttachment() as Attachment | null;
      if (!att || att.done) continue;
      for (const event of events) {
        if (event.refresh || event.etcdIndex < att.since) continue;
        const times = matchesWatcher(event, att.path, att.recursive, att.stream);
        for (let i = 0; i < times; i++) ws.send(JSON.stringify({ type: "event", event }));
        if (times > 0 && !att.stream) {
          ws.serializeAttachment({ ...att, done: true } satisfies Attachment);
          ws.close(1000, "done");
          break;
        }
      }
    }
  }

  close(ws: WebSocket): void {
    try {
      ws.close(1000, "closed");
    } catch {
      // already closed
    }
  }
}
