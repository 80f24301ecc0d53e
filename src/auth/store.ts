/**
 * etcd's v2auth store: users, roles and the auth switch as reads and writes of the v2 store's
 * "/2" namespace, issued one by one through whatever serves the keys (consensus on the cluster),
 * with etcd's messages and statuses. Password hashing is injected.
 *
 * PURE: no clock, no randomness, no Workers APIs.
 *
 * @module
 */
import { EcodeKeyNotFound, EcodeNodeExist } from "../store/errors.js";
import { v2Request } from "../store/apply.js";
import type { V2Error, V2Request, V2Result } from "../store/types.js";
import { roleFromJson, roleJson, userFromJson, userJson } from "./json.js";
import { enabledPath, rolesDir, rootRole, usersDir } from "./rules.js";
import { AuthError, authPrefix, guestRoleName, rootRoleName, type Permissions, type RWPermission, type Role, type User } from "./types.js";

/** Runs one store request without any permission check (the auth layer's own access). */
export type AuthDoer = (req: V2Request) => Promise<V2Result>;

/** A store failure that is not one of the auth API's own errors (e.g. a timeout): rendered as a v2 error. */
export class StoreFailure extends Error {
  constructor(readonly error: V2Error) {
    super(error.message);
  }
}

const authErr = (status: number, message: string) => new AuthError(status, "auth: " + message);

const guestRole: Role = { role: guestRoleName, permissions: { kv: { read: ["/*"], write: ["/*"] } }, grant: null, revoke: null };

function sortedUnique(list: Iterable<string>): string[] {
  return [...new Set(list)].sort();
}

