/**
 * The front Worker's routing table: every pattern it serves beyond the etcd member API that
 * createApp registers (keys, auth, stats, version, health), each guarded the same way — the
 * method checked first, then root access where etcd asks for it (src/http/auth-routes.ts
 * rootOnly / Credentials.isRoot), with CORS and the read-only proxy applied by createApp around
 * all of them. Per-member client URLs (`/members/<name>/…`) get the same table, minus the
 * cluster-wide admin and debug routes.
 *
 * @module
 */
import type { ClusterConfig } from "../cluster/config.js";
import type { Credentials } from "../http/credentials.js";
import type { RouteHandler } from "../http/route.js";
import type { Env } from "../member/env.js";
import { adminRoutes } from "./admin-routes.js";
import { debugRoutes } from "./debug.js";
import { membersRoutes } from "./members-routes.js";
import { metricsRoutes, parseMetricsMode } from "./metrics.js";
import { proxyRoutes } from "./proxy-mode.js";
import type { MemberRouter } from "./router.js";
import { uiRoutes } from "./ui-routes.js";
import { v3Routes } from "./v3-cluster.js";

export function frontRoutes(env: Env, config: ClusterConfig, router: MemberRouter, credentials: Credentials, pinned: string): Record<string, RouteHandler> {
  return {
    ...membersRoutes(router, credentials),
    ...v3Routes(router, credentials, pinned),
    ...proxyRoutes(config),
    ...(pinned ? {} : adminRoutes(router, credentials)),
    ...(pinned ? {} : uiRoutes(router, credentials)),
    ...(pinned ? {} : metricsRoutes(router, credentials, parseMetricsMode(env.ETCD_METRICS))),
    ...(config.debug && !pinned ? debugRoutes(env, config, credentials) : {}),
  };
}
