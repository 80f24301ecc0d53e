/**
 * GET /version (spec §7.1).
 *
 * @module
 */
import { goJsonString } from "./go-json.js";
import { allowMethod, jsonResponse, type RouteHandler } from "./route.js";

export interface Versions {
  etcdserver: string;
  etcdcluster: string;
}

export const defaultVersions: Versions = { etcdserver: "3.4.23", etcdcluster: "3.4.0" };

export function versionRoute(v: Versions): RouteHandler {
  const body = `{"etcdserver":${goJsonString(v.etcdserver)},"etcdcluster":${goJsonString(v.etcdcluster)}}`;
  return (r) => allowMethod(r.method, ["GET"]) ?? jsonResponse(body);
}
