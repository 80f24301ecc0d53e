/**
 * The discovery Worker's own settings (wrangler vars and one secret). Pure.
 *
 * DISCOVERY_TOKEN_TTL: seconds a token's registry lives (a TTL on its directory); default 7 days.
 * DISCOVERY_BASE_URL: the origin put in new discovery URLs (e.g. https://discovery.example.com);
 * default: the origin the /new request came to.
 * DISCOVERY_NEW_PER_MINUTE_MAX: `/new` calls one client may make per minute; default 10. The
 * deployed limit is the `DISCOVERY_NEW_LIMITER` rate-limiting binding, which must say the same.
 * DISCOVERY_TOKEN_KEYS_MAX / DISCOVERY_TOKEN_BYTES_MAX: what one token's registry may hold
 * (nodes, and bytes of their names and values); defaults 256 and 64 KiB.
 * DISCOVERY_NEW_TOKEN (a wrangler secret): when set, `/new` needs `Authorization: Bearer <it>`.
 *
 * @module
 */

export interface DiscoveryEnv {
  DISCOVERY_TOKEN_TTL?: string;
  DISCOVERY_BASE_URL?: string;
  DISCOVERY_NEW_PER_MINUTE_MAX?: string;
  DISCOVERY_TOKEN_KEYS_MAX?: string;
  DISCOVERY_TOKEN_BYTES_MAX?: string;
  DISCOVERY_NEW_TOKEN?: string;
}

export interface DiscoveryConfig {
  tokenTtlSeconds: number;
  /** Without a trailing slash; "" = the request's origin. */
  baseUrl: string;
  newPerMinuteMax: number;
  tokenKeysMax: number;
  tokenBytesMax: number;
  /** The bearer token `/new` requires; "" = `/new` is open. */
  newBearerToken: string;
}

export const discoveryDefaults = {
  tokenTtlSeconds: 7 * 24 * 3600,
  /** A year: a registry is only needed while a cluster bootstraps. */
  tokenTtlSecondsMax: 365 * 24 * 3600,
  /** Ten clusters a minute is plenty for a person or a CI job; each costs two Raft writes. */
  newPerMinuteMax: 10,
  newPerMinuteMaxMax: 10_000,
  /**
   * `_config`, `_config/size` and one key per member: 256 holds the largest cluster /new makes
   * (99) with room for members that register concurrently past the size.
   */
  tokenKeysMax: 256,
  /** Every write lists the registry first, so this bounds that read too. */
  tokenKeysMaxMax: 10_000,
  /** A member's value is `name=peerURL,…`, tens to hundreds of bytes: 256 such fit in 64 KiB. */
  tokenBytesMax: 64 * 1024,
  tokenBytesMaxMax: 1024 * 1024,
  /** A shorter secret is guessable; `openssl rand -hex 32` gives 64 characters. */
  newBearerTokenCharsMin: 16,
} as const;

/** Nodes /new writes itself (`_config`, `_config/size`): a size-1 cluster needs 3 in all. */
export const tokenKeysMin = 3;
export const tokenBytesMin = 256;

function intVar(name: string, raw: string | undefined, fallback: number, min: number, max: number, unit: string): number {
  const s = (raw ?? "").trim();
  if (s === "") return fallback;
  if (!/^[0-9]{1,9}$/.test(s) || Number(s) < min || Number(s) > max) {
    throw new Error(`${name}: expected ${unit} from ${min} to ${max}, got ${JSON.stringify(s)}`);
  }
  return Number(s);
}

export function parseDiscoveryConfig(env: DiscoveryEnv): DiscoveryConfig {
  const d = discoveryDefaults;
  const tokenTtlSeconds = intVar("DISCOVERY_TOKEN_TTL", env.DISCOVERY_TOKEN_TTL, d.tokenTtlSeconds, 1, d.tokenTtlSecondsMax, "seconds");
  const newPerMinuteMax = intVar("DISCOVERY_NEW_PER_MINUTE_MAX", env.DISCOVERY_NEW_PER_MINUTE_MAX, d.newPerMinuteMax, 1, d.newPerMinuteMaxMax, "calls a minute");
  const tokenKeysMax = intVar("DISCOVERY_TOKEN_KEYS_MAX", env.DISCOVERY_TOKEN_KEYS_MAX, d.tokenKeysMax, tokenKeysMin, d.tokenKeysMaxMax, "keys");
  const tokenBytesMax = intVar("DISCOVERY_TOKEN_BYTES_MAX", env.DISCOVERY_TOKEN_BYTES_MAX, d.tokenBytesMax, tokenBytesMin, d.tokenBytesMaxMax, "bytes");
  const baseUrl = (env.DISCOVERY_BASE_URL ?? "").trim().replace(/\/+$/, "");
  if (baseUrl !== "" && !/^https?:\/\/[^/?#]+$/.test(baseUrl)) {
    throw new Error(`DISCOVERY_BASE_URL: expected an origin like https://discovery.example.com, got ${JSON.stringify(baseUrl)}`);
  }
  const newBearerToken = (env.DISCOVERY_NEW_TOKEN ?? "").trim();
  // Never echo the secret in the error.
  if (newBearerToken !== "" && (newBearerToken.length < d.newBearerTokenCharsMin || !/^[\x21-\x7e]+$/.test(newBearerToken))) {
    throw new Error(`DISCOVERY_NEW_TOKEN: expected at least ${d.newBearerTokenCharsMin} printable characters without spaces (e.g. openssl rand -hex 32)`);
  }
  return { tokenTtlSeconds, baseUrl, newPerMinuteMax, tokenKeysMax, tokenBytesMax, newBearerToken };
}
