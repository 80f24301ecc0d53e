import { createApp } from "../../src/http/app.js";
import { DirectHandler } from "../../src/http/direct-handler.js";
import { discoveryService, type DiscoveryFetch } from "../../src/discovery/service.js";

export interface TestDiscovery {
  /** A request to the discovery service; `target` is sent raw (no URL normalisation). */
  call(method: string, target: string, body?: string): Promise<Response>;
  /** The same store through the plain v2 keys API (to see what a request really wrote). */
  keys(method: string, target: string, body?: string): Promise<Response>;
  /** Expire what is due (etcd's SYNC) at the test clock. */
  sync(): void;
  close(): void;
}

export const origin = "http://disco.test:8788";

export function testDiscovery(opts: { tokenTtlSeconds?: number; baseUrl?: string; newToken?: () => string; now?: () => number } = {}): TestDiscovery {
  const now = opts.now ?? (() => Date.now());
  const handler = new DirectHandler({ autoSync: false, now });
  const app = createApp({ handler, now });
  const service: DiscoveryFetch = discoveryService({
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 3600,
    baseUrl: opts.baseUrl ?? "",
    keys: { fetch: (req, env) => app.fetch(req, env) },
    clusterId: () => handler.clusterId(),
    ...(opts.newToken ? { newToken: opts.newToken } : {}),
  });
  const request = (method: string, target: string, body?: string) =>
    new Request(`${origin}${target}`, {
      method,
      ...(body !== undefined ? { body, headers: { "Content-Type": "application/x-www-form-urlencoded" } } : {}),
    });
  return {
    call: (method, target, body) => service(request(method, target, body), target),
    keys: async (method, target, body) => app.fetch(request(method, target, body), { rawTarget: target }),
    sync: () => handler.sync(),
    close: () => handler.close(),
  };
}

/** POST-free helper: a fresh token with the given size; returns the token. */
export async function newToken(d: TestDiscovery, size = 3): Promise<string> {
  const res = await d.call("GET", `/new?size=${size}`);
  if (res.status !== 200) throw new Error(`/new answered ${res.status}: ${await res.text()}`);
  const url = await res.text();
  return url.slice(url.lastIndexOf("/") + 1);
}

export async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}
