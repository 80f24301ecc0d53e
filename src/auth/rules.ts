/**
 * Who may do what (etcd's v2auth `HasKeyAccess`, `HasRecursiveAccess` and v2http's
 * `hasKeyPrefixAccess`), decided from the auth data in the store. The member runs this check
 * against its own state: reads when they are served, writes when their entry is applied, so a
 * revoked permission takes effect at one point in the log on every member.
 *
 * PURE: reads go through the `AuthData` port.
 *
 * @module
 */
import { EcodeUnauthorized, errorMessages } from "../store/errors.js";
import type { V2Error } from "../store/types.js";
import { JsonShapeError, roleFromJson, userFromJson } from "./json.js";
import { authPrefix, guestRoleName, rootRoleName, type Access, type AuthLookup, type RWPermission, type Role, type User } from "./types.js";

/** Raw values of the store's nodes (internal paths), without counting as reads in the stats. */
export interface AuthData {
  value(path: string): string | undefined;
}

export const rootRole: Role = {
  role: rootRoleName,
  permissions: { kv: { read: ["/*"], write: ["/*"] } },
  grant: null,
  revoke: null,
};

export const usersDir = `${authPrefix}/users`;
export const rolesDir = `${authPrefix}/roles`;
export const enabledPath = `${authPrefix}/enabled`;

export function authEnabled(data: AuthData): boolean {
  return data.value(enabledPath) === "true";
}

function parsed<T>(raw: string | undefined, from: (v: unknown) => T): T | null {
  if (raw === undefined) return null;
  try {
    return from(JSON.parse(raw));
  } catch (e) {
    if (e instanceof JsonShapeError || e instanceof SyntaxError) return null;
    throw e;
  }
}

/** A stored user; `root` always carries the root role (etcd attaches it on every read). */
export function readUser(data: AuthData, name: string): User | null {
  const u = parsed(data.value(`${usersDir}/${name}`), userFromJson);
  if (u && u.user === rootRoleName && !(u.roles ?? []).includes(rootRoleName)) u.roles = [...(u.roles ?? []), rootRoleName];
  return u;
}

/** A stored role; `root` is virtual. */
export function readRole(data: AuthData, name: string): Role | null {
  if (name === rootRoleName) return rootRole;
  return parsed(data.value(`${rolesDir}/${name}`), roleFromJson);
}

/** etcd's simpleMatch: "p*" is a prefix, anything else the exact key. */
function simpleMatch(pattern: string, key: string): boolean {
  if (pattern.endsWith("*")) return key.startsWith(pattern.slice(0, -1));
  return key === pattern;
}

/** etcd's prefixMatch: only "*" patterns grant a whole subtree. */
function prefixMatch(pattern: string, key: string): boolean {
  return pattern.endsWith("*") && key.startsWith(pattern.slice(0, -1));
}

function patterns(kv: RWPermission, write: boolean): string[] {
  return (write ? kv.write : kv.read) ?? [];
}

export function hasKeyAccess(role: Role, key: string, write: boolean): boolean {
  if (role.role === rootRoleName) return true;
  return patterns(role.permissions.kv, write).some((p) => simpleMatch(p, key));
}

export function hasRecursiveAccess(role: Role, key: string, write: boolean): boolean {
  if (role.role === rootRoleName) return true;
  return patterns(role.permissions.kv, write).some((p) => prefixMatch(p, key));
}

/** True when the user holds the root role. */
export function isRootUser(user: User | null): boolean {
  return !!user && (user.roles ?? []).includes(rootRoleName);
}

/**
 * etcd's hasKeyPrefixAccess. Auth off: everyone may do anything. No credentials: the guest role
 * by the simple rule, even for recursive requests. A user: password verified against the hash
 * stored now, then any of its (existing) roles.
 */
export function allowed(data: AuthData, access: Access): boolean {
  if (!authEnabled(data)) return true;
  const { principal, key, write, recursive } = access;
  if (principal.kind === "denied") return false;
  if (principal.kind === "guest") {
    const guest = readRole(data, guestRoleName);
    return guest !== null && hasKeyAccess(guest, key, write);
  }
  const user = readUser(data, principal.name);
  if (!user || principal.passwordHash === "" || user.password !== principal.passwordHash) return false;
  for (const name of user.roles ?? []) {
    const role = readRole(data, name);
    if (!role) continue;
    if (recursive ? hasRecursiveAccess(role, key, write) : hasKeyAccess(role, key, write)) return true;
  }
  return false;
}

export const insufficientCredentials = "Insufficient credentials";

/** The keys API's denial (etcd's writeKeyNoAuth): 401, errorCode 110, index 0. */
export const accessDeniedError: V2Error = {
  errorCode: EcodeUnauthorized,
  message: errorMessages[EcodeUnauthorized]!,
  cause: insufficientCredentials,
  index: 0,
};

/** The auth switch and one user's stored record, as one member knows them. */
export function authLookup(data: AuthData, name: string): AuthLookup {
  return { enabled: authEnabled(data), user: name ? readUser(data, name) : null };
}
