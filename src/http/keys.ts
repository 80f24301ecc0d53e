/**
 * /v2/keys and /v2/keys/… (spec §3): 405 first, then form parsing and validation, then one
 * V2Handler call, rendered with etcd's headers and status rules.
 *
 * @module
 */
import type { V2Handler } from "./handler.js";
import { parseForm } from "./form.js";
import { parseKeysRequest } from "./parse.js";
import { errorResponse, eventStatus, internalError, renderEvent, successHeaders } from "./render.js";
import { allowMethod, type RouteHandler } from "./route.js";
import { watchResponse } from "./watch.js";

const keysPrefix = "/v2/keys";
const keysMethods = ["HEAD", "GET", "PUT", "POST", "DELETE"] as const;

export function keysRoute(handler: V2Handler, now: () => number): RouteHandler {
  return async (r) => {
    const denied = allowMethod(r.method, keysMethods);
    if (denied) return denied;
    const clusterId = handler.clusterId();
    const form = await parseForm(r.raw, r.rawQuery);
    const call = parseKeysRequest(r.method, r.path.slice(keysPrefix.length), form, now());
    if (!call.ok) return errorResponse(call.error, clusterId);
    if (call.kind === "watch") return watchResponse(handler, call.watch, clusterId, now, r.raw.signal);
    let res;
    try {
      res = await handler.keys(call.req);
    } catch (e) {
      return errorResponse(internalError(e), clusterId);
    }
    if (!res.ok) return errorResponse(res.error, clusterId);
    const headers = successHeaders(clusterId, res.etcdIndex, res);
    const body = r.method === "HEAD" ? null : renderEvent(res.event, now(), call.noValueOnSuccess);
    return new Response(body, { status: eventStatus(res.event), headers });
  };
}
