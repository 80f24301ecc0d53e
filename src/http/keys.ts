/**
 * /v2/keys and /v2/keys/… (spec §3): 405 first, then form parsing and validation, then the
 * permission question (spec §8.7) and one V2Handler call, rendered with etcd's headers and
 * status rules.
 *
 * @module
 */
import type { Access, Principal } from "../auth/types.js";
import { EcodeIndexNaN, EcodeUnauthorized, errorMessages } from "../store/errors.js";
import type { V2Error } from "../store/types.js";
import type { Credentials } from "./credentials.js";
import type { V2Handler } from "./handler.js";
import { parseForm } from "./form.js";
import { parseKeysRequest } from "./parse.js";
import { errorResponse, eventStatus, internalError, renderEvent, successHeaders } from "./render.js";
import { allowMethod, type RouteHandler } from "./route.js";
import { lastEventId, sseResponse, wantsEventStream } from "./sse.js";
import { watchResponse } from "./watch.js";
import { socketResponse, wantsWebSocket } from "./watch-socket.js";

const keysPrefix = "/v2/keys";
const keysMethods = ["HEAD", "GET", "PUT", "POST", "DELETE"] as const;

/**
 * How the keys API decides permissions: `etcd` asks etcd's question of every request;
 * `capability` serves paths the caller already confined (the discovery Worker's token URLs).
 */
export type KeysAuth = { mode: "etcd"; credentials: Credentials } | { mode: "capability" };

type Question = Omit<Access, "principal">;

function samePrincipal(a: Principal, b: Principal): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Run `call` with the request's access. A denial of credentials taken from the cache may only
 * mean the cache is stale (password changed, auth switched on): resolve them afresh and, if that
 * changes who the client is, ask once more. A denied request changed nothing, so this is safe.
 */
async function withAccess<R extends { ok: boolean; error?: { errorCode: number } }>(
  auth: KeysAuth,
  authorization: string | null,
  question: Question,
  call: (access: Access | null) => Promise<R>,
): Promise<R> {
  if (auth.mode === "capability") return call(null);
  const first = await auth.credentials.principal(authorization);
  const r = await call({ principal: first.principal, ...question });
  if (r.ok || r.error?.errorCode !== EcodeUnauthorized || !first.cached) return r;
  const again = await auth.credentials.principal(authorization, true);
  if (samePrincipal(again.principal, first.principal)) return r;
  return call({ principal: again.principal, ...question });
}

function keysError(code: number, cause: string): V2Error {
  return { errorCode: code, message: errorMessages[code] ?? "", cause, index: 0 };
}

export function keysRoute(handler: V2Handler, now: () => number, auth: KeysAuth): RouteHandler {
  return async (r) => {
    const denied = allowMethod(r.method, keysMethods);
    if (denied) return denied;
    const clusterId = handler.clusterId();
    const form = await parseForm(r.raw, r.rawQuery);
    const call = parseKeysRequest(r.method, r.path.slice(keysPrefix.length), form, now());
    if (!call.ok) return errorResponse(call.error, clusterId);
    const authorization = r.raw.headers.get("Authorization");
    const question: Question = {
      key: r.path.slice(keysPrefix.length),
      write: r.method !== "GET" && r.method !== "HEAD",
      recursive: call.kind === "watch" ? call.watch.recursive : call.req.recursive,
    };
    if (call.kind === "watch") {
      const watch = call.watch;
      if (watch.stream && wantsEventStream(r.raw.headers.get("Accept"))) {
        const after = lastEventId(r.raw.headers.get("Last-Event-ID"));
        if (after === undefined) return errorResponse(keysError(EcodeIndexNaN, 'invalid value for "Last-Event-ID"'), clusterId);
        const openAt = (sinceIndex: number) =>
          withAccess(auth, authorization, question, (access) => handler.watch({ ...watch, stream: false, sinceIndex }, access));
        return sseResponse(openAt, after === null ? watch.sinceIndex : after + 1, clusterId, now, r.raw.signal);
      }
      if (watch.stream && wantsWebSocket(r.raw.headers.get("Upgrade")) && typeof WebSocketPair !== "undefined") {
        const openAt = (sinceIndex: number) =>
          withAccess(auth, authorization, question, (access) => handler.watch({ ...watch, stream: false, sinceIndex }, access));
        return socketResponse(openAt, watch.sinceIndex, clusterId, now);
      }
      const open = () => withAccess(auth, authorization, question, (access) => handler.watch(watch, access));
      return watchResponse(open, watch.stream, clusterId, now, r.raw.signal);
    }
    let res;
    try {
      res = await withAccess(auth, authorization, question, (access) => handler.keys(call.req, access));
    } catch (e) {
      return errorResponse(internalError(e), clusterId);
    }
    if (!res.ok) return errorResponse(res.error, clusterId);
    const headers = successHeaders(clusterId, res.etcdIndex, res);
    const body = r.method === "HEAD" ? null : renderEvent(res.event, now(), call.noValueOnSuccess);
    return new Response(body, { status: eventStatus(res.event), headers });
  };
}
