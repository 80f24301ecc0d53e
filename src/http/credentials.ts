/**
 * HTTP Basic credentials → the Principal a member checks (etcd's r.BasicAuth + CheckPassword),
 * paying the password hash at most once per credential and stored hash per isolate.
 *
 * The cache maps SHA-256(Authorization header) — never the password itself — to the user and
 * the stored hash its password verified against. It needs no invalidation messages: every
 * member compares that hash with the user's record when it decides, so a changed password or a
 * re-enabled auth is seen there, answered 401, and the caller asks here again with `fresh`.
 * Wrong passwords are never cached, so each attempt costs a full verification.
 *
 * @module
 */
import { verifyNothing, verifyPassword } from "../auth/password.js";
import type { AuthLookup, Principal } from "../auth/types.js";

/** Verified credentials remembered per isolate. */
export const credentialsCachedMax = 1_000;

export interface BasicCredentials {
  user: string;
  password: string;
}

/** Go's Request.BasicAuth: "Basic " + standard base64 of "user:password"; null when malformed. */
export function parseBasic(header: string): BasicCredentials | null {
  const prefix = "basic ";
  if (header.length < prefix.length || header.slice(0, prefix.length).toLowerCase() !== prefix) return null;
  const encoded = header.slice(prefix.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

interface Verified {
  user: string;
  /** The stored hash the password matched; "" when auth was off (nothing to verify). */
  passwordHash: string;
}

export interface Resolved {
  principal: Principal;
  /** Came from the cache: a denial may mean the cache is stale (ask again with fresh=true). */
  cached: boolean;
  /** The user's record and the switch, when they were looked up for this answer. */
  lookup: AuthLookup | null;
}

export class Credentials {
  readonly #verified = new Map<string, Verified>();

  constructor(private readonly lookup: (user: string) => Promise<AuthLookup>) {}

  /** The principal of a request; `fresh` skips the cache (after a denial of a cached one). */
  async principal(authorization: string | null, fresh = false): Promise<Resolved> {
    if (!authorization) return { principal: { kind: "guest" }, cached: false, lookup: null };
    const basic = parseBasic(authorization);
    if (!basic) return { principal: { kind: "denied" }, cached: false, lookup: null };
    const key = await sha256Hex(authorization);
    const hit = fresh ? undefined : this.#verified.get(key);
    if (hit) {
      this.#verified.delete(key);
      this.#verified.set(key, hit); // most recently used last
      return { principal: { kind: "user", name: hit.user, passwordHash: hit.passwordHash }, cached: true, lookup: null };
    }
    const lookup = await this.lookup(basic.user);
    const verified = await this.#verify(key, basic, lookup);
    const principal: Principal = verified ? { kind: "user", name: basic.user, passwordHash: verified.passwordHash } : { kind: "denied" };
    return { principal, cached: false, lookup };
  }

  /** etcd's hasRootAccess: auth off, or a verified user holding the root role. */
  async isRoot(authorization: string | null): Promise<boolean> {
    const basic = authorization ? parseBasic(authorization) : null;
    const lookup = await this.lookup(basic?.user ?? "");
    if (!lookup.enabled) return true;
    if (!basic || !authorization) return false;
    const verified = await this.#verify(await sha256Hex(authorization), basic, lookup);
    return !!verified && !!lookup.user && (lookup.user.roles ?? []).includes("root");
  }

  async #verify(key: string, basic: BasicCredentials, lookup: AuthLookup): Promise<Verified | null> {
    if (!lookup.enabled) return this.#remember(key, { user: basic.user, passwordHash: "" });
    const stored = lookup.user?.password;
    if (!stored) {
      await verifyNothing(basic.password);
      return null;
    }
    const known = this.#verified.get(key);
    if (known && known.passwordHash === stored) return known;
    if (!(await verifyPassword(basic.password, stored))) return null;
    return this.#remember(key, { user: basic.user, passwordHash: stored });
  }

  #remember(key: string, v: Verified): Verified {
    this.#verified.delete(key);
    this.#verified.set(key, v);
    if (this.#verified.size > credentialsCachedMax) {
      const oldest = this.#verified.keys().next().value;
      if (oldest !== undefined) this.#verified.delete(oldest);
    }
    return v;
  }
}
