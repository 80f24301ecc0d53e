/**
 * What a route sees (the decoded, already-clean request path and the raw query) and the small
 * plain-text responses Go's `net/http` produces.
 *
 * @module
 */

export interface RouteRequest {
  /** The incoming request (its URL may be normalised by the runtime: use `path`). */
  raw: Request;
  method: string;
  /** Percent-decoded, clean request path ("/v2/keys/a b"). */
  path: string;
  /** The raw text after "?" ("" when none). */
  rawQuery: string;
}

export type RouteHandler = (r: RouteRequest) => Promise<Response> | Response;

/** Go `http.Error`: text/plain, nosniff, message + "\n". */
export function goHttpError(status: number, message: string, headers?: Record<string, string>): Response {
  return new Response(message + "\n", {
    status,
    headers: {
      ...headers,
      "Content-Type": "text/plain; charset=utf-8",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

export function notFound(): Response {
  return goHttpError(404, "404 page not found");
}

/** etcd `allowMethod`: null when allowed, else the 405 with `Allow`. */
export function allowMethod(method: string, allowed: readonly string[]): Response | null {
  if (allowed.includes(method)) return null;
  return goHttpError(405, "Method Not Allowed", { Allow: allowed.join(",") });
}

/** A JSON body without a trailing newline (stats, version). */
export function jsonResponse(body: string, status = 200, headers?: Record<string, string>): Response {
  return new Response(body, { status, headers: { "Content-Type": "application/json", ...headers } });
}
