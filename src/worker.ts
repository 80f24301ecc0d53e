/**
 * The front Worker: etcd's v2 HTTP API for a cluster of member Durable Objects (etcd's proxy
 * mode). Stateless; every request is routed to a member. `/members/<name>/…` is the client
 * URL of one member: reads and watches are served by that member.
 *
 * @module
 */
import type { Hono } from "hono";
import { parseClusterConfig } from "./cluster/config.js";
import { bootstrapAuth, parseAuthBootstrap } from "./front/auth-bootstrap.js";
import { ClusterHandler } from "./front/cluster-handler.js";
import { loadMembers, memberEndpoints } from "./front/member-endpoints.js";
import { parseProxyMode } from "./front/proxy-mode.js";
import { MemberRouter } from "./front/router.js";
import { frontRoutes } from "./front/routes.js";
import { createApp, rawTargetOf } from "./http/app.js";
import { authStore } from "./http/auth-routes.js";
import { Credentials } from "./http/credentials.js";
import { messageResponse, notFound } from "./http/route.js";
import type { Env } from "./member/env.js";

export { Member } from "./member/member-do.js";

interface Front {
  app: Hono;
  pinned: Map<string, Hono>;
  build(pinned: string): Hono;
  router: MemberRouter;
  /** The first boot's auth set-up (front/auth-bootstrap.ts), once per isolate; null until asked. */
  bootstrapped: Promise<void> | null;
  bootstrap(): Promise<void>;
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
    const state = await loadMembers(front.router);
    membershipCache = { at: now, names: new Set((state?.members ?? []).map((m) => m.name)) };
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
  const readonly = parseProxyMode(env.ETCD_PROXY) === "readonly";
  // Credential look-ups and the first boot's auth writes go through the unpinned cluster handler.
  const cluster = new ClusterHandler(router);
  const credentials = new Credentials((user) => cluster.authLookup(user));
  const build = (pinned: string) =>
    createApp({
      handler: new ClusterHandler(router, pinned),
      now: () => Date.now(),
      auth: { credentials },
      member: memberEndpoints(router, pinned),
      readonly,
      routes: frontRoutes(env, config, router, credentials, pinned),
    });
  const bootstrapMode = parseAuthBootstrap(env.ETCD_AUTH_BOOTSTRAP);
  const bootstrap = () => bootstrapAuth(authStore(cluster), bootstrapMode, env.ETCD_ROOT_PASSWORD ?? "");
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
      return messageResponse(503, e instanceof Error ? e.message : String(e));
    }
    const target = rawTargetOf(request.url);
    const match = memberPrefix.exec(target);
    if (match) {
      let name: string;
      try {
        name = decodeURIComponent(match[1]!);
      } catch {
        return notFound(); // a malformed escape names no member
      }
      const app = await pinnedFor(front, name);
      if (!app) return notFound();
      const rest = target.slice(match[0].length);
      const origin = request.url.slice(0, request.url.length - target.length);
      return app.fetch(new Request(origin + (rest.startsWith("/") ? rest : "/" + rest), request), env, ctx);
    }
    return front.app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
