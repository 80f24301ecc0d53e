/**
 * etcd's proxy modes (spec §10). The front Worker always proxies to the members; with
 * ETCD_PROXY=readonly it refuses everything but GET with `501 Not Implemented` and an empty
 * body (HEAD included), as etcd's read-only proxy does. /v2/config/local/proxy lists the
 * endpoints the proxy forwards to: every member's client URL.
 *
 * @module
 */
import { Hono } from "hono";
import type { ClusterConfig } from "../cluster/config.js";

export type ProxyMode = "on" | "readonly";

export function parseProxyMode(raw: string | undefined): ProxyMode {
  const v = (raw ?? "").trim();
  if (v === "" || v === "on" || v === "off") return "on";
  if (v === "readonly") return "readonly";
  throw new Error(`ETCD_PROXY must be on, off or readonly, got ${v}`);
}

export function proxyRoutes(config: ClusterConfig, mode: ProxyMode): Hono {
  const app = new Hono();
  app.all("/v2/config/local/proxy", (c) => {
    if (c.req.method !== "GET") {
      return new Response("Method Not Allowed\n", {
        status: 405,
        headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff", Allow: "GET" },
      });
    }
    const origin = new URL(c.req.url).origin;
    const endpoints = config.members.map((m) => `${origin}/members/${m.name}`);
    return new Response(JSON.stringify({ endpoints }) + "\n", { headers: { "Content-Type": "application/json" } });
  });
  if (mode === "readonly") {
    app.use("*", async (c, next) => {
      if (c.req.method !== "GET") return new Response(null, { status: 501 });
      await next();
    });
  }
  return app;
}
