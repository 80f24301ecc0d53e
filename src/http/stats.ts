/**
 * GET /v2/stats/store (spec §6.3), and the member stats routes when a source is given.
 *
 * @module
 */
import type { StoreStats } from "../store/types.js";
import type { V2Handler } from "./handler.js";
import { allowMethod, jsonResponse, messageResponse, originOf, type RouteHandler } from "./route.js";

/** etcd's field order. */
const storeStatsOrder: readonly (keyof StoreStats)[] = [
  "getsSuccess", "getsFail", "setsSuccess", "setsFail", "deleteSuccess", "deleteFail",
  "updateSuccess", "updateFail", "createSuccess", "createFail", "compareAndSwapSuccess",
  "compareAndSwapFail", "compareAndDeleteSuccess", "compareAndDeleteFail", "expireCount", "watchers",
];

export function renderStoreStats(s: StoreStats): string {
  return `{${storeStatsOrder.map((k) => `"${k}":${s[k]}`).join(",")}}`;
}

export function storeStatsRoute(handler: V2Handler): RouteHandler {
  return async (r) => allowMethod(r.method, ["GET"]) ?? jsonResponse(renderStoreStats(await handler.storeStats()));
}

/**
 * Member-level endpoints that need more than a V2Handler: /v2/stats/self, /v2/stats/leader
 * and /v2/machines. Bodies are pre-rendered by the source (their shapes are member business).
 */
export interface MemberEndpoints {
  /** JSON body of /v2/stats/self (no trailing newline). */
  selfStats(): Promise<string>;
  /** JSON body of /v2/stats/leader, or null when this member is not the leader. */
  leaderStats(): Promise<string | null>;
  /** Client URLs of every member; `origin` is the request's (a Worker's members live under it). */
  machines(origin: string): Promise<string[]>;
}

export function selfStatsRoute(m: MemberEndpoints): RouteHandler {
  return async (r) => {
    const denied = allowMethod(r.method, ["GET"]);
    if (denied) return denied;
    try {
      return jsonResponse(await m.selfStats());
    } catch {
      return messageResponse(500, "Internal Server Error");
    }
  };
}

export function leaderStatsRoute(m: MemberEndpoints): RouteHandler {
  return async (r) => {
    const denied = allowMethod(r.method, ["GET"]);
    if (denied) return denied;
    const body = await m.leaderStats();
    if (body === null) return jsonResponse('{"message":"not current leader"}', 403);
    return jsonResponse(body);
  };
}

export function machinesRoute(m: MemberEndpoints): RouteHandler {
  return async (r) => {
    const denied = allowMethod(r.method, ["GET", "HEAD"]);
    if (denied) return denied;
    const urls = [...(await m.machines(originOf(r)))].sort();
    return new Response(r.method === "HEAD" ? null : urls.join(", "), { headers: { "Content-Type": "text/plain; charset=utf-8" } });
  };
}