function sameList(a: string[] | null, b: string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameRW(a: RWPermission, b: RWPermission): boolean {
  return sameList(a.read, b.read) && sameList(a.write, b.write);
}

function samePermissions(a: Permissions | null, b: Permissions | null): boolean {
  if (a === null || b === null) return a === b;
  return sameRW(a.kv, b.kv);
}

/** Go's reflect.DeepEqual on two users (nil and empty lists differ). */
function sameUser(a: User, b: User): boolean {
  return a.user === b.user && a.password === b.password && sameList(a.roles, b.roles) && sameList(a.grant, b.grant) && sameList(a.revoke, b.revoke);
}

function sameRole(a: Role, b: Role): boolean {
  return a.role === b.role && sameRW(a.permissions.kv, b.permissions.kv) && samePermissions(a.grant, b.grant) && samePermissions(a.revoke, b.revoke);
}

function withRootRole(u: User): User {
  if (u.user !== rootRoleName || (u.roles ?? []).includes(rootRoleName)) return u;
  return { ...u, roles: [...(u.roles ?? []), rootRoleName] };
}

export class AuthStore {
  constructor(
    private readonly run: AuthDoer,
    private readonly hashPassword: (password: string) => Promise<string>,
  ) {}

  private async get(res: string, quorum: boolean): Promise<V2Result> {
    return this.run(v2Request({ method: quorum ? "QGET" : "GET", path: authPrefix + res }));
  }

  /** A node's value, null when it does not exist; other failures throw. */
  private async value(res: string, quorum: boolean): Promise<string | null> {
    const r = await this.get(res, quorum);
    if (r.ok) return r.event.node.value ?? "";
    if (r.error.errorCode === EcodeKeyNotFound) return null;
    throw new StoreFailure(r.error);
  }

  /** etcd creates /2, /2/users, /2/roles and /2/enabled=false before its first auth write. */
  private async ensureDirectories(): Promise<void> {
    if ((await this.value("/enabled", false)) !== null) return;
    for (const path of [authPrefix, usersDir, rolesDir]) {
      await this.write(v2Request({ method: "PUT", path, dir: true, prevExist: false }), true);
    }
    await this.write(v2Request({ method: "PUT", path: enabledPath, val: "false", prevExist: false }), true);
  }

  /** One write; a NodeExist failure is returned (null = done) when `existOk`… or thrown as is. */
  private async write(req: V2Request, existOk = false): Promise<V2Error | null> {
    const r = await this.run(req);
    if (r.ok) return null;
    if (existOk && r.error.errorCode === EcodeNodeExist) return null;
    return r.error;
  }

  private async put(res: string, json: string, prevExist: boolean): Promise<V2Error | null> {
    await this.ensureDirectories();
    return this.write(v2Request({ method: "PUT", path: authPrefix + res, val: json, prevExist }));
  }

  private async remove(res: string): Promise<V2Error | null> {
    await this.ensureDirectories();
    return this.write(v2Request({ method: "DELETE", path: authPrefix + res, prevExist: true }));
  }

  /** Every user and role in one recursive read (the listings would otherwise read one by one). */
  async everything(): Promise<{ users: User[]; roles: Map<string, Role> }> {
    const r = await this.run(v2Request({ method: "GET", path: authPrefix, recursive: true, sorted: true }));
    if (!r.ok && r.error.errorCode !== EcodeKeyNotFound) throw new StoreFailure(r.error);
    const dirs = r.ok ? (r.event.node.nodes ?? []) : [];
    const values = (dir: string) => (dirs.find((n) => n.key === dir)?.nodes ?? []).map((n) => JSON.parse(n.value ?? "null") as unknown);
    const users = values(usersDir).map((v) => withRootRole(userFromJson(v))).sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
    const roles = new Map<string, Role>([[rootRoleName, rootRole]]);
    for (const v of values(rolesDir)) {
      const role = roleFromJson(v);
      if (role.role !== rootRoleName) roles.set(role.role, role);
    }
    return { users, roles };
  }

  // ---- users ----

  async getUser(name: string, quorum = false): Promise<User> {
    const raw = await this.value(`/users/${name}`, quorum);
    if (raw === null) throw authErr(404, `User ${name} does not exist.`);
    return withRootRole(userFromJson(JSON.parse(raw)));
  }

  async userExists(name: string): Promise<boolean> {
    return (await this.value(`/users/${name}`, true)) !== null;
  }

  async createUser(user: User): Promise<User> {
    const u = withRootRole(user);
    if (u.password === "") throw authErr(400, `Cannot create user ${u.user} with an empty password`);
    const stored: User = { ...u, password: await this.hashPassword(u.password) };
    const err = await this.put(`/users/${u.user}`, userJson(stored), false);
    if (err?.errorCode === EcodeNodeExist) throw authErr(409, `User ${u.user} already exists.`);
    if (err) throw new StoreFailure(err);
    return stored;
  }

  /** Only a password: create the user when absent, else change the password. */
  async createOrUpdateUser(user: User): Promise<{ out: User; created: boolean }> {
    if (await this.userExists(user.user)) return { out: await this.updateUser(user), created: false };
    return { out: await this.createUser(user), created: true };
  }

  async updateUser(user: User): Promise<User> {
    const old = await this.getUser(user.user, true);
    const roles = new Set(old.roles ?? []);
    for (const g of user.grant ?? []) {
      if (roles.has(g)) throw authErr(409, `Granting duplicate role ${g} for user ${user.user}`);
      roles.add(g);
    }
    for (const r of user.revoke ?? []) {
      if (!roles.has(r)) throw authErr(409, `Revoking ungranted role ${r} for user ${user.user}`);
      roles.delete(r);
    }
    const password = user.password !== "" ? await this.hashPassword(user.password) : old.password;
    const merged: User = { user: old.user, password, roles: sortedUnique(roles), grant: null, revoke: null };
    if (sameUser(old, merged)) throw authErr(400, "User not updated. Use grant/revoke/password to update the user.");
    const err = await this.put(`/users/${user.user}`, userJson(merged), true);
    if (err) throw new StoreFailure(err);
    return merged;
  }

  async deleteUser(name: string): Promise<void> {
    if (name === rootRoleName && (await this.enabled())) throw authErr(403, "Cannot delete root user while auth is enabled.");
    const err = await this.remove(`/users/${name}`);
    if (err?.errorCode === EcodeKeyNotFound) throw authErr(404, `User ${name} does not exist`);
    if (err) throw new StoreFailure(err);
  }

  // ---- roles ----

  async getRole(name: string, quorum = false): Promise<Role> {
    if (name === rootRoleName) return rootRole;
    const raw = await this.value(`/roles/${name}`, quorum);
    if (raw === null) throw authErr(404, `Role ${name} does not exist.`);
    return roleFromJson(JSON.parse(raw));
  }

  async createRole(role: Role): Promise<void> {
    if (role.role === rootRoleName) throw authErr(403, `Cannot modify role ${role.role}: is root role.`);
    const err = await this.put(`/roles/${role.role}`, roleJson(role), false);
    if (err?.errorCode === EcodeNodeExist) throw authErr(409, `Role ${role.role} already exists.`);
    if (err) throw new StoreFailure(err);
  }

  async updateRole(role: Role): Promise<Role> {
    if (role.role === rootRoleName) throw authErr(403, `Cannot modify role ${role.role}: is root role.`);
    const old = await this.getRole(role.role, true);
    let kv = old.permissions.kv;
    if (role.grant) {
      const read = new Set(kv.read ?? []);
      for (const p of role.grant.kv.read ?? []) {
        if (read.has(p)) throw authErr(409, `Granting duplicate read permission ${p}`);
        read.add(p);
      }
      const write = new Set(kv.write ?? []);
      for (const p of role.grant.kv.write ?? []) {
        if (write.has(p)) throw authErr(409, `Granting duplicate write permission ${p}`);
        write.add(p);
      }
      kv = { read: sortedUnique(read), write: sortedUnique(write) };
    }
    if (role.revoke) {
      const read = new Set(kv.read ?? []);
      for (const p of role.revoke.kv.read ?? []) read.delete(p);
      const write = new Set(kv.write ?? []);
      for (const p of role.revoke.kv.write ?? []) write.delete(p);
      kv = { read: sortedUnique(read), write: sortedUnique(write) };
    }
    const merged: Role = { role: old.role, permissions: { kv }, grant: null, revoke: null };
    if (sameRole(old, merged)) throw authErr(400, "Role not updated. Use grant/revoke to update the role.");
    const err = await this.put(`/roles/${role.role}`, roleJson(merged), true);
    if (err) throw new StoreFailure(err);
    return merged;
  }

  async deleteRole(name: string): Promise<void> {
    if (name === rootRoleName) throw authErr(403, `Cannot modify role ${name}: is root role.`);
    const err = await this.remove(`/roles/${name}`);
    if (err?.errorCode === EcodeKeyNotFound) throw authErr(404, `Role ${name} doesn't exist.`);
    if (err) throw new StoreFailure(err);
  }

  // ---- first boot (front/auth-bootstrap.ts) ----

  async bootstrapped(): Promise<boolean> {
    return (await this.value("/bootstrap", true)) !== null;
  }

  async markBootstrapped(): Promise<void> {
    const err = await this.put("/bootstrap", "done", false);
    if (err && err.errorCode !== EcodeNodeExist) throw new StoreFailure(err);
  }

  // ---- the switch ----

  async enabled(): Promise<boolean> {
    return (await this.value("/enabled", false)) === "true";
  }

  async enable(): Promise<void> {
    if (await this.enabled()) throw authErr(409, "already enabled");
    if (!(await this.userExists(rootRoleName))) throw authErr(409, "No root user available, please create one");
    if ((await this.value(`/roles/${guestRoleName}`, true)) === null) await this.createRole(guestRole);
    const err = await this.put("/enabled", "true", true);
    if (err) throw new StoreFailure(err);
  }

  async disable(): Promise<void> {
    if (!(await this.enabled())) throw authErr(409, "already disabled");
    const err = await this.put("/enabled", "false", true);
    if (err) throw new StoreFailure(err);
  }
}
