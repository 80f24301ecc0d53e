/**
 * The client-port HTTP API of one etcd 3.4 member: Go `ServeMux` routing (exact patterns and
 * "/"-terminated prefixes), path cleaning with 301 redirects, 405 with `Allow`, and etcd's
 * wildcard CORS on every response (spec §1).
 *
 * The path is read from the RAW request target: `new URL()` would resolve dot segments that
 * etcd answers with a redirect. Runtimes that normalise `Request.url` themselves can pass the
 * raw target as `env.rawTarget` (the Node adapter does).
 *
 * @module
 */
import { Hono } from "hono";
import type { V2Handler } from "./handler.js";
import { EscapeError, goEscapePath, goHtmlEscape, goUnescape, muxCleanPath } from "./go-url.js";
import { authRoutes } from "./auth-routes.js";
import { Credentials } from "./credentials.js";
import { healthRoute } from "./health.js";
import { keysRoute } from "./keys.js";
import { notFound, type RouteHandler, type RouteRequest } from "./route.js";
import {
  leaderStatsRoute,
  machinesRoute,
  selfStatsRoute,
  storeStatsRoute,
  type MemberEndpoints,
} from "./stats.js";
import type { V3Handler } from "./v3-handler.js";
import { v3Route } from "./v3-routes.js";
import { defaultVersions, versionRoute, type Versions } from "./version.js";

export interface AppOptions {
  handler: V2Handler;
  /** Wall clock, Unix ms: TTL arithmetic and `ttl` rendering. */
  now: () => number;
  version?: Versions;
  /** /v2/stats/self, /v2/stats/leader and /v2/machines; 404 when absent. */
  member?: MemberEndpoints;
  /** More ServeMux patterns (e.g. "/v2/members" and "/v2/members/"), served with CORS. */
  routes?: Record<string, RouteHandler>;
  /**
   * etcd's v2 auth (the /v2/auth API, and every keys request checked) with these credentials,
   * or "capability": no auth API, keys unchecked because the caller confines every path itself
   * (the discovery Worker's token URLs). Default: etcd's auth with a fresh credential cache.
   */
  auth?: { credentials: Credentials } | "capability";
  /** etcd's read-only proxy: anything but GET is answered 501 with an empty body, before routing. */
  readonly?: boolean;
  /** etcd's v3 JSON gateway at /v3/ and /v3beta/ (src/http/v3-routes.ts); absent: not served. */
  v3?: V3Handler;
}

/** Binding a runtime may pass to `app.fetch(req, env)` with the untouched request target. */
export interface RawTargetEnv {
  rawTarget?: string;
}

const corsHeaders: Readonly<Record<string, string>> = {
  "Access-Control-Allow-Headers": "accept, content-type, authorization",
  "Access-Control-Allow-Methods": "POST, GET, OPTIONS, PUT, DELETE",
  "Access-Control-Allow-Origin": "*",
};

/** "http://h:1/a?b" → "/a?b", without any URL normalisation. */
export function rawTargetOf(url: string): string {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(url);
  const t = m ? url.slice(m[0].length) : url;
  const hash = t.indexOf("#");
  return hash < 0 ? t : t.slice(0, hash);
}

/** Go ServeMux: an exact pattern, else the longest "/"-terminated prefix pattern. */
export class ServeMux {
  readonly #routes = new Map<string, RouteHandler>();

