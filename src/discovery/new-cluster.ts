/**
 * `GET|POST /new?size=N`: make one cluster's registry and answer its URL. Unauthenticated by
 * default and two Raft writes each, so the checks run cheapest first and before any write:
 * method, the caller's rate (every call counts, so refused guesses of the bearer token do too),
 * the bearer token when DISCOVERY_NEW_TOKEN is set, the size. A failure after the first write
 * removes what it wrote: a token is answered whole or not at all.
 *
 * @module
 */
import { goParseQuery } from "../http/form.js";
import { goHttpError } from "../http/route.js";
import { checkBearer } from "./bearer.js";
import type { DiscoveryConfig } from "./config.js";
import { registryDir } from "./paths.js";
import { configUsage } from "./quota.js";
import { clientKey, newLimitPeriodSeconds, type NewLimiter } from "./rate-limit.js";

export type KeysCall = (target: string, init?: RequestInit) => Promise<Response>;

export interface NewClusterOptions extends DiscoveryConfig {
  limiter: NewLimiter;
  keysCall: KeysCall;
  makeToken: () => string;
}

export const clusterSizeDefault = 3;
/** etcd has no hard cap; anything bigger is a typo, not a cluster. */
export const clusterSizeMax = 99;

const textPlain = { "Content-Type": "text/plain; charset=utf-8" };

export function newClusterHandler(opts: NewClusterOptions): (req: Request, rawQuery: string) => Promise<Response> {
  // A registry must hold /new's own keys and one per member.
  const sizeMax = Math.min(clusterSizeMax, opts.tokenKeysMax - configUsage.keys);

  return async function newCluster(req, rawQuery) {
    if (req.method !== "GET" && req.method !== "POST") return goHttpError(405, "Method Not Allowed", { Allow: "GET, POST" });
    if (!(await opts.limiter.allow(clientKey(req.headers)))) {
      return goHttpError(
        429,
        `discovery: too many /new requests from this client: at most ${opts.newPerMinuteMax} a minute (DISCOVERY_NEW_PER_MINUTE_MAX); try again later`,
        { "Retry-After": String(newLimitPeriodSeconds) },
      );
    }
    if (opts.newBearerToken !== "") {
      const auth = await checkBearer(req.headers.get("Authorization"), opts.newBearerToken);
      if (auth === "missing") {
        return goHttpError(401, "discovery: /new requires Authorization: Bearer <token> (this service sets DISCOVERY_NEW_TOKEN)", {
          "WWW-Authenticate": 'Bearer realm="etcd discovery"',
        });
      }
      if (auth === "wrong") return goHttpError(403, "discovery: the bearer token for /new is not this service's DISCOVERY_NEW_TOKEN");
    }
    const size = parseSize(goParseQuery(rawQuery).values.get("size")?.[0], sizeMax);
    if (size === null) return goHttpError(400, `bad size: expected an integer from 1 to ${sizeMax}`);
    return create(req, size);
  };

  async function create(req: Request, size: number): Promise<Response> {
    const token = opts.makeToken();
    const dir = `/v2/keys${registryDir}/${token}`;
    const created = await opts.keysCall(`${dir}?dir=true&prevExist=false&ttl=${opts.tokenTtlSeconds}`, { method: "PUT" });
    if (created.status !== 201) return failed("token directory", created);
    // Nobody knows this token yet: if its size is not written, remove it (its TTL would, later)
    // so no sizeless registry stays behind.
    const remove = async () => {
      const removed = await opts.keysCall(`${dir}?dir=true&recursive=true`, { method: "DELETE" }).catch(() => null);
      await removed?.arrayBuffer();
    };
    let sized: Response;
    try {
      sized = await opts.keysCall(`${dir}/_config/size?prevExist=false`, {
        method: "PUT",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: `value=${size}`,
      });
    } catch (e) {
      await remove();
      throw e;
    }
    if (sized.status !== 201) {
      await remove();
      return failed("size key", sized);
    }
    const origin = opts.baseUrl || new URL(req.url).origin;
    // Like discovery.etcd.io: the bare URL, no newline, ready for `--discovery $(curl …)`.
    // no-store: a cached answer would hand one registry to two clusters.
    return new Response(`${origin}/${token}`, { status: 200, headers: { ...textPlain, "Cache-Control": "no-store" } });
  }
}

/** `size` as discovery.etcd.io takes it: absent or empty → 3; else a plain decimal; 1 to `max`. */
export function parseSize(raw: string | undefined, max = clusterSizeMax): number | null {
  if (raw !== undefined && raw !== "" && !/^[0-9]{1,3}$/.test(raw)) return null;
  const n = raw === undefined || raw === "" ? clusterSizeDefault : Number(raw);
  return n >= 1 && n <= max ? n : null;
}

async function failed(what: string, res: Response): Promise<Response> {
  const body = await res.text();
  return goHttpError(res.status >= 500 ? res.status : 500, `discovery: could not create the ${what}: ${res.status} ${body.trim()}`);
}
