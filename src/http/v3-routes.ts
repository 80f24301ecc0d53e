/**
 * etcd 3.4's gRPC-gateway JSON API at /v3/ (and /v3beta/): POST-only unary calls with a JSON
 * body, the watch and keepalive streams answered as newline-delimited `{"result":…}` lines, and
 * gRPC errors as `{"error","message","code"}` with grpc-gateway's HTTP status. The same routes
 * serve the in-process server and the cluster; a V3Handler does the work.
 *
 * @module
 */
import { DecodeError, decodeDeleteRange, decodePut, decodeRange, decodeTxn, int64Field, int64Text, boolField, readBody, readMessages } from "../v3/decode.js";
import { errorJson, header, responseJson } from "../v3/encode.js";
import { errors, grpc, httpStatusOf } from "../v3/errors.js";
import { txnIsReadOnly } from "../v3/store.js";
import type { V3Command, V3Error } from "../v3/types.js";
import { checkDeleteRequest, checkPutRequest, checkRangeRequest, checkTxnRequest } from "../v3/validate.js";
import { goHttpError, type RouteHandler, type RouteRequest } from "./route.js";
import type { V3Handler, V3Read, V3Reply } from "./v3-handler.js";
import { watchStream } from "./v3-watch.js";

export const v3Limits = {
  /** etcd's --max-request-bytes default (1.5 MiB): a larger body is refused unread. */
  requestBytesMax: 1.5 * 1024 * 1024,
};

/** Is this caller allowed at all? (v2 auth on: root only.) */
export type V3Guard = (r: RouteRequest) => Promise<boolean>;

const jsonHeaders = { "Content-Type": "application/json", "Grpc-Metadata-Content-Type": "application/grpc" };

export function errorResponse(e: V3Error): Response {
  return new Response(errorJson(e), { status: httpStatusOf(e.code), headers: { "Content-Type": "application/json" } });
}

function replyResponse(reply: V3Reply): Response {
  if (!reply.ok) return errorResponse(reply.error);
  return new Response(responseJson(reply.header, reply.response), { status: 200, headers: jsonHeaders });
}

const invalid = (message: string): V3Error => ({ code: grpc.invalidArgument, message });

/** A 63-bit positive lease ID for a grant that names none (etcd draws one from its ID generator). */
function newLeaseId(): string {
  const b = crypto.getRandomValues(new Uint8Array(8));
  b[0] = b[0]! & 0x7f;
  const id = BigInt("0x" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(""));
  return id === 0n ? "1" : id.toString();
}

type Unary = (handler: V3Handler, text: string) => Promise<V3Reply>;

const read = (handler: V3Handler, req: V3Read, serializable: boolean) => handler.read(req, serializable);
const write = (handler: V3Handler, cmd: V3Command) => handler.write(cmd);
const refused = (error: V3Error): V3Reply => ({ ok: false, error });

const unary: Record<string, Unary> = {
  "kv/range": async (h, text) => {
    const req = decodeRange(readBody(text));
    const bad = checkRangeRequest(req);
    return bad ? refused(bad) : read(h, { op: "range", req }, req.serializable);
  },
  "kv/put": async (h, text) => {
    const req = decodePut(readBody(text));
    const bad = checkPutRequest(req);
    return bad ? refused(bad) : write(h, { op: "put", req });
  },
  "kv/deleterange": async (h, text) => {
    const req = decodeDeleteRange(readBody(text));
    const bad = checkDeleteRequest(req);
    return bad ? refused(bad) : write(h, { op: "deleteRange", req });
  },
  "kv/txn": async (h, text) => {
    const req = decodeTxn(readBody(text));
    const bad = checkTxnRequest(req);
    if (bad) return refused(bad);
    return txnIsReadOnly(req) ? read(h, { op: "txn", req }, false) : write(h, { op: "txn", req });
  },
  "kv/compaction": async (h, text) => write(h, { op: "compact", revision: int64Field(readBody(text), "revision") }),
  "lease/grant": async (h, text) => {
    const m = readBody(text);
    const ttl = int64Field(m, "TTL");
    const asked = int64Text(m, "ID");
    if (ttl > 9_000_000_000) return refused(errors.leaseTTLTooLarge);
    return write(h, { op: "leaseGrant", id: asked === "0" ? newLeaseId() : asked, ttl });
  },
  "lease/revoke": async (h, text) => write(h, { op: "leaseRevoke", id: int64Text(readBody(text), "ID") }),
  "lease/timetolive": async (h, text) => {
    const m = readBody(text);
    return read(h, { op: "timeToLive", id: int64Text(m, "ID"), keys: boolField(m, "keys") }, false);
  },
  "lease/leases": async (h, text) => {
    readBody(text);
    return read(h, { op: "leases" }, false);
  },
};
unary["kv/lease/revoke"] = unary["lease/revoke"]!;
unary["kv/lease/timetolive"] = unary["lease/timetolive"]!;
unary["kv/lease/leases"] = unary["lease/leases"]!;

