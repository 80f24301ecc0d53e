/**
 * POST /v3/watch: etcd's bidirectional watch stream over the gateway. The requests on the body
 * (create_request, cancel_request, progress_request) are served in order as they arrive; each
 * watcher polls the store's history through the V3Handler, and its responses go out as
 * newline-delimited `{"result":…}` lines until the client goes away.
 *
 * @module
 */
import { DecodeError, MessageStream, MessageTooLarge, boolField, enumField, int64Field, keyField, listField, messageField } from "../v3/decode.js";
import { errorJson, watchResponseJson, type HeaderInfo, type WatchResponseFields } from "../v3/encode.js";
import { errors, grpc, httpStatusOf } from "../v3/errors.js";
import type { JsonObject } from "../v3/json.js";
import type { Event } from "../v3/types.js";
import type { WatchFilter } from "../v3/watch.js";
import type { V3Handler } from "./v3-handler.js";
import { longLivedHeaders } from "./watch.js";

export const watchLimits = {
  /** One request on the stream, as etcd's --max-request-bytes default (1.5 MiB). */
  requestBytesMax: 1.5 * 1024 * 1024,
  watchersPerStreamMax: 64,
  /** How long one poll waits on a member for new revisions before asking again. */
  pollWaitMs: 5_000,
  /** etcd's default progress notify interval: 10 minutes. */
  progressNotifyIntervalMs: 10 * 60_000,
  /** After a failed poll (no leader, member restarting), wait this long before the next. */
  retryMs: 500,
};

interface Watcher {
  id: string;
  filter: WatchFilter;
  from: number;
  progressNotify: boolean;
  canceled: boolean;
  lastSentMs: number;
}

type Request =
  | { kind: "create"; key: string; end: string; startRevision: number; filter: WatchFilter; progressNotify: boolean; watchId: number }
  | { kind: "cancel"; watchId: number }
  | { kind: "progress" };

