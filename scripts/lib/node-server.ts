/**
 * Serve a fetch-style app (Hono) over node:http on loopback: the raw request target is passed
 * through as `env.rawTarget` (Request URLs are normalised), bodies stream both ways (watches
 * flush their headers at once), and a client disconnect aborts the Request's signal.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

export interface FetchApp {
  fetch(req: Request, env?: unknown): Response | Promise<Response>;
}

export interface NodeServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Node hands over the target as latin-1 text; bytes ≥ 0x80 are re-escaped as %XX. */
function asciiTarget(url: string): string {
  return url.replace(/[\u0080-\u00ff]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

async function handle(app: FetchApp, origin: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const ac = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) ac.abort();
  });
  const rawTarget = asciiTarget(req.url ?? "/");
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  let url: string;
  try {
    url = new URL(rawTarget, origin).href;
  } catch {
    url = origin + "/";
  }
  const request = new Request(url, {
    method,
    headers,
    signal: ac.signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
  } as RequestInit);
  let response: Response;
  try {
    response = await app.fetch(request, { rawTarget });
  } catch (e) {
    res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
    res.end(`internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return;
  }
  const out: Record<string, string[]> = {};
  response.headers.forEach((v, k) => {
    (out[k] ??= []).push(v);
  });
  res.writeHead(response.status, out);
  if (response.body === null || method === "HEAD") {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = response.body.getReader();
  ac.signal.addEventListener("abort", () => void reader.cancel().catch(() => {}), { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // client went away mid-body
  }
  res.end();
}

export async function serveNode(app: FetchApp, port = 0, host = "127.0.0.1"): Promise<NodeServer> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const origin = `http://${host}:${bound}`;
  server.on("request", (req, res) => {
    void handle(app, origin, req, res);
  });
  return {
    port: bound,
    url: origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
