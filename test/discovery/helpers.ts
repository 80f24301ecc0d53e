import { createApp } from "../../src/http/app.js";
import { DirectHandler } from "../../src/http/direct-handler.js";
import { discoveryDefaults, type DiscoveryConfig } from "../../src/discovery/config.js";
import { isolateLimiter, type NewLimiter } from "../../src/discovery/rate-limit.js";
import { discoveryService, type DiscoveryFetch, type KeysApp } from "../../src/discovery/service.js";

export interface TestDiscovery {
  /** A request to the discovery service; `target` is sent raw (no URL normalisation). */
  call(method: string, target: string, body?: string, headers?: Record<string, string>): Promise<Response>;
  /** The same store through the main cluster's v2 API, auth included (to see what a request really wrote). */
  keys(method: string, target: string, body?: string, headers?: Record<string, string>): Promise<Response>;
  /** Expire what is due (etcd's SYNC) at the test clock. */
  sync(): void;
  close(): void;
}

export const origin = "http://disco.test:8788";

export interface TestDiscoveryOptions extends Partial<DiscoveryConfig> {
  newToken?: () => string;
  now?: () => number;
  /** Default: the in-isolate limiter at `newPerMinuteMax`, on the test clock. */
  newLimiter?: NewLimiter;
  /** Wraps the keys app the service writes through (to inject failures). */
  wrapKeys?: (app: KeysApp) => KeysApp;
}

export function testDiscovery(opts: TestDiscoveryOptions = {}): TestDiscovery {
  const now = opts.now ?? (() => Date.now());
  const handler = new DirectHandler({ autoSync: false, now });
  // As deployed: the main Worker checks etcd's auth; the discovery Worker's keys app serves
  // capability URLs it has confined itself.
  const app = createApp({ handler, now });
  const capabilityApp = createApp({ handler, now, auth: "capability" });
  const keys: KeysApp = { fetch: (req, env) => capabilityApp.fetch(req, env) };
  const newPerMinuteMax = opts.newPerMinuteMax ?? discoveryDefaults.newPerMinuteMax;
  const service: DiscoveryFetch = discoveryService({
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 3600,
    baseUrl: opts.baseUrl ?? "",
    newPerMinuteMax,
    tokenKeysMax: opts.tokenKeysMax ?? discoveryDefaults.tokenKeysMax,
    tokenBytesMax: opts.tokenBytesMax ?? discoveryDefaults.tokenBytesMax,
    newBearerToken: opts.newBearerToken ?? "",
    newLimiter: opts.newLimiter ?? isolateLimiter({ perMinuteMax: newPerMinuteMax, now }),
    keys: opts.wrapKeys ? opts.wrapKeys(keys) : keys,
    clusterId: () => handler.clusterId(),
    ...(opts.newToken ? { newToken: opts.newToken } : {}),
  });
  const request = (method: string, target: string, body?: string, headers: Record<string, string> = {}) =>
    new Request(`${origin}${target}`, {
      method,
      headers: { ...(body !== undefined ? { "Content-Type": "application/x-www-form-urlencoded" } : {}), ...headers },
      ...(body !== undefined ? { body } : {}),
    });
  return {
    call: (method, target, body, headers) => service(request(method, target, body, headers), target),
    keys: async (method, target, body, headers) => app.fetch(request(method, target, body, headers), { rawTarget: target }),
    sync: () => handler.sync(),
    close: () => handler.close(),
  };
}

/** POST-free helper: a fresh token with the given size; returns the token. */
export async function newToken(d: TestDiscovery, size = 3, headers?: Record<string, string>): Promise<string> {
  const res = await d.call("GET", `/new?size=${size}`, undefined, headers);
  if (res.status !== 200) throw new Error(`/new answered ${res.status}: ${await res.text()}`);
  const url = await res.text();
  return url.slice(url.lastIndexOf("/") + 1);
}

export async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** The token directories the store holds (to prove a refused /new wrote nothing). */
export async function tokenCount(d: TestDiscovery): Promise<number> {
  const res = await d.keys("GET", "/v2/keys/_etcd/registry");
  if (res.status === 404) return 0;
  const node = (await json(res))["node"] as { nodes?: unknown[] };
  return node.nodes?.length ?? 0;
}