function decodeRequest(m: JsonObject): Request | null {
  const create = messageField(m, "create_request");
  if (create) {
    const filters = listField(create, "filters").map((f) =>
      enumField({ f } as unknown as JsonObject, "f", "etcdserverpb.WatchCreateRequest_FilterType", ["NOPUT", "NODELETE"]),
    );
    const key = keyField(create, "key");
    const end = keyField(create, "range_end");
    return {
      kind: "create",
      key,
      end,
      startRevision: int64Field(create, "start_revision"),
      progressNotify: boolField(create, "progress_notify"),
      watchId: int64Field(create, "watch_id"),
      filter: { ranges: [{ key, end }], prevKv: boolField(create, "prev_kv"), noPut: filters.includes(0), noDelete: filters.includes(1) },
    };
  }
  const cancel = messageField(m, "cancel_request");
  if (cancel) return { kind: "cancel", watchId: int64Field(cancel, "watch_id") };
  if (messageField(m, "progress_request")) return { kind: "progress" };
  return null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function nextRequest(input: MessageStream): Promise<Request | null | undefined> {
  const m = await input.next();
  return m === undefined ? undefined : decodeRequest(m);
}

/**
 * Serve one watch stream. The first request is read before answering, so a malformed one gets
 * an error status; later ones are served as they arrive on the request body.
 */
export async function watchStream(handler: V3Handler, requestBody: ReadableStream<Uint8Array> | null, signal: AbortSignal): Promise<Response> {
  const input = new MessageStream(requestBody, watchLimits.requestBytesMax);
  let first: Request | null | undefined;
  try {
    first = await nextRequest(input);
  } catch (e) {
    if (!(e instanceof DecodeError) && !(e instanceof MessageTooLarge)) throw e;
    const err = e instanceof MessageTooLarge ? errors.requestTooLarge : { code: grpc.invalidArgument, message: e.message };
    return new Response(errorJson(err), { status: httpStatusOf(err.code), headers: { "Content-Type": "application/json" } });
  }
  const enc = new TextEncoder();
  const watchers = new Map<string, Watcher>();
  let closed = false;
  let nextId = 0;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let lastHeader: HeaderInfo | null = null;
  let lastRevision = 0;

  const send = (h: HeaderInfo, w: WatchResponseFields) => {
    if (closed) return;
    try {
      controller.enqueue(enc.encode(watchResponseJson(h, w) + "\n"));
    } catch {
      closed = true;
    }
  };

  /** The current revision and header, for responses that carry no events. */
  const current = async (): Promise<{ header: HeaderInfo; revision: number } | null> => {
    const reply = await handler.watchPoll({ from: Number.MAX_SAFE_INTEGER, filter: { ranges: [], prevKv: false, noPut: false, noDelete: false }, waitMs: 0 });
    if (!reply.ok) return lastHeader ? { header: lastHeader, revision: lastRevision } : null;
    lastHeader = reply.header;
    lastRevision = reply.revision;
    return { header: reply.header, revision: reply.revision };
  };

  const run = async (w: Watcher, startRevision: number) => {
    let catchUp = startRevision > 0;
    while (!closed && !w.canceled) {
      const startedMs = Date.now();
      const reply = await handler.watchPoll({ from: w.from, filter: w.filter, waitMs: catchUp ? 0 : watchLimits.pollWaitMs });
      if (closed || w.canceled) return;
      if (!reply.ok) {
        await sleep(watchLimits.retryMs);
        continue;
      }
      // A member too busy to hold the poll answers at once with nothing new: do not spin.
      if (!catchUp && reply.revision < w.from && Date.now() - startedMs < watchLimits.pollWaitMs / 2) await sleep(watchLimits.retryMs);
      lastHeader = reply.header;
      lastRevision = reply.revision;
      if (w.from < reply.compactRevision) {
        w.canceled = true;
        watchers.delete(w.id);
        send(reply.header, { revision: 0, watchId: w.id, canceled: true, compactRevision: reply.compactRevision });
        return;
      }
      if (catchUp) {
        // etcd sends what history holds for a new watcher in one response at the current revision.
        if (reply.events.length > 0) send(reply.header, { revision: reply.revision, watchId: w.id, events: reply.events.map(plain) });
        catchUp = reply.nextFrom <= reply.revision;
      } else {
        for (const group of byRevision(reply.events)) send(reply.header, { revision: group[0]!.revision, watchId: w.id, events: group.map(plain) });
      }
      if (reply.events.length > 0) w.lastSentMs = Date.now();
      w.from = Math.max(w.from, reply.nextFrom);
      if (w.progressNotify && Date.now() - w.lastSentMs >= watchLimits.progressNotifyIntervalMs) {
        send(reply.header, { revision: reply.revision, watchId: w.id });
        w.lastSentMs = Date.now();
      }
    }
  };

  const handle = async (req: Request) => {
    if (req.kind === "progress") {
      const c = await current();
      if (c) send(c.header, { revision: c.revision, watchId: "-1" });
      return;
    }
    if (req.kind === "cancel") {
      const w = watchers.get(String(req.watchId));
      if (!w) return;
      w.canceled = true;
      watchers.delete(w.id);
      const c = await current();
      if (c) send(c.header, { revision: c.revision, watchId: w.id, canceled: true });
      return;
    }
    const c = await current();
    if (!c) return;
    const refuse = (reason: string) => send(c.header, { revision: c.revision, watchId: "-1", created: true, canceled: true, cancelReason: reason });
    if (req.end !== "" && req.end !== "00" && req.key >= req.end) {
      refuse("mvcc: watcher range is empty");
      return;
    }
    if (watchers.size >= watchLimits.watchersPerStreamMax) {
      refuse(`etcdserver: too many watchers on this stream (limit ${watchLimits.watchersPerStreamMax})`);
      return;
    }
    let id: string;
    if (req.watchId !== 0) {
      if (watchers.has(String(req.watchId))) {
        refuse("mvcc: duplicate watch ID provided on the WatchStream");
        return;
      }
      id = String(req.watchId);
    } else {
      while (watchers.has(String(nextId))) nextId++;
      id = String(nextId++);
    }
    const w: Watcher = {
      id,
      filter: req.filter,
      from: req.startRevision > 0 ? req.startRevision : c.revision + 1,
      progressNotify: req.progressNotify,
      canceled: false,
      lastSentMs: Date.now(),
    };
    watchers.set(id, w);
    send(c.header, { revision: c.revision, watchId: id, created: true });
    void run(w, req.startRevision).catch(() => {
      closed = true;
      try {
        controller.close();
      } catch {
        // already closed
      }
    });
  };

  const serve = async () => {
    for (let req = first; req !== undefined && !closed; req = await nextRequest(input)) {
      if (req !== null) await handle(req);
    }
  };

  const stop = () => {
    closed = true;
    for (const w of watchers.values()) w.canceled = true;
    void input.cancel();
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      void serve().catch(() => {
        stop();
        try {
          c.close();
        } catch {
          // already closed or cancelled
        }
      });
    },
    cancel: stop,
  });
  if (signal.aborted) stop();
  else signal.addEventListener("abort", stop, { once: true });
  const headers = longLivedHeaders(new Headers({ "Content-Type": "application/json", "Grpc-Metadata-Content-Type": "application/grpc" }));
  return new Response(body, { status: 200, headers });
}

function plain(e: Event & { revision: number }): Event {
  return { type: e.type, kv: e.kv, prevKv: e.prevKv };
}

function byRevision<T extends { revision: number }>(events: T[]): T[][] {
  const out: T[][] = [];
  for (const e of events) {
    const last = out[out.length - 1];
    if (last && last[0]!.revision === e.revision) last.push(e);
    else out.push([e]);
  }
  return out;
}
