/**
 * GET …?wait=true (spec §4): headers go out as soon as the watch is registered (X-Etcd-Index =
 * E at registration); a long poll writes one event + "\n" and ends, a stream writes one JSON
 * line per event until the client goes away. A client disconnect cancels the watch.
 *
 * @module
 */
import type { V2Event } from "../store/types.js";
import type { WatchStart } from "./handler.js";
import { errorResponse, internalError, renderError, renderWatchEvent, successHeaders } from "./render.js";

/**
 * How long a watch may sit idle before the Worker writes one space to it. JSON allows the
 * whitespace, and the write is what notices a client that went away where the platform does not
 * abort the request (wrangler dev's proxy passes a disconnect on only when a write fails).
 */
export const watchLivenessProbeMs = 2_000;
/**
 * Probes one isolate writes per second at most, across all its idle watches: with 10,000 idle
 * watches a 2 s probe each would be 5,000 writes a second, enough to starve the isolate (and,
 * under wrangler dev, the proxy in front of it). Beyond 2,000 watches the interval grows.
 */
export const watchLivenessProbesPerSecondMax = 1_000;

let openWatchBodies = 0;

/** The probe interval now: `watchLivenessProbeMs`, longer while many watches are open here. */
export function livenessProbeMs(): number {
  return Math.max(watchLivenessProbeMs, Math.ceil((openWatchBodies / watchLivenessProbesPerSecondMax) * 1000));
}

/** Count a long-lived watch body while it is open (for livenessProbeMs); returns its release. */
export function countWatchBody(): () => void {
  openWatchBodies++;
  let counted = true;
  return () => {
    if (counted) openWatchBodies--;
    counted = false;
  };
}

/**
 * Headers that keep a long-lived body from being compressed, which would buffer it until it
 * ends. Cloudflare compresses application/json (not text/event-stream) for a gzip-accepting
 * client (developers.cloudflare.com/speed/optimization/content/compression/); miniflare's entry
 * Worker models that (`ensureAcceptableEncoding` in src/workers/core/entry.worker.ts, miniflare
 * 4.20260426) and leaves a response alone whose Content-Encoding is set to anything but gzip/br.
 * So `identity` ("sent as is"); `no-transform` asks any other proxy not to recode it.
 */
export function longLivedHeaders(headers: Headers): Headers {
  headers.set("Content-Encoding", "identity");
  headers.set("Cache-Control", "no-cache, no-transform");
  return headers;
}

const probe = new TextEncoder().encode(" ");

export async function watchResponse(
  open: () => Promise<WatchStart>,
  stream: boolean,
  clusterId: string,
  now: () => number,
  signal: AbortSignal,
): Promise<Response> {
  let start;
  try {
    start = await open();
  } catch (e) {
    return errorResponse(internalError(e), clusterId);
  }
  if (!start.ok) return errorResponse(start.error, clusterId);
  const headers = longLivedHeaders(successHeaders(clusterId, start.etcdIndex, start));
  const events: AsyncIterator<V2Event> = start.events[Symbol.asyncIterator]();
  const stop = start.cancel.bind(start);
  const uncount = countWatchBody();
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    uncount();
    signal.removeEventListener("abort", finish);
    stop();
    void events.return?.();
  };
  if (signal.aborted) finish();
  else signal.addEventListener("abort", finish, { once: true });
  const encoder = new TextEncoder();
  // The next event, kept across pulls: a probe write must not drop the event still awaited.
  let pending: Promise<IteratorResult<V2Event>> | null = null;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (done) return closeQuietly(controller);
      pending ??= events.next();
      const next = await idleOr(pending, livenessProbeMs());
      if (next === "idle") {
        if (!done) controller.enqueue(probe);
        return;
      }
      pending = null;
      // The client may have gone away while we waited: then the stream is already cancelled.
      if (next.done === true || done) {
        // A stream ends with the reason as its last line; a long poll's client parses a 200 body
        // as an event, so it gets an empty body it reads as a failed poll and polls again.
        const last = done || !stream ? null : (start.endedBy?.() ?? null);
        if (last) controller.enqueue(encoder.encode(renderError(last)));
        finish();
        closeQuietly(controller);
        return;
      }
      controller.enqueue(encoder.encode(renderWatchEvent(next.value, now())));
      if (!stream) {
        finish();
        closeQuietly(controller);
      }
    },
    cancel() {
      finish();
    },
  });
  return new Response(body, { status: 200, headers });
}

/** `value`, or "idle" if it has not settled after `ms`. */
export function idleOr<T>(value: Promise<T>, ms: number): Promise<T | "idle"> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve("idle"), ms);
    value.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

function closeQuietly(controller: ReadableStreamDefaultController<Uint8Array>): void {
  try {
    controller.close();
  } catch {
    // already closed or cancelled
  }
}
