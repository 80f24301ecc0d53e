/** etcd's permission rules (spec §8.7) over auth data held as the store holds it. */
import { describe, expect, it } from "vitest";
import { allowed, type AuthData } from "../../src/auth/rules.js";
import type { Access, Principal } from "../../src/auth/types.js";

function data(nodes: Record<string, unknown>): AuthData {
  return { value: (p) => (p in nodes ? JSON.stringify(nodes[p]) : undefined) };
}

const on = {
  "/2/enabled": true,
  "/2/users/app": { user: "app", password: "H", roles: ["app", "gone"] },
  "/2/users/root": { user: "root", password: "R", roles: null },
  "/2/roles/app": { role: "app", permissions: { kv: { read: ["/app/*", "/exact"], write: ["/app/*"] } } },
  "/2/roles/guest": { role: "guest", permissions: { kv: { read: ["/*"], write: [] } } },
};

const user = (name: string, passwordHash: string): Principal => ({ kind: "user", name, passwordHash });
const ask = (principal: Principal, key: string, write = false, recursive = false): Access => ({ principal, key, write, recursive });

describe("allowed", () => {
  it("lets everyone do anything while auth is off, whatever the credentials", () => {
    const off = data({ ...on, "/2/enabled": false });
    expect(allowed(off, ask({ kind: "denied" }, "/x", true))).toBe(true);
    expect(allowed(data({}), ask(user("ghost", ""), "/x", true))).toBe(true);
  });

  it("checks the guest by the simple rule, even for recursive requests", () => {
    const d = data(on);
    expect(allowed(d, ask({ kind: "guest" }, "/x"))).toBe(true);
    expect(allowed(d, ask({ kind: "guest" }, "/x", true))).toBe(false);
    expect(allowed(d, ask({ kind: "guest" }, "", false))).toBe(false); // "" is not below "/"
    expect(allowed(d, ask({ kind: "guest" }, "/dir", false, true))).toBe(true);
    // No guest role (root deleted it): anonymous clients get nothing.
    expect(allowed(data({ "/2/enabled": true }), ask({ kind: "guest" }, "/x"))).toBe(false);
  });

  it("needs the stored hash the password was verified against", () => {
    const d = data(on);
    expect(allowed(d, ask(user("app", "H"), "/app/x", true))).toBe(true);
    expect(allowed(d, ask(user("app", "stale"), "/app/x", true))).toBe(false);
    expect(allowed(d, ask(user("app", ""), "/app/x"))).toBe(false);
    expect(allowed(d, ask(user("nobody", "H"), "/app/x"))).toBe(false);
    expect(allowed(d, ask({ kind: "denied" }, "/app/x"))).toBe(false);
  });

  it("applies prefix patterns, exact patterns and the recursive rule as etcd", () => {
    const d = data(on);
    const app = user("app", "H");
    expect(allowed(d, ask(app, "/app"))).toBe(false);
    expect(allowed(d, ask(app, "/app/"))).toBe(true);
    expect(allowed(d, ask(app, "/exact"))).toBe(true);
    expect(allowed(d, ask(app, "/exact", false, true))).toBe(false); // exact patterns grant no subtree
    expect(allowed(d, ask(app, "/app/sub", false, true))).toBe(true);
    expect(allowed(d, ask(app, "/app", false, true))).toBe(false);
    expect(allowed(d, ask(app, "/exact", true))).toBe(false);
  });

  it("gives root everything, its role attached even when not stored", () => {
    expect(allowed(data(on), ask(user("root", "R"), "/anything", true, true))).toBe(true);
  });
});
