// Differential: §14 auth (cases 146–159, 164, 166) — the /v2/auth API itself: the enable
// switch, users, roles, their errors and 405s. Enforcement on keys, members and watches is in
// auth-access.test.ts. Every test starts from auth off and no users (auth-helpers.ts restores).
import { describe, expect, test } from "vitest";
import { useTargets } from "./harness.js";
import { basicAuth } from "./http-client.js";
import { A, K, as, authDiff, bearer, enableWithRoot, put, root, rootPw, rootPw2, useAuthRestore } from "./auth-helpers.js";

const t = useTargets();
useAuthRestore(t);

describe("auth switch and the root user", () => {
  test("case 146: fresh store: disabled, users null, roles only root (with and without a trailing slash)", () =>
    authDiff(t, async (c) => {
      const e = await c.req("GET", `${A}/enable`);
      expect(e.body).toBe('{"enabled":false}\n');
      const u = await c.req("GET", `${A}/users`);
      expect(u.body).toBe('{"users":null}\n');
      await c.req("GET", `${A}/users/`);
      const r = await c.req("GET", `${A}/roles`);
      expect(c.json(r).roles.map((x: { role: string }) => x.role)).toEqual(["root"]);
      await c.req("GET", `${A}/roles/`);
      await c.req("GET", `${A}/roles/root`);
      // guest only appears with the first enable.
      await c.req("GET", `${A}/roles/guest`);
    }));

  test("cases 147–149: enable needs user root; root's empty password, create, password change, no-op update", () =>
    authDiff(t, async (c) => {
      const noRoot = await c.req("PUT", `${A}/enable`);
      expect(noRoot.status).toBe(409);
      await put(c, `${A}/users/root`, { user: "root" });
      await put(c, `${A}/users/root`, { user: "root", password: "" });
      const created = await put(c, `${A}/users/root`, { user: "root", password: rootPw });
      expect(created.status).toBe(201);
      expect(created.body).toBe('{"user":"root","roles":["root"]}\n');
      await c.req("GET", `${A}/users/root`);
      const changed = await put(c, `${A}/users/root`, { user: "root", password: rootPw2 });
      expect(changed.status).toBe(200);
      const noop = await put(c, `${A}/users/root`, { user: "root" });
      expect(noop.status).toBe(400);
      // With roles the PUT is create-only: root exists.
      await put(c, `${A}/users/root`, { user: "root", password: "x", roles: ["root"] });
      // root always holds role root: granting it is a duplicate; revoking it is stored, then re-added on read.
      await put(c, `${A}/users/root`, { user: "root", grant: ["root"] });
      await put(c, `${A}/users/root`, { user: "root", revoke: ["root"] });
      await c.req("GET", `${A}/users/root`);
      await c.req("GET", `${A}/users`);
      // Auth off: deleting root is allowed.
      await c.req("DELETE", `${A}/users/root`);
      await c.req("GET", `${A}/users`);
    }));

  test("cases 159, 166: enable creates guest /* read+write; who may switch auth on and off", () =>
    authDiff(t, async (c) => {
      await put(c, `${A}/users/root`, { user: "root", password: rootPw });
      const on = await c.req("PUT", `${A}/enable`);
      expect(on.status).toBe(200);
      expect(on.body).toBe("");
      const state = await c.req("GET", `${A}/enable`);
      expect(state.body).toBe('{"enabled":true}\n');
      // GET /v2/auth/enable stays open, whatever the credentials.
      await c.req("GET", `${A}/enable`, as(bearer));
      await c.req("GET", `${A}/enable`, as(basicAuth("root", "wrong")));
      await c.req("GET", `${A}/roles/guest`);
      const guest = await c.req("GET", `${A}/roles/guest`, as(root));
      expect(c.json(guest).permissions.kv).toEqual({ read: ["/*"], write: ["/*"] });
      await c.req("GET", `${A}/roles`, as(root));
      await c.req("PUT", `${A}/enable`);
      await c.req("PUT", `${A}/enable`, as(basicAuth("root", "wrong")));
      const again = await c.req("PUT", `${A}/enable`, as(root));
      expect(c.json(again).message).toBe("auth: already enabled");
      await c.req("GET", `${A}/users`);
      await c.req("GET", `${A}/users`, as(root));
      await c.req("DELETE", `${A}/enable`);
      await c.req("DELETE", `${A}/enable`, as(bearer));
      const off = await c.req("DELETE", `${A}/enable`, as(root));
      expect(off.status).toBe(200);
      const offAgain = await c.req("DELETE", `${A}/enable`, as(root));
      expect(c.json(offAgain).message).toBe("auth: already disabled");
      await c.req("DELETE", `${A}/enable`);
      // guest outlives the disable.
      await c.req("GET", `${A}/roles`);
    }));

  test("extra: re-enabling keeps a narrowed guest; a deleted guest is created again", () =>
    authDiff(t, async (c) => {
      await enableWithRoot(c);
      await put(c, `${A}/roles/guest`, { role: "guest", revoke: { kv: { write: ["/*"] } } }, root);
      await c.req("DELETE", `${A}/enable`, as(root));
      await c.req("GET", `${A}/roles/guest`);
      await c.req("PUT", `${A}/enable`);
      await c.req("GET", `${A}/roles/guest`, as(root));
      await c.req("DELETE", `${A}/enable`, as(root));
      await c.req("DELETE", `${A}/roles/guest`);
      await c.req("PUT", `${A}/enable`);
      await c.req("GET", `${A}/roles/guest`, as(root));
      await c.req("DELETE", `${A}/enable`, as(root));
    }));

  test("case 164: root cannot be deleted while auth is on", () =>
    authDiff(t, async (c) => {
      await enableWithRoot(c);
      const del = await c.req("DELETE", `${A}/users/root`, as(root));
      expect(del.status).toBe(403);
      await c.req("GET", `${A}/users/root`, as(root));
      await c.req("DELETE", `${A}/enable`, as(root));
    }));
});

