/**
 * Parsing and validation of POST/PUT /v2/members bodies, with etcd 3.4's exact order and
 * messages (spec §5): Content-Type, JSON, then each peer URL (scheme, host:port, no path).
 * Pure functions: a malformed request changes nothing.
 *
 * @module
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; status: number; message: string };

export const memberBodyBytesMax = 64 * 1024;

/** etcd: the part before ";" is trimmed and lower-cased; otherwise the header is compared as is. */
export function checkContentType(header: string | null): Parsed<null> {
  const raw = header ?? "";
  const semi = raw.indexOf(";");
  const processed = semi >= 0 ? raw.slice(0, semi).trim().toLowerCase() : raw;
  if (processed !== "application/json") {
    return { ok: false, status: 415, message: `Bad Content-Type ${processed}, accept application/json` };
  }
  return { ok: true, value: null };
}

export function parsePeerURLs(body: string): Parsed<string[]> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return { ok: false, status: 400, message: goJsonError(body, e) };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { ok: false, status: 400, message: "json: cannot unmarshal into Go value of type httptypes.MemberCreateRequest" };
  }
  const raw = (json as { peerURLs?: unknown }).peerURLs;
  const list = Array.isArray(raw) ? raw : [];
  if (list.length === 0) return { ok: false, status: 400, message: "no valid URLs given" };
  const urls: string[] = [];
  for (const item of list) {
    if (typeof item !== "string") return { ok: false, status: 400, message: "json: cannot unmarshal into Go value of type string" };
    const checked = checkPeerURL(item.trim());
    if (!checked.ok) return checked;
    urls.push(checked.value);
  }
  return { ok: true, value: urls.sort() };
}

export function checkPeerURL(raw: string): Parsed<string> {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(raw);
  const scheme = m?.[1]?.toLowerCase() ?? "";
  if (!["http", "https", "unix", "unixs"].includes(scheme)) {
    return { ok: false, status: 400, message: `URL scheme must be http, https, unix, or unixs: ${raw}` };
  }
  const host = m![2]!;
  if (!/^(\[[^\]]+\]|[^:]*):\d+$/.test(host)) {
    return { ok: false, status: 400, message: `URL address does not have the form "host:port": ${raw}` };
  }
  if (m![3] !== "") return { ok: false, status: 400, message: `URL must not contain a path: ${raw}` };
  return { ok: true, value: raw };
}

/** A member id in a URL path: hex uint64, as etcd's types.IDFromString. */
export function parseMemberId(raw: string): string | null {
  if (!/^[0-9a-fA-F]{1,16}$/.test(raw)) return null;
  return BigInt("0x" + raw).toString(16);
}

/** The member name a peer URL gives its Durable Object: the first label of its host. */
export function memberNameFromPeerURL(url: string): string {
  const host = /^[a-z]+:\/\/([^/:?#]+)/i.exec(url)?.[1] ?? "";
  return host.split(".")[0] ?? "";
}

function goJsonError(body: string, e: unknown): string {
  // Go's decoder names the offending character; reproduce its common forms.
  const trimmed = body.trimStart();
  if (trimmed === "") return "EOF";
  const first = trimmed[0]!;
  if (first !== "{" && first !== "[" && first !== '"' && !/[-0-9tfn]/.test(first)) {
    return `invalid character '${first}' looking for beginning of value`;
  }
  const objKey = /^\{\s*([^\s"}])/.exec(trimmed);
  if (objKey) return `invalid character '${objKey[1]}' looking for beginning of object key string`;
  return e instanceof Error ? e.message : "invalid JSON";
}
