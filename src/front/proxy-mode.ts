/**
 * etcd's proxy modes (spec §10). The front Worker always proxies to the members; with
 * ETCD_PROXY=readonly it refuses everything but GET with `501 Not Implemented` and an empty
 * body (HEAD included), as etcd's read-only proxy does (createApp's `readonly`).
 * /v2/config/local/proxy lists the endpoints the proxy forwards to: every member's client URL.
 *
 * @module
 */
import type { ClusterConfig } from "../cluster/config.js";
import { onlyMethods, originOf, type RouteHandler } from "../http/route.js";
import { clientURLOf } from "./member-endpoints.js";

export type ProxyMode = "on" | "readonly";

export function parseProxyMode(raw: string | undefined): ProxyMode {
  const v = (raw ?? "").trim();
  if (v === "" || v === "on" || v === "off") return "on";
  if (v === "readonly") return "readonly";
  throw new Error(`ETCD_PROXY must be on, off or readonly, got ${v}`);
}

export function proxyRoutes(config: ClusterConfig): Record<string, RouteHandler> {
  const endpoints: RouteHandler = (r) => {
    const origin = originOf(r);
    const body = JSON.stringify({ endpoints: config.members.map((m) => clientURLOf(origin, m.name)) }) + "\n";
    return new Response(body, { headers: { "Content-Type": "application/json" } });
  };
  return { "/v2/config/local/proxy": onlyMethods(["GET"], endpoints) };
}
