/**
 * What a fresh cluster's auth looks like on its first request (etcd has no such step; a deploy
 * reachable from the whole internet needs one):
 * - `off`: as a fresh etcd — auth off, no users (`npm start`'s default);
 * - `root`: create user root with the ETCD_ROOT_PASSWORD secret, if it is set; auth stays off;
 * - `lockdown` (wrangler.toml's default): create root, narrow the guest role to nothing and
 *   enable auth, so anonymous clients can do nothing until root grants them something. Without
 *   the secret the Worker refuses to serve rather than start wide open.
 * Done once: a hidden marker ("/2/bootstrap") records it, so an operator who later disables auth
 * or deletes root is not overruled.
 *
 * @module
 */
import { AuthStore } from "../auth/store.js";
import { AuthError, guestRoleName, rootRoleName } from "../auth/types.js";

export type AuthBootstrap = "off" | "root" | "lockdown";

export function parseAuthBootstrap(raw: string | undefined): AuthBootstrap {
  const v = (raw ?? "").trim() || "root";
  if (v === "off" || v === "root" || v === "lockdown") return v;
  throw new Error(`ETCD_AUTH_BOOTSTRAP must be off, root or lockdown, got ${v}`);
}

export const lockdownNeedsSecret =
  "ETCD_AUTH_BOOTSTRAP=lockdown needs the root password: npx wrangler secret put ETCD_ROOT_PASSWORD (or set ETCD_AUTH_BOOTSTRAP=off to start open, as a fresh etcd)";

/** Tolerates what another isolate, or an earlier interrupted run, already did. */
async function ignoreExisting(step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (e) {
    if (!(e instanceof AuthError && e.status === 409)) throw e;
  }
}

export async function bootstrapAuth(store: AuthStore, mode: AuthBootstrap, rootPassword: string): Promise<void> {
  if (mode === "off" || (mode === "root" && !rootPassword)) return;
  if (mode === "lockdown" && !rootPassword) throw new Error(lockdownNeedsSecret);
  if (await store.bootstrapped()) return;
  await ignoreExisting(() => store.createUser({ user: rootRoleName, password: rootPassword, roles: null, grant: null, revoke: null }));
  if (mode === "lockdown") {
    await ignoreExisting(() => store.createRole({ role: guestRoleName, permissions: { kv: { read: [], write: [] } }, grant: null, revoke: null }));
    await ignoreExisting(() => store.enable());
  }
  await store.markBootstrapped();
}
