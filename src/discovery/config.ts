/**
 * The discovery Worker's own settings (wrangler vars). Pure.
 *
 * DISCOVERY_TOKEN_TTL: seconds a token's registry lives (a TTL on its directory); default 7 days.
 * DISCOVERY_BASE_URL: the origin put in new discovery URLs (e.g. https://discovery.example.com);
 * default: the origin the /new request came to.
 *
 * @module
 */

export interface DiscoveryEnv {
  DISCOVERY_TOKEN_TTL?: string;
  DISCOVERY_BASE_URL?: string;
}

export interface DiscoveryConfig {
  tokenTtlSeconds: number;
  /** Without a trailing slash; "" = the request's origin. */
  baseUrl: string;
}

export const discoveryDefaults = {
  tokenTtlSeconds: 7 * 24 * 3600,
  /** A year: a registry is only needed while a cluster bootstraps. */
  tokenTtlSecondsMax: 365 * 24 * 3600,
} as const;

export function parseDiscoveryConfig(env: DiscoveryEnv): DiscoveryConfig {
  const rawTtl = (env.DISCOVERY_TOKEN_TTL ?? "").trim();
  let tokenTtlSeconds: number = discoveryDefaults.tokenTtlSeconds;
  if (rawTtl !== "") {
    if (!/^[0-9]{1,9}$/.test(rawTtl) || Number(rawTtl) < 1 || Number(rawTtl) > discoveryDefaults.tokenTtlSecondsMax) {
      throw new Error(`DISCOVERY_TOKEN_TTL: expected seconds from 1 to ${discoveryDefaults.tokenTtlSecondsMax}, got ${JSON.stringify(rawTtl)}`);
    }
    tokenTtlSeconds = Number(rawTtl);
  }
  const baseUrl = (env.DISCOVERY_BASE_URL ?? "").trim().replace(/\/+$/, "");
  if (baseUrl !== "" && !/^https?:\/\/[^/?#]+$/.test(baseUrl)) {
    throw new Error(`DISCOVERY_BASE_URL: expected an origin like https://discovery.example.com, got ${JSON.stringify(baseUrl)}`);
  }
  return { tokenTtlSeconds, baseUrl };
}
