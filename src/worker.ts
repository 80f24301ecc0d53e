/**
 * The front Worker: etcd's v2 HTTP API for a cluster of member Durable Objects (etcd's proxy
 * mode). Stateless; every request is routed to a member. `/members/<name>/…` is the client
 * URL of one member: reads and watches are served by that member.
 *
 * @module
 */
import { Hono } from "hono";
import { parseClusterConfig } from "./cluster/config.js";
import { adminRoutes } from "./front/admin-routes.js";
import { ClusterHandler } from "./front/cluster-handler.js";
import { debugRoutes } from "./front/debug.js";
import { membersRoutes } from "./front/members-routes.js";
import { parseProxyMode, proxyRoutes } from "./front/proxy-mode.js";
import { MemberRouter } from "./front/router.js";
import { statsRoutes } from "./front/stats-routes.js";
import { createApp, rawTargetOf } from "./http/app.js";
import type { RouteHandler } from "./http/route.js";
import { Credentials } from "./http/credentials.js";
import { authStore } from "./http/auth-routes.js";
import { bootstrapAuth, parseAuthBootstrap } from "./front/auth-bootstrap.js";
import type { Env } from "./member/env.js";

export { Member } from "./member/member-do.js";

interface Front {
  app: Hono;
  /** The first boot's auth set-up (front/auth-bootstrap.ts), once per isolate; null until asked. */
  bootstrapped: Promise<void> | null;
  bootstrap(): Promise<void>;
  pinned: Map<string, Hono>;
  build(pinned: string): Hono;
  router: MemberRouter;
}

/** How long a membership read answers "is <name> a member?" for unknown client URLs. */
const membershipCacheMs = 2_000;
let membershipCache: { at: number; names: Set<string> } | null = null;

/** A member added at runtime has a client URL too: check the live membership, cached briefly. */
async function pinnedFor(front: Front, name: string): Promise<Hono | null> {
  const known = front.pinned.get(name);
  if (known) return known;
  const now = Date.now();
  if (!membershipCache || now - membershipCache.at > membershipCacheMs) {
    const names = new Set<string>();
    for (const m of front.router.config.members) {
      try {
        const state = await front.router.stub(m.name).members(front.router.address(m.name));
        for (const info of state.members) names.add(info.name);
        break;
      } catch {
        // ask the next member
      }
    }
    membershipCache = { at: now, names };
  }
  if (!membershipCache.names.has(name)) return null;
  const app = front.build(name);
  front.pinned.set(name, app);
  return app;
}

const fronts = new WeakMap<Env, Front>();
const memberPrefix = /^\/members\/([^/?]+)/;

function frontFor(env: Env): Front {
  let front = fronts.get(env);
  if (front) return front;
  const config = parseClusterConfig(env);
  const router = new MemberRouter(env, config);
  const proxyMode = parseProxyMode(env.ETCD_PROXY);
  const credentials = new Credentials((user) => new ClusterHandler(router).authLookup(user));
  const build = (pinned: string) => {
    const members = membersRoutes(router, credentials);
    const stats = statsRoutes(router, pinned);
    const via = (h: Hono): RouteHandler => (r) => h.fetch(r.raw);
    const app = new Hono();
    app.route("/", proxyRoutes(config, proxyMode));
    if (config.debug && !pinned) app.route("/", debugRoutes(env, config, credentials));
    if (!pinned) app.route("/", adminRoutes(router, credentials));
    app.route(
      "/",
      createApp({
        handler: new ClusterHandler(router, pinned),
        now: () => Date.now(),
        auth: { credentials },
        routes: {
          "/v2/members": via(members),
          "/v2/members/": via(members),
          "/v2/machines": via(members),
          "/v2/stats/self": via(stats),
          "/v2/stats/leader": via(stats),
        },
      }),
    );
    return app;
  };
  const bootstrapMode = parseAuthBootstrap(env.ETCD_AUTH_BOOTSTRAP);
  const bootstrap = () => bootstrapAuth(authStore(new ClusterHandler(router)), bootstrapMode, env.ETCD_ROOT_PASSWORD ?? "");
  front = { app: build(""), pinned: new Map(config.members.map((m) => [m.name, build(m.name)])), build, router, bootstrapped: null, bootstrap };
  fronts.set(env, front);
  return front;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const front = frontFor(env);
    front.bootstrapped ??= front.bootstrap();
    try {
      await front.bootstrapped;
    } catch (e) {
      front.bootstrapped = null; // the next request tries again
      return new Response(JSON.stringify({ message: e instanceof Error ? e.message : String(e) }), { status: 503, headers: { "Content-Type": "application/json" } });
    }
    const target = rawTargetOf(request.url);
    const match = memberPrefix.exec(target);
    if (match) {
      const app = await pinnedFor(front, decodeURIComponent(match[1]!));
      if (!app) return new Response("404 page not found\n", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
      const rest = target.slice(match[0].length);
      const origin = request.url.slice(0, request.url.length - target.length);
      return app.fetch(new Request(origin + (rest.startsWith("/") ? rest : "/" + rest), request), env, ctx);
    }
    return front.app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
