/**
 * etcd's discovery service (spec §9): `/new?size=N` makes a registry for one cluster, and
 * `/<token>/…` is the v2 keys API confined to that registry, which is all a joining etcd
 * member's discovery client needs. The keys API itself is the shared HTTP layer (createApp),
 * given the rewritten request target; this module only decides what may reach it.
 *
 * @module
 */
import { goHttpError } from "../http/route.js";
import { errorResponse } from "../http/render.js";
import { keysNamespace } from "../http/parse.js";
import type { V2Error } from "../store/types.js";
import type { DiscoveryConfig } from "./config.js";
import { newClusterHandler } from "./new-cluster.js";
import { registryDir, resolveTarget, withQuorumRead } from "./paths.js";
import type { NewLimiter } from "./rate-limit.js";
import { newToken as randomToken } from "./token.js";
import { guardTokenWrite } from "./token-write.js";

/** The v2 keys app (createApp), called with the raw target it must serve. */
export interface KeysApp {
  fetch(req: Request, env: { rawTarget: string }): Response | Promise<Response>;
}

export interface DiscoveryOptions extends DiscoveryConfig {
  keys: KeysApp;
  clusterId: () => string;
  /** Counts `/new` calls per client (rate-limit.ts). */
  newLimiter: NewLimiter;
  newToken?: () => string;
}

const textPlain = { "Content-Type": "text/plain; charset=utf-8" };
const mutatingMethods = new Set(["PUT", "POST", "DELETE"]);

export type DiscoveryFetch = (req: Request, rawTarget: string) => Promise<Response>;

export function discoveryService(opts: DiscoveryOptions): DiscoveryFetch {
  const keysError = (err: V2Error, status?: number) => {
    const res = errorResponse(err, opts.clusterId());
    return status === undefined ? res : new Response(res.body, { status, headers: res.headers });
  };
  const keysCall = async (target: string, init?: RequestInit) =>
    opts.keys.fetch(new Request(`http://discovery${target}`, init), { rawTarget: target });
  const newCluster = newClusterHandler({ ...opts, limiter: opts.newLimiter, keysCall, makeToken: opts.newToken ?? randomToken });

  return async (req, rawTarget) => {
    const target = resolveTarget(rawTarget);
    switch (target.kind) {
      case "index":
        return new Response("etcd discovery service: GET /new?size=N returns a discovery URL for etcd's --discovery flag\n", {
          headers: textPlain,
        });
      case "new":
        return newCluster(req, target.rawQuery);
      case "redirect":
        return new Response(null, { status: 301, headers: { Location: target.location } });
      case "badRequest":
        return goHttpError(400, "400 Bad Request");
      case "unknown":
        return keysError({ errorCode: 100, message: "Key not found", cause: `${keysNamespace}${registryDir}/${target.segment}`, index: 0 });
      case "token": {
        if (mutatingMethods.has(req.method)) {
          // The token directory is the client's root: etcd's own answer for writes to "/".
          if (target.tokenRoot) return keysError({ errorCode: 107, message: "Root is read only", cause: "/", index: 0 });
          const refused = await guardTokenWrite(req, target, { ...opts, keysCall, keysError });
          if (refused !== null) return refused;
        }
        const keysTarget = withQuorumRead(target.keysTarget, req.method, target.rawQuery);
        return opts.keys.fetch(req, { rawTarget: keysTarget });
      }
    }
  };
}
