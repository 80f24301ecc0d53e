/**
 * Generated client requests for fuzzing the HTTP API: methods, paths (keys, auth, members,
 * stats, odd escapes and dot segments), query and form fields with good and bad values, JSON and
 * garbage bodies, content types and credentials. Seeded, so a failing run replays.
 *
 * @module
 */

export interface FuzzRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: string;
  /** A write to the keys API: refused, it must change nothing. */
  keysWrite: boolean;
}

export function requestGenerator(seed: number): () => FuzzRequest {
  const rand = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const maybe = (p: number) => rand() < p;
  const segments = ["a", "b", "dir", "x y", "%2F", "%zz", "é", "%C3%A9", "_hidden", "..", ".", "", "k1", "%00", "a%25b", "*"];
  const keyPath = () => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(segments)).join("/");
  const paths = [
    () => `/v2/keys/fuzz/${keyPath()}`,
    () => `/v2/keys/fuzz`,
    () => `/v2/keys`,
    () => `/members/${pick(["infra0", "infra1", "nobody", "%zz"])}/v2/keys/fuzz/${keyPath()}`,
    () => `/v2/auth/${pick(["enable", "users", "users/", "roles", "roles/", "users/fz", "roles/fz", "users/a/b", "users/root"])}`,
    () => `/v2/${pick(["members", "members/", "members/leader", "members/zz", "stats/self", "stats/leader", "stats/store", "machines", "config/local/proxy"])}`,
    () => pick(["/version", "/health", "/", "/v2", "/v2/keysx", "//v2/keys/fuzz", "/v2/keys/fuzz//a"]),
  ];
  const fields = ["value", "ttl", "dir", "prevExist", "prevValue", "prevIndex", "recursive", "sorted", "quorum", "refresh", "noValueOnSuccess"];
  const values = ["", "1", "0", "-1", "true", "false", "yes", "x", "99999999999999999999", "1.5", "%", "%zz", "é", "a b", "1e3"];
  // No short valid TTL: a key expiring mid-check would move the index for a reason of its own.
  const ttls = ["", "x", "-1", "99999999999999999999", "1.5", "3600", "1e3"];
  const formPart = () => {
    const name = pick(fields);
    return `${name}=${encodeURIComponent(pick(name === "ttl" ? ttls : values))}${maybe(0.2) ? "&" + pick(fields.filter((f) => f !== "ttl")) : ""}`;
  };
  const query = () => Array.from({ length: Math.floor(rand() * 3) }, formPart).join("&");

  function body(): { body?: string; type?: string } {
    switch (Math.floor(rand() * 6)) {
      case 0: return {};
      case 1: return { body: Array.from({ length: 1 + Math.floor(rand() * 3) }, formPart).join("&"), type: "application/x-www-form-urlencoded" };
      case 2: return { body: JSON.stringify(pick([{ user: "fz", password: "p" }, { role: "fz", permissions: { kv: { read: ["/fuzz/*"], write: null } } }, { user: "fz", grant: ["fz"] }, { peerURLs: ["ftp://127.0.0.1:1"] }, null, [1], "s"])), type: "application/json" };
      case 3: return { body: "%%%&&==" + String.fromCharCode(...Array.from({ length: 8 }, () => Math.floor(rand() * 256))), type: pick(["application/x-www-form-urlencoded", "text/plain", "application/json"]) };
      case 4: return { body: "value=" + "v".repeat(Math.floor(rand() * 600)), type: "application/x-www-form-urlencoded; charset=utf-8" };
      default: return { body: "{", type: "application/json" };
    }
  }

  const credentials = [undefined, "", "Bearer x", "Basic !!", `Basic ${btoa("fz:p")}`, `Basic ${btoa("root:nope")}`, `Basic ${btoa("nocolon")}`, "basic " + btoa("fz:p")];

  return () => {
    const method = pick(["GET", "GET", "PUT", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS"]);
    const target = pick(paths)() + (maybe(0.6) ? "?" + query() : "");
    const b = method === "GET" || method === "HEAD" ? {} : body();
    const headers: Record<string, string> = {};
    if (b.type) headers["Content-Type"] = b.type;
    const auth = pick(credentials);
    if (auth !== undefined) headers["Authorization"] = auth;
    const keysWrite = target.includes("/v2/keys") && ["PUT", "POST", "DELETE"].includes(method);
    return { method, target, headers, ...(b.body !== undefined ? { body: b.body } : {}), keysWrite };
  };
}

function rng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What is wrong with an answer to a generated request, or null: no 5xx, JSON where JSON is claimed, etcd-shaped errors. */
export function malformedAnswer(req: FuzzRequest, status: number, contentType: string, text: string): string | null {
  if (status >= 500) return `status ${status}: ${text.slice(0, 300)}`;
  if (!contentType.startsWith("application/json") || text === "" || req.method === "HEAD") return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `not JSON although application/json: ${text.slice(0, 300)}`;
  }
  const err = parsed as { errorCode?: unknown; message?: unknown } | null;
  if (err && typeof err === "object" && "errorCode" in err && (typeof err.errorCode !== "number" || typeof err.message !== "string")) {
    return `not an etcd error: ${text.slice(0, 300)}`;
  }
  return null;
}

export function describeRequest(i: number, seed: number, r: FuzzRequest): string {
  return `request ${i} (FUZZ_SEED=${seed}): ${r.method} ${r.target} ${JSON.stringify(r.headers)} ${JSON.stringify(r.body ?? "").slice(0, 200)}`;
}
