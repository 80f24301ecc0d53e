/**
 * etcd's v2 auth API (v2http `client_auth.go`, spec §8): /v2/auth/enable, /v2/auth/users[/<u>],
 * /v2/auth/roles[/<r>]. Order as etcd: the path shape, then 405, then root access (when auth is
 * on), then the body. Errors are `{"message":…}` without a newline; successes are JSON lines.
 *
 * @module
 */
import { JsonShapeError, decodeFirstValue, roleFromJson, roleJson, userFromJson, userJson, userWithRolesJson } from "../auth/json.js";
import { hashPassword } from "../auth/password.js";
import { AuthStore, StoreFailure } from "../auth/store.js";
import { AuthError, type Role, type User } from "../auth/types.js";
import type { Credentials } from "./credentials.js";
import type { V2Handler } from "./handler.js";
import { errorResponse, internalError } from "./render.js";
import { allowMethod, messageResponse, type RouteHandler, type RouteRequest } from "./route.js";

/** A user or role document is a few names and patterns; anything larger is refused unread. */
export const authBodyBytesMax = 64 * 1024;

const authPrefix = "/v2/auth";

const message = messageResponse;

export const insufficientCredentialsResponse = () => message(401, "Insufficient credentials");

/** etcd's hasRootAccess in front of a route: open while auth is off, root-only while on. */
export function rootOnly(credentials: Credentials, h: RouteHandler): RouteHandler {
  return async (r) => ((await credentials.isRoot(r.raw.headers.get("Authorization"))) ? h(r) : insufficientCredentialsResponse());
}

function isEmpty(p: Role["grant"]): boolean {
  return p === null || ((p.kv.read ?? []).length === 0 && (p.kv.write ?? []).length === 0);
}

/** The body's first JSON value read as `from` reads it; null when it is not that (etcd: "Invalid JSON"). */
async function decodeBody<T>(r: RouteRequest, from: (v: unknown) => T): Promise<T | null> {
  const text = await r.raw.text();
  if (new TextEncoder().encode(text).length > authBodyBytesMax) return null;
  try {
    return from(decodeFirstValue(text));
  } catch (e) {
    if (e instanceof JsonShapeError) return null;
    throw e;
  }
}

const invalidJson = "Invalid JSON in request body.";

/** The auth data behind `handler`, read and written with the cluster's own access. */
export function authStore(handler: V2Handler): AuthStore {
  return new AuthStore(
    async (req) => {
      const r = await handler.keys(req, null);
      return r.ok ? { ok: true, event: r.event } : r;
    },
    (password) => hashPassword(password),
  );
}

