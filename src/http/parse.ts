/**
 * A keys API request → a V2Request (or a watch), validated in etcd's exact order (spec §3.2):
 * the first failing check wins, and every failure is a 400 with index 0.
 *
 * @module
 */
import {
  EcodeIndexNaN,
  EcodeInvalidField,
  EcodeInvalidForm,
  EcodePrevValueRequired,
  EcodeRefreshTTLRequired,
  EcodeRefreshValue,
  EcodeTTLNaN,
  errorMessages,
} from "../store/errors.js";
import type { V2Error, V2Method, V2Request } from "../store/types.js";
import type { WatchRequest } from "./handler.js";
import { formGet, type FormValues, type ParsedForm } from "./form.js";
import { goParseBool, goParseUint64, ttlToExpirationMs } from "./go-parse.js";
import { goPathClean } from "./go-url.js";

export { formBodyBytesMax } from "./form.js";

/** The user namespace of the store: `/foo` is stored as `/1/foo`. */
export const keysNamespace = "/1";

/**
 * Indexes above 2^53−1 can never match a real index; they are clamped so the store's integer
 * assertions hold. (etcd would echo the exact uint64 in a CAS cause: see docs/divergences.md.)
 */
function indexNumber(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

export type KeysCall =
  | { ok: true; kind: "keys"; req: V2Request; noValueOnSuccess: boolean }
  | { ok: true; kind: "watch"; watch: WatchRequest }
  | { ok: false; error: V2Error };

function requestError(code: number, cause: string): { ok: false; error: V2Error } {
  return { ok: false, error: { errorCode: code, message: errorMessages[code] ?? "", cause, index: 0 } };
}

/** Absent → false; present → Go ParseBool of the first value. */
function bool(form: FormValues, name: string): boolean | null {
  const v = form.get(name);
  return v === undefined ? false : goParseBool(v[0] ?? "");
}

/** Absent → 0; present → Go ParseUint of the first value. */
function uint(form: FormValues, name: string): bigint | null {
  const v = form.get(name);
  return v === undefined ? 0n : goParseUint64(v[0] ?? "");
}

/**
 * `keyPath` is the decoded, cleaned URL path after "/v2/keys" (may be "" or end in "/").
 * `method` is the HTTP method (GET, HEAD, PUT, POST, DELETE).
 */
export function parseKeysRequest(method: string, keyPath: string, parsed: ParsedForm, nowMs: number): KeysCall {
  if (parsed.error !== null) return requestError(EcodeInvalidForm, parsed.error);
  const form = parsed.values;
  const path = goPathClean(keysNamespace + "/" + keyPath);

  const prevIndex = uint(form, "prevIndex");
  if (prevIndex === null) return requestError(EcodeIndexNaN, 'invalid value for "prevIndex"');
  const waitIndex = uint(form, "waitIndex");
  if (waitIndex === null) return requestError(EcodeIndexNaN, 'invalid value for "waitIndex"');
  const flags: Record<string, boolean> = {};
  for (const name of ["recursive", "sorted", "wait", "dir", "quorum", "stream"]) {
    const b = bool(form, name);
    if (b === null) return requestError(EcodeInvalidField, `invalid value for "${name}"`);
    flags[name] = b;
  }
  if (flags["wait"] === true && method !== "GET") {
    return requestError(EcodeInvalidField, '"wait" can only be used with GET requests');
  }
  const prevValue = formGet(form, "prevValue");
  if (form.has("prevValue") && prevValue === "") {
    return requestError(EcodePrevValueRequired, '"prevValue" cannot be empty');
  }
  const noValueOnSuccess = bool(form, "noValueOnSuccess");
  if (noValueOnSuccess === null) return requestError(EcodeInvalidField, 'invalid value for "noValueOnSuccess"');
  let ttl: bigint | null = null;
  if (formGet(form, "ttl") !== "") {
    ttl = goParseUint64(formGet(form, "ttl"));
    if (ttl === null) return requestError(EcodeTTLNaN, 'invalid value for "ttl"');
  }
  let prevExist: boolean | null = null;
  if (form.has("prevExist")) {
    prevExist = goParseBool(formGet(form, "prevExist"));
    if (prevExist === null) return requestError(EcodeInvalidField, "invalid value for prevExist");
  }
  let refresh = false;
  if (form.has("refresh")) {
    const r = goParseBool(formGet(form, "refresh"));
    if (r === null) return requestError(EcodeInvalidField, "invalid value for refresh");
    refresh = r;
    if (refresh) {
      if (formGet(form, "value") !== "") return requestError(EcodeRefreshValue, "A value was provided on a refresh");
      if (ttl === null) return requestError(EcodeRefreshTTLRequired, "No TTL value set");
    }
  }

  if (method === "GET" && flags["wait"] === true && flags["quorum"] !== true) {
    return {
      ok: true,
      kind: "watch",
      watch: { path, recursive: flags["recursive"] === true, stream: flags["stream"] === true, sinceIndex: indexNumber(waitIndex) },
    };
  }
  let v2method: V2Method;
  if (method === "GET" && flags["quorum"] === true) v2method = "QGET";
  else if (method === "HEAD" || method === "GET") v2method = "GET";
  else v2method = method as V2Method;
  const req: V2Request = {
    method: v2method,
    path,
    val: formGet(form, "value"),
    dir: flags["dir"] === true,
    prevValue,
    prevIndex: indexNumber(prevIndex),
    prevExist,
    expirationMs: ttl === null ? 0 : ttlToExpirationMs(ttl, nowMs),
    refresh,
    recursive: flags["recursive"] === true,
    sorted: flags["sorted"] === true,
    // Writes carry their time through the log: their events' ttl is rendered at it.
    timeMs: v2method === "GET" || v2method === "QGET" ? 0 : nowMs,
  };
  return { ok: true, kind: "keys", req, noValueOnSuccess };
}
