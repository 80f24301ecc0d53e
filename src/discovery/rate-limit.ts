/**
 * The per-client limit on `/new` (each call costs two Raft writes in the main cluster). One
 * port, two implementations:
 *
 * - `bindingLimiter`: Workers' rate-limiting binding (`[[ratelimits]]` in
 *   wrangler.discovery.toml). Deployed, its counters are per Cloudflare location and
 *   "permissive, eventually consistent" (developers.cloudflare.com/workers/runtime-apis/
 *   bindings/rate-limit, "Locality" and "Accuracy"); `wrangler dev` (miniflare) simulates it
 *   with exact in-memory counters, so `npm start` and the e2e tests run the same code path.
 * - `isolateLimiter`: exact counters in this isolate's memory, with the binding's semantics
 *   (a fixed window per key). Best-effort: every isolate counts alone and forgets on eviction.
 *   Used when the binding is not bound (the Node tests) and if the binding throws.
 *
 * @module
 */

export interface NewLimiter {
  /** Counts one call for `key`; false when the key is over its limit for this window. */
  allow(key: string): Promise<boolean>;
}

/** The binding's only window sizes are 10 and 60 s; /new's limit is per minute. */
export const newLimitPeriodSeconds = 60;

export interface IsolateLimiterOptions {
  perMinuteMax: number;
  now: () => number;
  /** Distinct keys tracked per window; beyond it, new keys share one bucket (memory stays bounded). */
  clientsMax?: number;
}

export const isolateClientsMaxDefault = 10_000;
const overflowKey = "\0overflow";

export function isolateLimiter({ perMinuteMax, now, clientsMax = isolateClientsMaxDefault }: IsolateLimiterOptions): NewLimiter {
  if (!(Number.isSafeInteger(perMinuteMax) && perMinuteMax >= 1)) throw new Error(`perMinuteMax: ${perMinuteMax}`);
  const counts = new Map<string, number>();
  let window = -1;
  return {
    async allow(key) {
      // Windows aligned to the epoch minute, as the binding's simulation aligns them.
      const w = Math.floor(now() / (newLimitPeriodSeconds * 1000));
      if (w !== window) {
        window = w;
        counts.clear();
      }
      const k = counts.has(key) || counts.size < clientsMax ? key : overflowKey;
      const n = counts.get(k) ?? 0;
      if (n >= perMinuteMax) return false;
      counts.set(k, n + 1);
      return true;
    },
  };
}

/** The binding, falling back to `fallback` when it throws (rather than refusing or admitting everyone). */
export function bindingLimiter(binding: RateLimit, fallback: NewLimiter): NewLimiter {
  return {
    async allow(key) {
      try {
        return (await binding.limit({ key })).success;
      } catch {
        return fallback.allow(key);
      }
    },
  };
}

/**
 * Who is calling: `CF-Connecting-IP`, which Cloudflare sets (and miniflare sets locally). An
 * IPv6 client usually holds a whole /64, so that prefix is the key. Without the header, every
 * caller shares the key "unknown".
 */
export function clientKey(headers: Headers): string {
  const ip = (headers.get("CF-Connecting-IP") ?? "").trim().toLowerCase();
  if (ip === "") return "unknown";
  if (!ip.includes(":") || ip.includes(".")) return ip; // IPv4, or IPv4-mapped IPv6: whole address
  const prefix = ipv6Prefix64(ip);
  return prefix === null ? ip : `${prefix}::/64`;
}

/** The first four groups of an IPv6 address (without zone), or null when it is not one. */
export function ipv6Prefix64(ip: string): string | null {
  const addr = ip.split("%")[0]!;
  const halves = addr.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : halves[0]!.split(":");
  const tail = halves.length === 2 && halves[1] !== "" ? halves[1]!.split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(missing).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":");
}
