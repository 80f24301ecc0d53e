/**
 * The discovery Worker: etcd's discovery service (discovery.etcd.io) at the edge. The
 * registries live in the main cluster's store, under the hidden `/_etcd/registry`, reached
 * through a binding to the main Worker's member Durable Objects (wrangler.discovery.toml). Its
 * ETCD_INITIAL_CLUSTER / ETCD_INITIAL_CLUSTER_TOKEN must name that cluster's members.
 *
 * @module
 */
import { parseClusterConfig } from "../cluster/config.js";
import { ClusterHandler } from "../front/cluster-handler.js";
import { MemberRouter } from "../front/router.js";
import { createApp, rawTargetOf } from "../http/app.js";
import type { Env } from "../member/env.js";
import { parseDiscoveryConfig, type DiscoveryEnv } from "./config.js";
import { bindingLimiter, isolateLimiter } from "./rate-limit.js";
import { discoveryService, type DiscoveryFetch } from "./service.js";

export interface DiscoveryWorkerEnv extends Env, DiscoveryEnv {
  /** `[[ratelimits]]` in wrangler.discovery.toml; without it, an in-isolate count (rate-limit.ts). */
  DISCOVERY_NEW_LIMITER?: RateLimit;
}

const services = new WeakMap<DiscoveryWorkerEnv, DiscoveryFetch>();

function serviceFor(env: DiscoveryWorkerEnv): DiscoveryFetch {
  let service = services.get(env);
  if (service) return service;
  const handler = new ClusterHandler(new MemberRouter(env, parseClusterConfig(env)));
  const keys = createApp({ handler, now: () => Date.now(), auth: "capability" });
  const config = parseDiscoveryConfig(env);
  // One per isolate (the env is), so its counts last as long as the isolate.
  const inIsolate = isolateLimiter({ perMinuteMax: config.newPerMinuteMax, now: () => Date.now() });
  service = discoveryService({
    ...config,
    newLimiter: env.DISCOVERY_NEW_LIMITER ? bindingLimiter(env.DISCOVERY_NEW_LIMITER, inIsolate) : inIsolate,
    keys: { fetch: (req, e) => keys.fetch(req, e) },
    clusterId: () => handler.clusterId(),
  });
  services.set(env, service);
  return service;
}

export default {
  fetch(request: Request, env: DiscoveryWorkerEnv): Promise<Response> {
    // The raw target: the token is taken from the path only after decoding and cleaning it.
    return serviceFor(env)(request, rawTargetOf(request.url));
  },
} satisfies ExportedHandler<DiscoveryWorkerEnv>;
