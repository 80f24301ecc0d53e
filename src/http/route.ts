/**
 * What a route sees (the decoded, already-clean request path and the raw query) and the small
 * plain-text responses Go's `net/http` produces.
 *
 * @module
 */
import { goJsonString } from "./go-json.js";

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

/** Go's 405, with `Allow` when given (etcd omits it in a few places). */
export function methodNotAllowed(allowed: readonly string[] | null): Response {
  return goHttpError(405, "Method Not Allowed", allowed ? { Allow: allowed.join(",") } : undefined);
}

/** etcd `allowMethod`: null when allowed, else the 405 with `Allow`. */
export function allowMethod(method: string, allowed: readonly string[]): Response | null {
  if (allowed.includes(method)) return null;
  return methodNotAllowed(allowed);
}

/** A route that answers only `allowed` methods (etcd checks the method before anything else). */
export function onlyMethods(allowed: readonly string[], h: RouteHandler): RouteHandler {
  return (r) => allowMethod(r.method, allowed) ?? h(r);
}

/** etcd's httptypes.HTTPError: JSON `{"message":…}` without a trailing newline. */
export function messageResponse(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(`{"message":${goJsonString(text)}}`, { status, headers: { ...headers, "Content-Type": "application/json" } });
}

/** The request's origin ("https://host"), for client URLs that point back at this Worker. */
export function originOf(r: RouteRequest): string {
  return new URL(r.raw.url).origin;
}

/** A JSON body without a trailing newline (stats, version). */
export function jsonResponse(body: string, status = 200, headers?: Record<string, string>): Response {
  return new Response(body, { status, headers: { "Content-Type": "application/json", ...headers } });
}