describe("users", () => {
  test("cases 150, 153–154: name mismatch, bad JSON, roles with grant, missing users, Invalid path", () =>
    authDiff(t, async (c) => {
      await put(c, `${A}/users/bob`, { user: "alice", password: "p" });
      await put(c, `${A}/users/bob`, "notjson");
      await put(c, `${A}/users/bob`, "");
      // Go decodes `null` into an empty user: a name mismatch, not bad JSON.
      await put(c, `${A}/users/bob`, "null");
      await put(c, `${A}/users/bob`, '{"user":"bob","password":5}');
      await put(c, `${A}/users/bob`, { user: "bob", grant: ["r1"], roles: ["x"] });
      await put(c, `${A}/users/bob`, { user: "bob", grant: ["r1"] });
      const del = await c.req("DELETE", `${A}/users/nobody`);
      expect(c.json(del).message).toBe("auth: User nobody does not exist");
      const get = await c.req("GET", `${A}/users/nobody`);
      expect(c.json(get).message).toBe("auth: User nobody does not exist.");
      const bad = await c.req("GET", `${A}/users/a/b`);
      expect(bad.body).toBe('{"message":"Invalid path"}');
      await put(c, `${A}/users/a/b`, { user: "b", password: "p" });
      await c.req("DELETE", `${A}/users/a/b`);
      // path.Clean drops a trailing slash; a double slash is the mux's 301.
      await c.req("GET", `${A}/users/nobody/`);
      await c.req("GET", `${A}/users//nobody`);
      await c.req("GET", `${A}/users`);
    }));

  test("extra: Go's JSON decoder: unknown fields ignored, trailing data after the object ignored", () =>
    authDiff(t, async (c) => {
      await put(c, `${A}/users/bob`, { user: "bob", password: "p", extra: 1 });
      await put(c, `${A}/users/carol`, '{"user":"carol","password":"p"} trailing');
      await c.req("GET", `${A}/users`);
    }));

  test("cases 151–152: roles are not checked on create; grant/revoke, duplicates, password with grant", () =>
    authDiff(t, async (c) => {
      const b = await put(c, `${A}/users/bob`, { user: "bob", password: "p", roles: ["nosuch"] });
      expect(b.status).toBe(200);
      expect(b.body).toBe('{"user":"bob","roles":["nosuch"]}\n');
      const dup = await put(c, `${A}/users/bob`, { user: "bob", password: "p", roles: ["nosuch"] });
      expect(c.json(dup).message).toBe("auth: User bob already exists.");
      const missingRole = await c.req("GET", `${A}/users/bob`);
      expect(c.json(missingRole).message).toBe("auth: Role nosuch does not exist.");
      // The listing skips a role it cannot resolve.
      await c.req("GET", `${A}/users`);
      const rev = await put(c, `${A}/users/bob`, { user: "bob", revoke: ["nosuch"] });
      expect(rev.body).toBe('{"user":"bob","roles":[]}\n');
      await put(c, `${A}/users/bob`, { user: "bob", revoke: ["nosuch"] });
      await put(c, `${A}/roles/r1`, { role: "r1" });
      await put(c, `${A}/users/bob`, { user: "bob", grant: ["r1"] });
      await put(c, `${A}/users/bob`, { user: "bob", grant: ["r1"] });
      // Granting a role that does not exist.
      await put(c, `${A}/users/bob`, { user: "bob", grant: ["zz", "nosuch2"] });
      // Grant and revoke of the same role cancel out: nothing changed.
      await put(c, `${A}/users/bob`, { user: "bob", grant: ["r2"], revoke: ["r2"] });
      await put(c, `${A}/users/bob`, { user: "bob", password: "p2", revoke: ["zz", "nosuch2"] });
      await c.req("GET", `${A}/users/bob`);
      await put(c, `${A}/users/bob`, { user: "bob", password: "p3" });
      await c.req("GET", `${A}/users`);
      await c.req("DELETE", `${A}/users/bob`);
      await c.req("DELETE", `${A}/users/bob`);
      await c.req("GET", `${A}/users`);
    }));
});

