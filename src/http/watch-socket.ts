/**
 * A stream watch as a WebSocket (`GET …?wait=true&stream=true` with `Upgrade: websocket`):
 * each event is one text message holding the JSON line etcd streams; the client may send
 * `{"waitIndex":N}` to resume from index N (the events since N that match, then live ones).
 *
 * As for Server-Sent Events (./sse.ts) the stream is a chain of one-shot watches, each from the
 * index after the last event sent, so a resume replays every matching event still in the
 * history and every link asks the watch's permission question again.
 *
 * How a socket ends: an etcd error (401 "event index cleared", 110 after a permission change,
 * 300) arrives as a final message with etcd's error JSON, then the socket closes with code
 * 4000 + errorCode (4401, 4110, 4300) and etcd's message as the reason. An error before the
 * first link is registered (bad credentials, denied) is an ordinary HTTP answer, not an upgrade.
 *
 * @module
 */
import { EcodeEventIndexCleared, EcodeIndexNaN, errorMessages } from "../store/errors.js";
import type { V2Error } from "../store/types.js";
import type { WatchStart } from "./handler.js";
import { errorResponse, internalError, renderError, renderWatchEvent, successHeaders } from "./render.js";

/** Close code for an etcd error: 4000 + its errorCode (the private-use range, RFC 6455 §7.4.2). */
export function closeCodeFor(err: V2Error): number {
  return 4000 + (err.errorCode >= 0 && err.errorCode < 1000 ? err.errorCode : 300);
}

/** True when the request asks to become a WebSocket. */
export function wantsWebSocket(upgrade: string | null): boolean {
  return upgrade !== null && upgrade.trim().toLowerCase() === "websocket";
}

/** A resume request `{"waitIndex":N}`: the index, or an etcd error for anything else. */
export function parseResume(data: unknown): number | V2Error {
  let msg: unknown;
  try {
    msg = typeof data === "string" ? JSON.parse(data) : undefined;
  } catch {
    msg = undefined;
  }
  const n = (msg as { waitIndex?: unknown } | undefined)?.waitIndex;
  if (typeof n === "number" && Number.isSafeInteger(n) && n >= 0) return n;
  return { errorCode: EcodeIndexNaN, message: errorMessages[EcodeIndexNaN] ?? "", cause: 'expected {"waitIndex":<uint>}', index: 0 };
}

type Open = (sinceIndex: number) => Promise<WatchStart>;

/** `open(since)` registers a one-shot watch for the first event with index ≥ since (0 = next). */
export async function socketResponse(open: Open, sinceIndex: number, clusterId: string, now: () => number): Promise<Response> {
  let first;
  try {
    first = await open(sinceIndex);
  } catch (e) {
    return errorResponse(internalError(e), clusterId);
  }
  if (!first.ok && first.error.errorCode !== EcodeEventIndexCleared) return errorResponse(first.error, clusterId);
  const headers = first.ok ? successHeaders(clusterId, first.etcdIndex, first) : new Headers({ "X-Etcd-Cluster-Id": clusterId });
  headers.delete("Content-Type");
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  const watch = new SocketWatch(server, open, now);
  if (first.ok) void watch.run(first);
  else watch.fail(first.error);
  return new Response(null, { status: 101, webSocket: client, headers });
}

class SocketWatch {
  private closed = false;
  /** Bumped by every resume: a link of an older chain stops at its next step. */
  private generation = 0;
  private current: (WatchStart & { ok: true }) | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly open: Open,
    private readonly now: () => number,
  ) {
    ws.addEventListener("message", (e) => void this.resume(e.data));
    const gone = () => this.stop();
    ws.addEventListener("close", gone);
    ws.addEventListener("error", gone);
  }

  /** Send the events of a chain starting with `link`, until it fails or is replaced. */
  async run(link: WatchStart & { ok: true }): Promise<void> {
    const gen = this.generation;
    this.current = link;
    for (;;) {
      const next = await link.events[Symbol.asyncIterator]().next();
      if (gen !== this.generation || this.closed) return link.cancel();
      // The one-shot link ended without an event: the member closed it (its state was replaced).
      if (next.done === true) return this.fail(link.endedBy?.() ?? internalError(new Error("watch closed")));
      this.ws.send(renderWatchEvent(next.value, this.now()).trimEnd());
      link.cancel();
      let again;
      try {
        again = await this.open(next.value.node.modifiedIndex + 1);
      } catch (e) {
        again = { ok: false as const, error: internalError(e) };
      }
      if (gen !== this.generation || this.closed) return again.ok ? again.cancel() : undefined;
      if (!again.ok) return this.fail(again.error);
      link = again;
      this.current = link;
    }
  }

  private async resume(data: unknown): Promise<void> {
    if (this.closed) return;
    const since = parseResume(data);
    if (typeof since !== "number") return this.fail(since);
    const gen = ++this.generation;
    this.current?.cancel();
    this.current = null;
    let link;
    try {
      link = await this.open(since);
    } catch (e) {
      link = { ok: false as const, error: internalError(e) };
    }
    if (gen !== this.generation || this.closed) return link.ok ? link.cancel() : undefined;
    if (!link.ok) return this.fail(link.error);
    await this.run(link);
  }

  /** The last word: etcd's error JSON as a message, then a close that names it. */
  fail(err: V2Error): void {
    if (this.closed) return;
    try {
      this.ws.send(renderError(err).trimEnd());
      this.ws.close(closeCodeFor(err), err.message.slice(0, 120));
    } catch {
      // the client is already gone
    }
    this.stop();
  }

  private stop(): void {
    this.closed = true;
    this.generation++;
    this.current?.cancel();
    this.current = null;
  }
}
