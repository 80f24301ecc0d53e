/**
 * Users and roles to and from JSON as Go's `encoding/json` treats etcd's structs: field names
 * match case-insensitively, unknown fields are ignored, only the first JSON value of a body is
 * read, `null` is a nil list, and output keeps Go's field order and `omitempty` rules.
 *
 * @module
 */
import { goJsonString } from "../http/go-json.js";
import type { Permissions, RWPermission, Role, User } from "./types.js";

export class JsonShapeError extends Error {}

/** The first JSON value of `text` (Go's json.Decoder.Decode), or a JsonShapeError. */
export function decodeFirstValue(text: string): unknown {
  let i = 0;
  while (i < text.length && " \t\r\n".includes(text[i]!)) i++;
  if (i === text.length) throw new JsonShapeError("empty body");
  const start = i;
  const open = text[i]!;
  if (open === "{" || open === "[") {
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) return parse(text.slice(start, i + 1));
      }
    }
    throw new JsonShapeError("unexpected end of JSON");
  }
  // A scalar: it runs to the next delimiter.
  const m = /^("(?:[^"\\]|\\.)*"|[^\s,\]}]+)/.exec(text.slice(start));
  return parse(m ? m[0] : text.slice(start));
}

function parse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    throw new JsonShapeError("invalid JSON");
  }
}

/** Go matches JSON keys to struct fields case-insensitively; the last match wins. */
function field(obj: Record<string, unknown>, name: string): unknown {
  let out: unknown = undefined;
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === name) out = v;
  return out;
}

function asObject(v: unknown): Record<string, unknown> | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== "object" || Array.isArray(v)) throw new JsonShapeError("not an object");
  return v as Record<string, unknown>;
}

function asString(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v !== "string") throw new JsonShapeError("not a string");
  return v;
}

function asStrings(v: unknown): string[] | null {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v)) throw new JsonShapeError("not a list");
  return v.map(asString);
}

function asRW(v: unknown): RWPermission {
  const o = asObject(v);
  return { read: o ? asStrings(field(o, "read")) : null, write: o ? asStrings(field(o, "write")) : null };
}

function asPermissions(v: unknown): Permissions {
  const o = asObject(v);
  return { kv: asRW(o ? field(o, "kv") : null) };
}

export function userFromJson(v: unknown): User {
  const o = asObject(v) ?? {};
  return {
    user: asString(field(o, "user")),
    password: asString(field(o, "password")),
    roles: asStrings(field(o, "roles")),
    grant: asStrings(field(o, "grant")),
    revoke: asStrings(field(o, "revoke")),
  };
}

export function roleFromJson(v: unknown): Role {
  const o = asObject(v) ?? {};
  const grant = field(o, "grant");
  const revoke = field(o, "revoke");
  return {
    role: asString(field(o, "role")),
    permissions: asPermissions(field(o, "permissions")),
    grant: grant === null || grant === undefined ? null : asPermissions(grant),
    revoke: revoke === null || revoke === undefined ? null : asPermissions(revoke),
  };
}

function listJson(l: string[] | null): string {
  return l === null ? "null" : "[" + l.map(goJsonString).join(",") + "]";
}

function permissionsJson(p: Permissions): string {
  return `{"kv":{"read":${listJson(p.kv.read)},"write":${listJson(p.kv.write)}}}`;
}

/** Go's marshalling of a Role: grant/revoke are omitted when nil. */
export function roleJson(r: Role): string {
  let out = `{"role":${goJsonString(r.role)},"permissions":${permissionsJson(r.permissions)}`;
  if (r.grant) out += `,"grant":${permissionsJson(r.grant)}`;
  if (r.revoke) out += `,"revoke":${permissionsJson(r.revoke)}`;
  return out + "}";
}

/** Go's marshalling of a User: password, grant and revoke are omitted when empty. */
export function userJson(u: User): string {
  let out = `{"user":${goJsonString(u.user)}`;
  if (u.password !== "") out += `,"password":${goJsonString(u.password)}`;
  out += `,"roles":${listJson(u.roles)}`;
  if (u.grant && u.grant.length > 0) out += `,"grant":${listJson(u.grant)}`;
  if (u.revoke && u.revoke.length > 0) out += `,"revoke":${listJson(u.revoke)}`;
  return out + "}";
}

/** etcd's userWithRoles: the user's name and its roles in full, `roles` omitted when none. */
export function userWithRolesJson(name: string, roles: Role[]): string {
  if (roles.length === 0) return `{"user":${goJsonString(name)}}`;
  return `{"user":${goJsonString(name)},"roles":[${roles.map(roleJson).join(",")}]}`;
}