/** The body as text, or the refusal of one too large. */
async function bodyText(r: RouteRequest): Promise<string | V3Error> {
  const declared = Number(r.raw.headers.get("Content-Length") ?? "0");
  if (declared > v3Limits.requestBytesMax) return errors.requestTooLarge;
  // A body without a length is read only up to the limit.
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = r.raw.body?.getReader();
  for (;;) {
    if (!reader) break;
    const { value, done } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > v3Limits.requestBytesMax) {
      await reader.cancel().catch(() => {});
      return errors.requestTooLarge;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(bytes);
}

/** Keepalive is a stream in etcd: every JSON value of the body gets one `{"result":…}` line. */
async function keepAlive(h: V3Handler, text: string): Promise<Response> {
  const lines: string[] = [];
  try {
    for (const m of readMessages(text)) {
      const reply = await h.write({ op: "leaseKeepAlive", id: int64Text(m, "ID") });
      if (!reply.ok) {
        if (lines.length === 0) return errorResponse(reply.error);
        break;
      }
      lines.push(responseJson(reply.header, reply.response));
    }
  } catch (e) {
    // A bad value after good ones ends the stream, as a broken gRPC stream would.
    if (!(e instanceof DecodeError) || lines.length === 0) throw e;
  }
  return new Response(lines.map((l) => l + "\n").join(""), { status: 200, headers: jsonHeaders });
}

async function statusResponse(h: V3Handler): Promise<Response> {
  const s = await h.status();
  if (!s.ok) return errorResponse(s.error);
  const st = s.status;
  const n = (x: number | string) => (x === 0 || x === "0" ? null : JSON.stringify(String(x)));
  const fields: Array<[string, string | null]> = [
    ["header", header(st.header, st.revision)],
    ["version", JSON.stringify(st.version)],
    ["dbSize", n(st.dbSize)],
    ["leader", n(st.leader)],
    ["raftIndex", n(st.raftIndex)],
    ["raftTerm", n(st.raftTerm)],
    ["raftAppliedIndex", n(st.raftAppliedIndex)],
    ["dbSizeInUse", n(st.dbSizeInUse)],
  ];
  const body = `{${fields.filter(([, v]) => v !== null).map(([k, v]) => `"${k}":${v}`).join(",")}}`;
  return new Response(body, { status: 200, headers: jsonHeaders });
}

/** The route for "/v3/" and "/v3beta/": `prefix` is the pattern. */
export function v3Route(prefix: string, handler: V3Handler, guard: V3Guard | null): RouteHandler {
  return async (r) => {
    const name = r.path.slice(prefix.length);
    const known = name in unary || name === "watch" || name === "lease/keepalive" || name === "maintenance/status";
    if (!known) return goHttpError(404, "Not Found");
    if (r.method !== "POST") return goHttpError(405, "Method Not Allowed");
    if (guard && !(await guard(r))) return errorResponse(errors.permissionDenied);
    // A watch stream's requests are read as they arrive, each within the same byte limit.
    if (name === "watch") return watchStream(handler, r.raw.body, r.raw.signal);
    const text = await bodyText(r);
    if (typeof text !== "string") return errorResponse(text);
    try {
      if (name === "lease/keepalive") return await keepAlive(handler, text);
      if (name === "maintenance/status") {
        readBody(text);
        return await statusResponse(handler);
      }
      return replyResponse(await unary[name]!(handler, text));
    } catch (e) {
      if (e instanceof DecodeError) return errorResponse(invalid(e.message));
      throw e;
    }
  };
}
