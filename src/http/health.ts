/**
 * GET /health (spec §7.2): 200 `{"health":"true"}` as sniffed text, 503 via Go's http.Error.
 *
 * @module
 */
import type { V2Handler } from "./handler.js";
import { allowMethod, goHttpError, type RouteHandler } from "./route.js";

export function healthRoute(handler: V2Handler): RouteHandler {
  return async (r) => {
    const denied = allowMethod(r.method, ["GET"]);
    if (denied) return denied;
    let healthy = false;
    try {
      healthy = await handler.health();
    } catch {
      healthy = false;
    }
    if (!healthy) return goHttpError(503, '{"health":"false"}');
    return new Response('{"health":"true"}', { headers: { "Content-Type": "text/plain; charset=utf-8" } });
  };
}
