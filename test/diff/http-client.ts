/**
 * A raw HTTP client for the differential suite: the request target is sent byte-for-byte
 * (no URL normalisation), and watches expose headers, lines and disconnects.
 *
 * @module
 */
import { request, type IncomingMessage } from "node:http";

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface SendOptions {
  /** Url-encoded by the caller; sent with `contentType` (default form). */
  body?: string | Buffer;
  contentType?: string | null;
  headers?: Record<string, string>;
}

function flatHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

function buildHeaders(opts: SendOptions): Record<string, string> {
  const h: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) {
    const ct = opts.contentType === undefined ? "application/x-www-form-urlencoded" : opts.contentType;
    if (ct !== null) h["Content-Type"] = ct;
    h["Content-Length"] = String(Buffer.byteLength(opts.body));
  }
  return h;
}

/**
 * An explicit HTTP Basic `Authorization` header (etcd's v2 auth takes no other scheme). Built
 * by hand, not by the client library, so a test can also send malformed variants.
 */
export function basicAuth(user: string, password: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
}

export function send(port: number, method: string, target: string, opts: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let responded = false;
    const req = request(
      { host: "127.0.0.1", port, method, path: target, headers: buildHeaders(opts), agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: flatHeaders(res), body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    // A server may answer (e.g. 400 for an oversize form) before reading the whole body; a
    // write error after the response arrived is harmless, before it the request failed.
    req.on("response", () => (responded = true));
    req.on("error", (e) => {
      if (!responded) reject(e);
    });
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export interface WatchHandle {
  /** Resolves when the status line and headers arrived. */
  headers: Promise<Reply>;
  /** Resolves when the response ended (by the server) with the whole body. */
  done: Promise<Reply>;
  /** Body text so far. */
  text(): string;
  /** Client disconnect. */
  close(): void;
}

export function watch(port: number, target: string, requestHeaders: Record<string, string> = {}): WatchHandle {
  let body = "";
  let closed = false;
  let resolveHead!: (r: Reply) => void;
  let resolveDone!: (r: Reply) => void;
  let rejectAll!: (e: Error) => void;
  const headers = new Promise<Reply>((res, rej) => {
    resolveHead = res;
    rejectAll = rej;
  });
  const done = new Promise<Reply>((res) => (resolveDone = res));
  const req = request({ host: "127.0.0.1", port, method: "GET", path: target, headers: requestHeaders, agent: false }, (res) => {
    const head = { status: res.statusCode ?? 0, headers: flatHeaders(res), body: "" };
    resolveHead(head);
    res.setEncoding("utf8");
    res.on("data", (c: string) => (body += c));
    res.on("end", () => resolveDone({ ...head, body }));
    res.on("close", () => resolveDone({ ...head, body }));
  });
  req.on("error", (e) => {
    if (!closed) rejectAll(e);
  });
  req.end();
  return {
    headers,
    done,
    text: () => body,
    close: () => {
      closed = true;
      req.destroy();
    },
  };
}
