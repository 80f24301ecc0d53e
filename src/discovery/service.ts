/**
 * etcd's discovery service (spec §9): `/new?size=N` makes a registry for one cluster, and
 * `/<token>/…` is the v2 keys API confined to that registry, which is all a joining etcd
 * member's discovery client needs. The keys API itself is the shared HTTP layer (createApp),
 * given the rewritten request target; this module only decides what may reach it.
 *
 * @module
 */
import { goParseQuery } from "../http/form.js";
import { goHttpError } from "../http/route.js";
import { errorResponse } from "../http/render.js";
import { keysNamespace } from "../http/parse.js";
import type { V2Error } from "../store/types.js";
import type { DiscoveryConfig } from "./config.js";
import { registryDir, resolveTarget, withQuorumRead } from "./paths.js";
import { newToken as randomToken } from "./token.js";

/** The v2 keys app (createApp), called with the raw target it must serve. */
export interface KeysApp {
  fetch(req: Request, env: { rawTarget: string }): Response | Promise<Response>;
}

export interface DiscoveryOptions extends DiscoveryConfig {
  keys: KeysApp;
  clusterId: () => string;
  newToken?: () => string;
}

export const clusterSizeDefault = 3;
/** etcd has no hard cap; anything bigger is a typo, not a cluster. */
export const clusterSizeMax = 99;

const textPlain = { "Content-Type": "text/plain; charset=utf-8" };
const mutatingMethods = new Set(["PUT", "POST", "DELETE"]);

export type DiscoveryFetch = (req: Request, rawTarget: string) => Promise<Response>;

export function discoveryService(opts: DiscoveryOptions): DiscoveryFetch {
  const makeToken = opts.newToken ?? randomToken;
  const keysError = (err: Omit<V2Error, "index">) => errorResponse({ ...err, index: 0 }, opts.clusterId());
  const keysCall = (target: string, init?: RequestInit) =>
    Promise.resolve(opts.keys.fetch(new Request(`http://discovery${target}`, init), { rawTarget: target }));

  async function newCluster(req: Request, rawQuery: string): Promise<Response> {
    if (req.method !== "GET" && req.method !== "POST") return goHttpError(405, "Method Not Allowed", { Allow: "GET, POST" });
    const size = parseSize(goParseQuery(rawQuery).values.get("size")?.[0]);
    if (size === null) return goHttpError(400, `bad size: expected an integer from 1 to ${clusterSizeMax}`);
    const token = makeToken();
    const dir = `/v2/keys${registryDir}/${token}`;
    const created = await keysCall(`${dir}?dir=true&prevExist=false&ttl=${opts.tokenTtlSeconds}`, { method: "PUT" });
    if (created.status !== 201) return failed("token directory", created);
    const sized = await keysCall(`${dir}/_config/size?prevExist=false`, {
      method: "PUT",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `value=${size}`,
    });
    if (sized.status !== 201) return failed("size key", sized);
    const origin = opts.baseUrl || new URL(req.url).origin;
    // Like discovery.etcd.io: the bare URL, no newline, ready for `--discovery $(curl …)`.
    // no-store: a cached answer would hand one registry to two clusters.
    return new Response(`${origin}/${token}`, { status: 200, headers: { ...textPlain, "Cache-Control": "no-store" } });
  }

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
        return keysError({ errorCode: 100, message: "Key not found", cause: `${keysNamespace}${registryDir}/${target.segment}` });
      case "token": {
        if (mutatingMethods.has(req.method)) {
          // The token directory is the client's root: etcd's own answer for writes to "/".
          if (target.tokenRoot) return keysError({ errorCode: 107, message: "Root is read only", cause: "/" });
          // A write must not recreate an unknown or expired token's directory.
          const exists = await keysCall(`/v2/keys${registryDir}/${target.token}?quorum=true`);
          if (exists.status !== 200) return exists;
          await exists.arrayBuffer();
        }
        const keysTarget = withQuorumRead(target.keysTarget, req.method, target.rawQuery);
        return opts.keys.fetch(req, { rawTarget: keysTarget });
      }
    }
  };
}

/** `size` as discovery.etcd.io takes it: absent or empty → 3; else a plain decimal in range. */
export function parseSize(raw: string | undefined): number | null {
  if (raw === undefined || raw === "") return clusterSizeDefault;
  if (!/^[0-9]{1,3}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 && n <= clusterSizeMax ? n : null;
}

async function failed(what: string, res: Response): Promise<Response> {
  const body = await res.text();
  return goHttpError(res.status >= 500 ? res.status : 500, `discovery: could not create the ${what}: ${res.status} ${body.trim()}`);
}
