/**
 * etcd's v2 auth data (`etcdserver/api/v2auth`): users, roles and who is asking. Users and roles
 * live in the v2 store under "/2" as the JSON etcd itself writes, so they replicate through Raft
 * with everything else and survive snapshots, backups and restores unchanged.
 *
 * PURE: no Workers APIs, no clock, no randomness.
 *
 * @module
 */

/** The store namespace of auth data, invisible to /v2/keys. */
export const authPrefix = "/2";
export const rootRoleName = "root";
export const guestRoleName = "guest";

/** Key patterns: exact keys, or prefixes ending in "*". Go's nil and empty lists differ on the wire. */
export interface RWPermission {
  read: string[] | null;
  write: string[] | null;
}

export interface Permissions {
  kv: RWPermission;
}

export interface User {
  user: string;
  /** The stored password hash ("" = none given, in requests). Never rendered to clients. */
  password: string;
  roles: string[] | null;
  grant: string[] | null;
  revoke: string[] | null;
}

export interface Role {
  role: string;
  permissions: Permissions;
  grant: Permissions | null;
  revoke: Permissions | null;
}

/**
 * Who sends a request, as the front Worker established it:
 * - `guest`: no Authorization header (the guest role applies);
 * - `user`: Basic credentials whose password matched `passwordHash`, the user's stored hash at
 *   the time ("" when auth was off then, so nothing was verified);
 * - `denied`: an Authorization header that is not Basic, or credentials that did not verify.
 */
export type Principal =
  | { kind: "guest" }
  | { kind: "user"; name: string; passwordHash: string }
  | { kind: "denied" };

/** A keys request's permission question (etcd's hasKeyPrefixAccess). */
export interface Access {
  principal: Principal;
  /** The decoded request path after "/v2/keys", not cleaned ("" for /v2/keys itself). */
  key: string;
  /** Anything but GET and HEAD. */
  write: boolean;
  recursive: boolean;
}

/** What the front Worker needs to verify a credential: the switch and the user's stored record. */
export interface AuthLookup {
  enabled: boolean;
  user: User | null;
}

/** An error of the auth API: HTTP status and etcd's message ("auth: …"). */
export class AuthError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}