describe("roles", () => {
  test("cases 155–156: root is not editable; create with null lists, duplicate, permissions echo, grants", () =>
    authDiff(t, async (c) => {
      const r = await put(c, `${A}/roles/root`, { role: "root" });
      expect(r.status).toBe(403);
      await put(c, `${A}/roles/root`, { role: "root", grant: { kv: { read: ["/x"] } } });
      await c.req("DELETE", `${A}/roles/root`);
      const r1 = await put(c, `${A}/roles/r1`, { role: "r1" });
      expect(r1.body).toBe('{"role":"r1","permissions":{"kv":{"read":null,"write":null}}}\n');
      await put(c, `${A}/roles/r1`, { role: "r1" });
      await c.req("GET", `${A}/roles/r1`);
      // Created as sent (unsorted); the echo is the request.
      await put(c, `${A}/roles/r2`, { role: "r2", permissions: { kv: { read: ["/b/*", "/app/*"], write: ["/app/*"] } } });
      await c.req("GET", `${A}/roles/r2`);
      await put(c, `${A}/roles/r2`, { role: "r2", grant: { kv: { read: ["/app/*"] } } });
      await put(c, `${A}/roles/r2`, { role: "r2", grant: { kv: { write: ["/app/*"] } } });
      await put(c, `${A}/roles/r2`, { role: "r2", permissions: { kv: { read: ["/c"] } }, grant: { kv: { read: ["/d"] } } });
      await put(c, `${A}/roles/r2`, { role: "r2", grant: { kv: { read: ["/c"], write: ["/a"] } }, revoke: { kv: { write: ["/app/*"] } } });
      // An empty grant counts as none: this is a create, and the echo keeps the grant.
      await put(c, `${A}/roles/r3`, { role: "r3", grant: { kv: { read: [] } } });
      await c.req("GET", `${A}/roles/r3`);
      await c.req("GET", `${A}/roles`);
    }));

  test("cases 157–158: first no-op revoke turns null into [], second is 400; missing roles; Invalid path", () =>
    authDiff(t, async (c) => {
      await put(c, `${A}/roles/r1`, { role: "r1" });
      const first = await put(c, `${A}/roles/r1`, { role: "r1", revoke: { kv: { read: ["/nothing"] } } });
      expect(first.body).toBe('{"role":"r1","permissions":{"kv":{"read":[],"write":[]}}}\n');
      const second = await put(c, `${A}/roles/r1`, { role: "r1", revoke: { kv: { read: ["/nothing"] } } });
      expect(c.json(second).message).toBe("auth: Role not updated. Use grant/revoke to update the role.");
      await put(c, `${A}/roles/nope`, { role: "nope", grant: { kv: { read: ["/x"] } } });
      const del = await c.req("DELETE", `${A}/roles/nope`);
      expect(c.json(del).message).toBe("auth: Role nope doesn't exist.");
      await c.req("GET", `${A}/roles/nope`);
      await c.req("DELETE", `${A}/roles/root`);
      await put(c, `${A}/roles/r9`, { role: "r8" });
      await put(c, `${A}/roles/r9`, "notjson");
      await c.req("GET", `${A}/roles/a/b`);
      await c.req("DELETE", `${A}/roles/r1`);
      await c.req("GET", `${A}/roles/r1`);
      await c.req("GET", `${A}/roles/`);
    }));
});

describe("routing", () => {
  const endpoints = [`${A}/enable`, `${A}/users`, `${A}/users/`, `${A}/users/x`, `${A}/roles`, `${A}/roles/`, `${A}/roles/x`];

  test("§1.3: 405 with Allow on every auth endpoint, decided before the auth check; unknown auth paths 404", () =>
    authDiff(t, async (c) => {
      const probe = async () => {
        for (const e of endpoints) {
          for (const m of ["POST", "PATCH", "HEAD"]) await c.req(m, e);
          await c.req("OPTIONS", e);
        }
        await c.req("PUT", `${A}/users`);
        await c.req("DELETE", `${A}/roles`);
        for (const p of [`/v2/auth`, `/v2/auth/`, `${A}/enable/`, `${A}/usersx`]) await c.req("GET", p);
      };
      await probe();
      await enableWithRoot(c);
      await probe();
      await c.req("DELETE", `${A}/enable`, as(root));
    }));
});
