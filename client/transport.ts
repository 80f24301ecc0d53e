/**
 * HTTP to a set of etcd endpoints: Basic auth, a timeout per attempt, cancellation, and failover
 * with backoff. Like etcd's client/v2 httpClusterClient it moves to the next endpoint on a
 * network error or a 5xx, but only for idempotent calls: a POST (in-order create) that failed
 * without an answer may have been applied, so it is not repeated behind the caller's back.
 *
 * @module
 */
import { EtcdUnavailableError } from "./errors.js";
import { anySignal, backoffMs, sleep } from "./signals.js";
import type { BasicAuth, ClientOptions } from "./types.js";

export interface HttpRequest {
  method: "GET" | "PUT" | "POST" | "DELETE";
  path: string;
  params?: Record<string, string | number | boolean | undefined>;
  /** Safe to send again after an ambiguous failure. */
  idempotent: boolean;
  /** Overrides the per-attempt timeout; 0 = none (long-poll watches). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  endpoint: string;
}

export class Transport {
  private endpoints: string[];
  private current = 0;
  private readonly fetchFn: typeof fetch;
  private readonly authHeader: string | undefined;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly backoffMsMin: number;
  readonly backoffMsMax: number;

  constructor(opts: ClientOptions) {
    if (opts.endpoints.length === 0) throw new Error("etcd client: at least one endpoint is needed");
    this.endpoints = opts.endpoints.map((e) => e.replace(/\/+$/, ""));
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.authHeader = opts.auth ? basic(opts.auth) : undefined;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxAttempts = opts.maxAttempts ?? Math.max(4, 2 * this.endpoints.length);
    this.backoffMsMin = opts.backoffMsMin ?? 50;
    this.backoffMsMax = opts.backoffMsMax ?? 2_000;
  }

  get endpointList(): readonly string[] {
    return this.endpoints;
  }

  /** Replace the endpoints (after a members sync); keeps the current one first if still listed. */
  setEndpoints(endpoints: string[]): void {
    if (endpoints.length === 0) return;
    const pinned = this.endpoints[this.current];
    this.endpoints = endpoints.map((e) => e.replace(/\/+$/, ""));
    this.current = Math.max(0, this.endpoints.indexOf(pinned ?? ""));
  }

  async send(req: HttpRequest): Promise<HttpAnswer> {
    const errors: unknown[] = [];
    const attempts = req.idempotent ? this.maxAttempts : 1;
    let answer: HttpAnswer | null = null;
    for (let attempt = 0; attempt < attempts; attempt++) {
      // One pass over every endpoint without waiting; back off once all have failed.
      if (attempt > 0 && attempt % this.endpoints.length === 0) {
        await sleep(backoffMs(attempt / this.endpoints.length, this.backoffMsMin, this.backoffMsMax), req.signal);
      }
      const endpoint = this.endpoints[this.current]!;
      try {
        answer = await this.once(endpoint, req);
      } catch (e) {
        if (req.signal?.aborted) throw req.signal.reason;
        errors.push(e);
        answer = null;
        this.current = (this.current + 1) % this.endpoints.length;
        continue;
      }
      if (answer.status < 500) return answer;
      errors.push(new Error(`HTTP ${answer.status} from ${endpoint}: ${answer.text.slice(0, 200)}`));
      this.current = (this.current + 1) % this.endpoints.length;
    }
    // The last answer carries etcd's own error (e.g. 300 "request timed out"): the caller types it.
    if (answer) return answer;
    throw new EtcdUnavailableError(errors);
  }

  private async once(endpoint: string, req: HttpRequest): Promise<HttpAnswer> {
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
    const { signal, dispose } = anySignal([req.signal, timeout]);
    const form = encodeParams(req.params);
    const body = req.method === "PUT" || req.method === "POST";
    const url = `${endpoint}${req.path}${!body && form ? `?${form}` : ""}`;
    const headers: Record<string, string> = {};
    if (this.authHeader) headers.Authorization = this.authHeader;
    if (body) headers["Content-Type"] = "application/x-www-form-urlencoded";
    try {
      const res = await this.fetchFn(url, { method: req.method, headers, body: body ? form : undefined, signal });
      return { status: res.status, headers: res.headers, text: await res.text(), endpoint };
    } finally {
      dispose();
    }
  }
}

export function encodeParams(params: HttpRequest["params"]): string {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined) out.set(k, String(v));
  return out.toString();
}

/** Keys are paths: each segment is escaped, the slashes kept. */
export function keyPath(key: string): string {
  const clean = key.startsWith("/") ? key : `/${key}`;
  return `/v2/keys${clean.split("/").map(encodeURIComponent).join("/")}`;
}

function basic(auth: BasicAuth): string {
  const bytes = new TextEncoder().encode(`${auth.username}:${auth.password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}
