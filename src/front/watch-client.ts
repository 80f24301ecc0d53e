/**
 * The Worker's side of a watch: one WebSocket to a member (see member/watch-hub.ts), turned
 * into the WatchStart the HTTP layer streams to the client. The Worker holds the long poll,
 * so no member stays awake for it.
 *
 * @module
 */
import type { Access } from "../auth/types.js";
import type { WatchRequest, WatchStart } from "../http/handler.js";
import type { Member } from "../member/member-do.js";
import type { MemberAddress } from "../member/rpc-types.js";
import type { V2Error, V2Event } from "../store/types.js";

/** Events buffered for a slow client before the watch is dropped (etcd drops at 100). */
export const watchEventsBufferedMax = 100;
/** Watches one Worker isolate holds open (each an HTTP response and a member WebSocket). */
export const watchersPerIsolateMax = 10_000;

let isolateWatchers = 0;

/** Open watches in this isolate (tests and limits). */
export function isolateWatcherCount(): number {
  return isolateWatchers;
}

function watchError(cause: string, index: number): V2Error {
  return { errorCode: 300, message: "Raft Internal Error", cause, index };
}

type Frame =
  | { type: "start"; etcdIndex: number; raftIndex: number; raftTerm: number }
  | { type: "error"; error: V2Error }
  | { type: "event"; event: V2Event };

export async function openWatch(stub: DurableObjectStub<Member>, member: MemberAddress, req: WatchRequest, access: Access | null): Promise<WatchStart> {
  const params = new URLSearchParams({
    access: access ? JSON.stringify(access) : "internal",
    token: member.token,
    name: member.name,
    path: req.path,
    recursive: String(req.recursive),
    stream: String(req.stream),
    since: String(req.sinceIndex),
  });
  if (isolateWatchers >= watchersPerIsolateMax) {
    return { ok: false, error: watchError(`too many watchers (${watchersPerIsolateMax} in this isolate)`, 0) };
  }
  isolateWatchers++;
  let counted = true;
  const release = () => {
    if (counted) isolateWatchers--;
    counted = false;
  };
  let ws: WebSocket;
  try {
    const resp = await stub.fetch(`https://member/watch?${params}`, { headers: { Upgrade: "websocket" } });
    if (!resp.webSocket) throw new Error(`watch: member answered ${resp.status} without a WebSocket`);
    ws = resp.webSocket;
  } catch (e) {
    release();
    throw e;
  }
  ws.accept();

  const queue: V2Event[] = [];
  let closed = false;
  let dropped: V2Error | null = null;
  let lastIndex = 0;
  let wake: (() => void) | null = null;
  let started: ((f: Frame) => void) | null = null;
  const first = new Promise<Frame>((resolve) => (started = resolve));
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  ws.addEventListener("message", (e) => {
    const frame = JSON.parse(String(e.data)) as Frame;
    if (frame.type !== "event") return started?.(frame);
    if (closed) return;
    if (queue.length >= watchEventsBufferedMax) {
      // The client reads too slowly: it gets what is buffered, then this as the last word.
      closed = true;
      dropped = watchError(`watch dropped: the client fell ${watchEventsBufferedMax} events behind`, lastIndex);
      ws.close(1000, "client too slow");
      release();
    } else {
      queue.push(frame.event);
      lastIndex = frame.event.node.modifiedIndex;
    }
    poke();
  });
  const end = () => {
    closed = true;
    release();
    started?.({ type: "error", error: { errorCode: 300, message: "Raft Internal Error", cause: "watch closed", index: 0 } });
    poke();
  };
  ws.addEventListener("close", end);
  ws.addEventListener("error", end);

  const head = await first;
  if (head.type === "error") {
    release();
    return { ok: false, error: head.error };
  }
  if (head.type !== "start") {
    release();
    throw new Error("watch: unexpected first frame");
  }
  const cancel = () => {
    release();
    if (closed) return;
    closed = true;
    try {
      ws.close(1000, "cancelled");
    } catch {
      // already closed
    }
    poke();
  };
  async function* events(): AsyncGenerator<V2Event> {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (closed) return;
      await new Promise<void>((r) => (wake = r));
    }
  }
  return { ok: true, etcdIndex: head.etcdIndex, raftIndex: head.raftIndex, raftTerm: head.raftTerm, events: events(), cancel, endedBy: () => dropped };
}
