/**
 * GET …?wait=true (spec §4): headers go out as soon as the watch is registered (X-Etcd-Index =
 * E at registration); a long poll writes one event + "\n" and ends, a stream writes one JSON
 * line per event until the client goes away. A client disconnect cancels the watch.
 *
 * @module
 */
import type { V2Event } from "../store/types.js";
import type { WatchStart } from "./handler.js";
import { errorResponse, internalError, renderWatchEvent, successHeaders } from "./render.js";

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
  const headers = successHeaders(clusterId, start.etcdIndex, start);
  const events: AsyncIterator<V2Event> = start.events[Symbol.asyncIterator]();
  const stop = start.cancel.bind(start);
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    signal.removeEventListener("abort", finish);
    stop();
    void events.return?.();
  };
  if (signal.aborted) finish();
  else signal.addEventListener("abort", finish, { once: true });
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = done ? { done: true as const, value: undefined } : await events.next();
      // The client may have gone away while we waited: then the stream is already cancelled.
      if (next.done === true || done) {
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

function closeQuietly(controller: ReadableStreamDefaultController<Uint8Array>): void {
  try {
    controller.close();
  } catch {
    // already closed or cancelled
  }
}