  handle(pattern: string, h: RouteHandler): void {
    if (this.#routes.has(pattern)) throw new Error(`ServeMux: duplicate pattern ${pattern}`);
    this.#routes.set(pattern, h);
  }

  /** Go `redirectToPathSlash`: only "/tree/" is registered and "/tree" was asked for. */
  wantsSlash(path: string): boolean {
    return path !== "" && !this.#routes.has(path) && this.#routes.has(path + "/");
  }

  match(path: string): RouteHandler | null {
    const exact = this.#routes.get(path);
    if (exact) return exact;
    let best: string | null = null;
    for (const p of this.#routes.keys()) {
      if (p.endsWith("/") && path.startsWith(p) && (best === null || p.length > best.length)) best = p;
    }
    return best === null ? null : (this.#routes.get(best) ?? null);
  }
}

function redirect(method: string, clean: string, rawQuery: string): Response {
  const url = goEscapePath(clean) + (rawQuery !== "" ? "?" + rawQuery : "");
  const headers: Record<string, string> = { Location: url };
  if (method === "GET" || method === "HEAD") headers["Content-Type"] = "text/html; charset=utf-8";
  const body = method === "GET" ? `<a href="${goHtmlEscape(url)}">Moved Permanently</a>.\n\n` : null;
  return new Response(body, { status: 301, headers });
}

/** Responses Go's server sends before any handler runs (a target it cannot parse): no CORS. */
const unroutable = new WeakSet<Response>();

function withCors(res: Response): Response {
  const out = new Response(res.body, res);
  for (const [k, v] of Object.entries(corsHeaders)) out.headers.set(k, v);
  return out;
}

async function serve(mux: ServeMux, req: Request, target: string, readonly: boolean): Promise<Response> {
  const method = req.method;
  if (readonly && method !== "GET") {
    const res = new Response(null, { status: 501 });
    unroutable.add(res);
    return res;
  }
  // etcd's CORS wrapper answers OPTIONS before any routing.
  if (method === "OPTIONS") return new Response(null, { status: 200 });
  const q = target.indexOf("?");
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? "" : target.slice(q + 1);
  let path: string;
  try {
    path = goUnescape(rawPath, false);
  } catch (e) {
    if (!(e instanceof EscapeError)) throw e;
    const res = new Response("400 Bad Request", { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    unroutable.add(res);
    return res;
  }
  const clean = muxCleanPath(path);
  if (mux.wantsSlash(clean)) return redirect(method, clean + "/", rawQuery);
  if (clean !== path) return redirect(method, clean, rawQuery);
  const route = mux.match(path);
  if (route === null) return notFound();
  const r: RouteRequest = { raw: req, method, path, rawQuery };
  return route(r);
}

export function createApp(opts: AppOptions): Hono {
  const mux = new ServeMux();
  const capability = opts.auth === "capability";
  const credentials = opts.auth && opts.auth !== "capability" ? opts.auth.credentials : new Credentials((u) => opts.handler.authLookup(u));
  const keys = keysRoute(opts.handler, opts.now, capability ? { mode: "capability" } : { mode: "etcd", credentials });
  mux.handle("/v2/keys", keys);
  mux.handle("/v2/keys/", keys);
  mux.handle("/v2/stats/store", storeStatsRoute(opts.handler));
  if (opts.member) {
    mux.handle("/v2/stats/self", selfStatsRoute(opts.member));
    mux.handle("/v2/stats/leader", leaderStatsRoute(opts.member));
    mux.handle("/v2/machines", machinesRoute(opts.member));
  }
  mux.handle("/version", versionRoute(opts.version ?? defaultVersions));
  mux.handle("/health", healthRoute(opts.handler));
  if (!capability) for (const [pattern, h] of Object.entries(authRoutes(opts.handler, credentials))) mux.handle(pattern, h);
  for (const [pattern, h] of Object.entries(opts.routes ?? {})) mux.handle(pattern, h);
  if (opts.v3) {
    // v3 auth is out of scope: with v2 auth on, the v3 API is root's alone.
    const guard = capability ? null : (r: RouteRequest) => credentials.isRoot(r.raw.headers.get("Authorization"));
    for (const prefix of ["/v3/", "/v3beta/"]) mux.handle(prefix, v3Route(prefix, opts.v3, guard));
  }

  const app = new Hono<{ Bindings: RawTargetEnv }>();
  app.all("*", async (c) => {
    const target = c.env?.rawTarget ?? rawTargetOf(c.req.url);
    const res = await serve(mux, c.req.raw, target, opts.readonly ?? false);
    return unroutable.has(res) ? res : withCors(res);
  });
  return app as unknown as Hono;
}
