/**
 * The front Worker: etcd's v2 HTTP API for a cluster of member Durable Objects (etcd's proxy
 * mode). Stateless; every request is routed to a member.
 *
 * @module
 */
import { Hono } from "hono";
import { parseClusterConfig } from "./cluster/config.js";
import { ClusterHandler } from "./front/cluster-handler.js";
import { MemberRouter } from "./front/router.js";
import { debugRoutes } from "./front/debug.js";
import { membersRoutes } from "./front/members-routes.js";
import { statsRoutes } from "./front/stats-routes.js";
import { adminRoutes } from "./front/admin-routes.js";
import { parseProxyMode, proxyRoutes } from "./front/proxy-mode.js";
import { createApp } from "./http/app.js";
import type { Env } from "./member/env.js";

export { Member } from "./member/member-do.js";

interface Front {
  app: Hono;
  /** The same API pinned to one member: its etcd client URL is <origin>/members/<name>. */
  pinned: Map<string, Hono>;
}

const fronts = new WeakMap<Env, Front>();
const memberPrefix = /^\/members\/([^/]+)(\/.*)?$/;

function frontFor(env: Env): Front {
  let front = fronts.get(env);
  if (front) return front;
  const config = parseClusterConfig(env);
  const router = new MemberRouter(env, config);
  const proxyMode = parseProxyMode(env.ETCD_PROXY);
  const build = (pinned: string) => {
    const app = new Hono();
    app.route("/", proxyRoutes(config, proxyMode));
    if (config.debug && !pinned) app.route("/", debugRoutes(env, config));
    if (!pinned) app.route("/", adminRoutes(router, env.ETCD_ROOT_PASSWORD));
    app.route("/", membersRoutes(router, env.ETCD_ROOT_PASSWORD));
    app.route("/", statsRoutes(router, pinned));
    app.route("/", createApp({ handler: new ClusterHandler(router, pinned), now: () => Date.now() }));
    return app;
  };
  front = { app: build(""), pinned: new Map(config.members.map((m) => [m.name, build(m.name)])) };
  fronts.set(env, front);
  return front;
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    const front = frontFor(env);
    // Raw path, not URL.pathname: etcd's 301 path cleaning must see what the client sent.
    const url = request.url;
    const pathStart = url.indexOf("/", url.indexOf("//") + 2);
    const rawPath = pathStart < 0 ? "/" : url.slice(pathStart);
    const match = memberPrefix.exec(rawPath.split("?")[0]!);
    if (match) {
      const app = front.pinned.get(decodeURIComponent(match[1]!));
      if (!app) return new Response("404 page not found\n", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
      const rest = rawPath.slice(`/members/${match[1]}`.length) || "/";
      return app.fetch(new Request(url.slice(0, pathStart) + rest, request), env, ctx);
    }
    return front.app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