export function authRoutes(handler: V2Handler, credentials: Credentials): Record<string, RouteHandler> {
  const store = authStore(handler);

  /** Root check, then the handler with etcd's headers; auth and store errors rendered as etcd does. */
  const guarded =
    (allowed: readonly string[], rootFor: (method: string) => boolean, serve: (r: RouteRequest, h: Record<string, string>) => Promise<Response>): RouteHandler =>
    async (r) => {
      const denied = allowMethod(r.method, allowed);
      if (denied) return denied;
      const clusterId = handler.clusterId();
      try {
        if (rootFor(r.method) && !(await credentials.isRoot(r.raw.headers.get("Authorization")))) return insufficientCredentialsResponse();
        return await serve(r, { "X-Etcd-Cluster-Id": clusterId });
      } catch (e) {
        if (e instanceof AuthError) return message(e.status, e.message, { "X-Etcd-Cluster-Id": clusterId });
        if (e instanceof StoreFailure) return errorResponse(e.error, clusterId);
        return errorResponse(internalError(e), clusterId);
      }
    };
  const always = () => true;
  const json = (status: number, body: string, h: Record<string, string>) =>
    new Response(body + "\n", { status, headers: { ...h, "Content-Type": "application/json" } });
  const empty = (h: Record<string, string>) => new Response(null, { status: 200, headers: { ...h, "Content-Type": "application/json" } });

  const listUsers = guarded(["GET"], always, async (_r, h) => {
    const { users, roles } = await store.everything();
    if (users.length === 0) return json(200, `{"users":null}`, h);
    const items = users.map((u) => userWithRolesJson(u.user, (u.roles ?? []).flatMap((n) => roles.get(n) ?? [])));
    return json(200, `{"users":[${items.join(",")}]}`, h);
  });

  const listRoles = guarded(["GET"], always, async (_r, h) => {
    const { roles } = await store.everything();
    const names = [...roles.keys()].sort();
    return json(200, `{"roles":[${names.map((n) => roleJson(roles.get(n)!)).join(",")}]}`, h);
  });

  const oneUser = (name: string) =>
    guarded(["GET", "PUT", "DELETE"], always, async (r, h) => {
      if (r.method === "GET") {
        const u = await store.getUser(name);
        const roles: Role[] = [];
        for (const role of u.roles ?? []) roles.push(await store.getRole(role));
        return json(200, userWithRolesJson(u.user, roles), h);
      }
      if (r.method === "DELETE") {
        await store.deleteUser(name);
        return empty(h);
      }
      const u = await decodeBody(r, userFromJson);
      if (!u) return message(400, invalidJson, h);
      if (u.user !== name) return message(400, "User JSON name does not match the name in the URL", h);
      let out: User;
      let created = false;
      if ((u.grant ?? []).length === 0 && (u.revoke ?? []).length === 0) {
        if ((u.roles ?? []).length !== 0) out = await store.createUser(u);
        else ({ out, created } = await store.createOrUpdateUser(u));
      } else {
        if ((u.roles ?? []).length !== 0) return message(400, "User JSON contains both roles and grant/revoke", h);
        out = await store.updateUser(u);
      }
      return json(created ? 201 : 200, userJson({ ...out, password: "" }), h);
    });

  const oneRole = (name: string) =>
    guarded(["GET", "PUT", "DELETE"], always, async (r, h) => {
      if (r.method === "GET") return json(200, roleJson(await store.getRole(name)), h);
      if (r.method === "DELETE") {
        await store.deleteRole(name);
        return empty(h);
      }
      const role = await decodeBody(r, roleFromJson);
      if (!role) return message(400, invalidJson, h);
      if (role.role !== name) return message(400, "Role JSON name does not match the name in the URL", h);
      if (isEmpty(role.grant) && isEmpty(role.revoke)) {
        await store.createRole(role);
        return json(201, roleJson(role), h);
      }
      const perms = role.permissions.kv;
      if ((perms.read ?? []).length > 0 || (perms.write ?? []).length > 0) {
        return message(400, "Role JSON contains both permissions and grant/revoke", h);
      }
      return json(200, roleJson(await store.updateRole(role)), h);
    });

  /** "/users/<name>" in etcd's terms: the path after /v2/auth, split on "/". */
  const byName = (list: RouteHandler, one: (name: string) => RouteHandler): RouteHandler => (r) => {
    const pieces = r.path.slice(authPrefix.length).replace(/\/+$/, "").split("/");
    if (pieces.length === 2) return list(r);
    if (pieces.length !== 3) return message(400, "Invalid path");
    return one(pieces[2]!)(r);
  };

  const enable = guarded(["GET", "PUT", "DELETE"], (m) => m !== "GET", async (r, h) => {
    if (r.method === "GET") return json(200, `{"enabled":${await store.enabled()}}`, h);
    if (r.method === "PUT") await store.enable();
    else await store.disable();
    return empty(h);
  });

  return {
    [`${authPrefix}/enable`]: enable,
    [`${authPrefix}/users`]: listUsers,
    [`${authPrefix}/users/`]: byName(listUsers, oneUser),
    [`${authPrefix}/roles`]: listRoles,
    [`${authPrefix}/roles/`]: byName(listRoles, oneRole),
  };
}
