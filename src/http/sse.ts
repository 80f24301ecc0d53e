/**
 * A stream watch as Server-Sent Events (`Accept: text/event-stream`): each event is
 * `id: <modifiedIndex>` and `data: <the JSON line etcd streams>`; `Last-Event-ID: N` (an
 * EventSource reconnect) resumes from N+1. An index that left the history (etcd's 401 "The
 * event in requested index is outdated and cleared") arrives as `event: error` with etcd's error
 * JSON, and the stream ends.
 *
 * The stream is a chain of one-shot watches, each from the index after the last event sent: a
 * resume then gets every event since N+1 from the history, not just the first one (etcd's
 * stream quirk), and every link asks the same permission question as the watch.
 *
 * @module
 */
import { EcodeEventIndexCleared } from "../store/errors.js";
import type { V2Error, V2Event } from "../store/types.js";
import type { WatchStart } from "./handler.js";
import { errorResponse, internalError, renderError, renderWatchEvent, successHeaders } from "./render.js";
import { countWatchBody, idleOr, livenessProbeMs, longLivedHeaders } from "./watch.js";

/** True when the client asks for Server-Sent Events. */
export function wantsEventStream(accept: string | null): boolean {
  return accept !== null && /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept);
}

/** `Last-Event-ID` as the index to resume after: absent → null, not a decimal uint → undefined. */
export function lastEventId(header: string | null): number | null | undefined {
  if (header === null || header.trim() === "") return null;
  const v = header.trim();
  if (!/^\d{1,16}$/.test(v)) return undefined;
  return Number(v);
}

export function sseFrame(e: V2Event, nowMs: number): string {
  // Every v2 event's node carries the event's own index as modifiedIndex (a delete or expiry
  // too); the event's etcdIndex is the store's index when it is sent, later for a history hit.
  return `id: ${e.node.modifiedIndex}\ndata: ${renderWatchEvent(e, nowMs).trimEnd()}\n\n`;
}

export function sseErrorFrame(err: V2Error): string {
  return `event: error\ndata: ${renderError(err).trimEnd()}\n\n`;
}

/** `open(since)` registers a one-shot watch for the first event with index ≥ since (0 = next). */
export async function sseResponse(
  open: (sinceIndex: number) => Promise<WatchStart>,
  sinceIndex: number,
  clusterId: string,
  now: () => number,
  signal: AbortSignal,
): Promise<Response> {
  let first;
  try {
    first = await open(sinceIndex);
  } catch (e) {
    return errorResponse(internalError(e), clusterId);
  }
  const encoder = new TextEncoder();
  const headers = longLivedHeaders(new Headers({ "Content-Type": "text/event-stream", "X-Etcd-Cluster-Id": clusterId }));
  if (!first.ok) {
    // A cleared index is what a reconnect meets when it was away too long: say it in the stream.
    if (first.error.errorCode !== EcodeEventIndexCleared) return errorResponse(first.error, clusterId);
    headers.set("X-Etcd-Index", String(first.error.index));
    return new Response(sseErrorFrame(first.error), { status: 200, headers });
  }
  for (const [k, v] of successHeaders(clusterId, first.etcdIndex, first)) if (k !== "content-type") headers.set(k, v);

  let current: WatchStart & { ok: true } = first;
  let events = current.events[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<V2Event>> | null = null;
  const uncount = countWatchBody();
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    uncount();
    signal.removeEventListener("abort", finish);
    current.cancel();
    void events.return?.();
  };
  if (signal.aborted) finish();
  else signal.addEventListener("abort", finish, { once: true });
  const end = (controller: ReadableStreamDefaultController<Uint8Array>, last?: V2Error) => {
    if (last) controller.enqueue(encoder.encode(sseErrorFrame(last)));
    finish();
    try {
      controller.close();
    } catch {
      // already closed or cancelled
    }
  };

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (done) return end(controller);
      pending ??= events.next();
      const next = await idleOr(pending, livenessProbeMs());
      if (done) return end(controller);
      if (next === "idle") {
        controller.enqueue(encoder.encode(":\n\n")); // an SSE comment: the liveness probe
        return;
      }
      pending = null;
      // The one-shot link ended without an event: the member closed it (its state was replaced).
      if (next.done === true) return end(controller, current.endedBy?.() ?? internalError(new Error("watch closed")));
      controller.enqueue(encoder.encode(sseFrame(next.value, now())));
      current.cancel();
      let again;
      try {
        again = await open(next.value.node.modifiedIndex + 1);
      } catch (e) {
        return end(controller, internalError(e));
      }
      if (!again.ok) return end(controller, again.error);
      if (done) return again.cancel();
      current = again;
      events = current.events[Symbol.asyncIterator]();
    },
    cancel() {
      finish();
    },
  });
  return new Response(body, { status: 200, headers });
}
