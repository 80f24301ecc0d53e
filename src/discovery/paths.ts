/**
 * Where a discovery request goes. A token's URL `/<token>/…` is the v2 keys API on the
 * registry directory `/_etcd/registry/<token>/…`; nothing else of the store is reachable.
 *
 * The path is decoded and cleaned here, before the token is taken from it, so the rewritten
 * keys path can never leave the token's subtree (`..`, `%2e%2e`, `%2F` tricks all end up as a
 * redirect to the clean path, which is then checked afresh).
 *
 * @module
 */
import { EscapeError, goEscapePath, goUnescape, muxCleanPath } from "../http/go-url.js";
import { goParseQuery } from "../http/form.js";
import { isToken } from "./token.js";

/** The registry directory, in the keys namespace (hidden: `_etcd`). */
export const registryDir = "/_etcd/registry";

export type DiscoveryTarget =
  | { kind: "index" }
  | { kind: "new"; rawQuery: string }
  /**
   * `keyPath` is the decoded, clean path below the token directory ("" or "/a/b");
   * `keysTarget` is the raw request target for the v2 keys API ("/v2/keys/_etcd/…?…").
   */
  | { kind: "token"; token: string; tokenRoot: boolean; keyPath: string; keysTarget: string; rawQuery: string }
  | { kind: "redirect"; location: string }
  | { kind: "badRequest" }
  /** Not a token URL; `segment` is the first path segment (for the 404's cause). */
  | { kind: "unknown"; segment: string };

export function resolveTarget(rawTarget: string): DiscoveryTarget {
  const q = rawTarget.indexOf("?");
  const rawPath = q < 0 ? rawTarget : rawTarget.slice(0, q);
  const rawQuery = q < 0 ? "" : rawTarget.slice(q + 1);
  let path: string;
  try {
    path = goUnescape(rawPath, false);
  } catch (e) {
    if (e instanceof EscapeError) return { kind: "badRequest" };
    throw e;
  }
  const clean = muxCleanPath(path);
  if (clean !== path) return { kind: "redirect", location: goEscapePath(clean) + (rawQuery !== "" ? "?" + rawQuery : "") };
  if (path === "/") return { kind: "index" };
  if (path === "/new") return { kind: "new", rawQuery };
  const slash = path.indexOf("/", 1);
  const segment = slash < 0 ? path.slice(1) : path.slice(1, slash);
  if (!isToken(segment)) return { kind: "unknown", segment };
  const rest = slash < 0 ? "" : path.slice(slash);
  const keysPath = `/v2/keys${registryDir}/${segment}${rest}`;
  const tokenRoot = rest === "" || rest === "/";
  return { kind: "token", token: segment, tokenRoot, keyPath: rest, keysTarget: goEscapePath(keysPath) + (rawQuery !== "" ? "?" + rawQuery : ""), rawQuery };
}

/**
 * etcd's client sends `quorum=false` on plain reads. A fresh token must be readable at once
 * from any member, so plain reads become quorum reads; Go's form takes the first value.
 * Watches (any `wait`) are left alone: etcd serves `quorum=true&wait=true` as a read, not a watch.
 */
export function withQuorumRead(keysTarget: string, method: string, rawQuery: string): string {
  if (method !== "GET" || goParseQuery(rawQuery).values.has("wait")) return keysTarget;
  const q = keysTarget.indexOf("?");
  return q < 0 ? `${keysTarget}?quorum=true` : `${keysTarget.slice(0, q)}?quorum=true&${keysTarget.slice(q + 1)}`;
}
