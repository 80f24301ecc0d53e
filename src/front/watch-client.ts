/**
 * The Worker's side of a watch: a WebSocket to a member (see member/watch-hub.ts), turned into
 * the WatchStart the HTTP layer streams to the client. The Worker holds the long poll, so no
 * member stays awake for it.
 *
 * One socket per watch, not one per isolate: Workers bind every I/O object (a WebSocket, a
 * stream) to the request that created it ("Cannot perform I/O on behalf of a different
 * request"), so a socket shared by the watches of many requests cannot deliver into them. The
 * member encodes each event once and sends the same frame on every matching socket.
 *
 * When the member's socket breaks (the member crashed, restarted or replaced its state) the
 * watch is registered again with the member, from the index after the last event it delivered,
 * and with `replay`: the member sends every matching event since then from its history before
 * live ones. The client sees no gap and no duplicate; if the events it missed left the history
 * it gets etcd's 401 as the last word.
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
/** How long a watch whose member went away keeps trying to register again before it ends. */
export const watchResumeMsMax = 15_000;
const resumeBackoffMs = [50, 100, 200, 400, 800, 1_000];

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

type Started = Extract<Frame, { type: "start" }>;

/** The member a watch registers with: asked again on every (re-)registration. */
export type WatchTarget = () => { stub: DurableObjectStub<Member>; member: MemberAddress };

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
  let head: Frame;
  try {
    head = await watch.connect(req.sinceIndex, false);
  } catch (e) {
    watch.cancel();
    throw e;
  }
  if (head.type !== "start") {
    watch.cancel();
    if (head.type === "error") return { ok: false, error: head.error };
    throw new Error("watch: unexpected first frame");
  }
  return {
    ok: true,
    etcdIndex: head.etcdIndex,
    raftIndex: head.raftIndex,
    raftTerm: head.raftTerm,
    events: watch.events(),
    cancel: () => watch.cancel(),
    endedBy: () => watch.dropped,
  };
}

class MemberWatch {
  private ws: WebSocket | null = null;
  private readonly queue: V2Event[] = [];
  /** No more events will be queued: cancelled, dropped, or a one-shot that has its event. */
  private closed = false;
  private counted = true;
  /** The first index this watch still needs (after the last event delivered). */
  private next = 0;
  private delivered = 0;
  private wake: (() => void) | null = null;
  private memberName = "";
  dropped: V2Error | null = null;

  constructor(
    private readonly target: WatchTarget,
    private readonly req: WatchRequest,
    private readonly access: Access | null,
  ) {}

  /** Register with the member from `since` (0 = next); resolves with its first frame. */
  async connect(since: number, replay: boolean): Promise<Frame> {
    const { stub, member } = this.target();
    this.memberName = member.name;
    const params = new URLSearchParams({
      access: this.access ? JSON.stringify(this.access) : "internal",
      token: member.token,
      name: member.name,
      path: this.req.path,
      recursive: String(this.req.recursive),
      stream: String(this.req.stream),
      since: String(since),
      replay: String(replay),
    });
    const resp = await stub.fetch(`https://member/watch?${params}`, { headers: { Upgrade: "websocket" } });
    if (!resp.webSocket) throw new Error(`watch: member answered ${resp.status} without a WebSocket`);
    const ws = resp.webSocket;
    ws.accept();
    let first: ((f: Frame) => void) | null = null;
    const head = new Promise<Frame>((resolve) => (first = resolve));
    const lost = () => {
      const f = first;
      first = null;
      if (f) return f({ type: "error", error: watchError("watch closed", 0) });
      if (this.ws === ws) this.memberLost();
    };
    ws.addEventListener("message", (e) => {
      const frame = JSON.parse(String(e.data)) as Frame;
      if (first) {
        const f = first;
        first = null;
        if (frame.type === "start") {
          this.ws = ws;
          this.next ||= since || frame.etcdIndex + 1;
        }
        return f(frame);
      }
      if (this.ws !== ws) return;
      if (frame.type === "event") this.push(frame.event);
      else if (frame.type === "error") this.drop(frame.error);
    });
    ws.addEventListener("close", lost);
    ws.addEventListener("error", lost);
    const frame = await head;
    if (frame.type === "start" && this.closed) this.closeSocket(ws, "cancelled");
    return frame;
  }

  private push(event: V2Event): void {
    if (this.closed) return;
    if (this.queue.length >= watchEventsBufferedMax) {
      // The client reads too slowly: it gets what is buffered, then this as the last word.
      this.drop(watchError(`watch dropped: the client fell ${watchEventsBufferedMax} events behind`, this.next - 1), "client too slow");
      return;
    }
    this.queue.push(event);
    this.next = event.node.modifiedIndex + 1;
    this.delivered++;
    if (!this.req.stream) this.finish("done");
    this.poke();
  }

  /** End with `error` as the last word after what is buffered. */
  private drop(error: V2Error, reason = "ended"): void {
    if (this.closed) return;
    this.dropped = error;
    this.finish(reason);
    this.poke();
  }

  /** The member's socket broke while the watch still needs events: register again. */
  private memberLost(): void {
    this.ws = null;
    if (this.closed) return;
    void this.resume();
  }

  private async resume(): Promise<void> {
    const deadline = Date.now() + watchResumeMsMax;
    for (let attempt = 0; !this.closed; attempt++) {
      let frame: Frame | null = null;
      try {
        frame = await this.connect(this.next, true);
      } catch {
        // the member is restarting: try again
      }
      if (frame?.type === "start" || this.closed) return;
      if (frame?.type === "error" && frame.error.cause !== "watch closed") return this.drop(frame.error);
      if (Date.now() >= deadline) return this.drop(watchError(`watch closed: member ${this.memberName} did not answer for ${watchResumeMsMax} ms`, this.next - 1));
      await new Promise((r) => setTimeout(r, resumeBackoffMs[Math.min(attempt, resumeBackoffMs.length - 1)]));
    }
  }

  /** No more events: release the isolate's count and the member's socket. */
  private finish(reason: string): void {
    this.closed = true;
    this.release();
    const ws = this.ws;
    this.ws = null;
    if (ws) this.closeSocket(ws, reason);
  }

  private release(): void {
    if (this.counted) isolateWatchers--;
    this.counted = false;
  }

  cancel(): void {
    if (this.closed) return this.release();
    this.finish("cancelled");
    this.poke();
  }

  private closeSocket(ws: WebSocket, reason: string): void {
    try {
      ws.close(1000, reason);
    } catch {
      // already closed
    }
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async *events(): AsyncGenerator<V2Event> {
    for (;;) {
      while (this.queue.length > 0) yield this.queue.shift()!;
      if (this.closed) return;
      await new Promise<void>((r) => (this.wake = r));
    }
  }
}
