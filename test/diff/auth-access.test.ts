// Differential: §14 auth enforcement (cases 160–163, 165, 167) and §8.7 — who may read, write
// and watch keys and change members once auth is on. Every test starts from auth off and no
// users (auth-helpers.ts restores both servers after each test, failed ones too).
import { describe, expect, test } from "vitest";
import { form, useTargets, type Client } from "./harness.js";
import { basicAuth } from "./http-client.js";
import { A, K, as, authDiff, bearer, enableWithRoot, put, jsonOr, recordMasked, registered, root, rootPw2, settled, useAuthRestore } from "./auth-helpers.js";

const t = useTargets();
useAuthRestore(t);

const alice = basicAuth("alice", "pa");
const value = (v: string, headers?: Record<string, string>) => ({ body: form({ value: v }), ...(headers ? { headers } : {}) });
const denied = { errorCode: 110, message: "The request requires user authentication", cause: "Insufficient credentials", index: 0 };

/** Auth on, with role `app` read+write `<p>/app/*` held by alice. */
async function aliceWithApp(c: Client): Promise<void> {
  await enableWithRoot(c);
  await put(c, `${A}/roles/app`, { role: "app", permissions: { kv: { read: [`${c.p}/app/*`], write: [`${c.p}/app/*`] } } }, root);
  await put(c, `${A}/users/alice`, { user: "alice", password: "pa", roles: ["app"] }, root);
}

/** guest loses its default "/*" read and write. */
async function narrowGuest(c: Client, kv: { read?: string[]; write?: string[] } = { read: ["/*"], write: ["/*"] }): Promise<void> {
  await put(c, `${A}/roles/guest`, { role: "guest", revoke: { kv } }, root);
}

describe("anonymous requests and the guest role", () => {
  test("cases 160, 163: narrowed guest: anonymous writes 401/110 at index 0, reads 200; /v2/keys without slash", () =>
    authDiff(t, async (c) => {
      await c.req("PUT", `${K}${c.p}/k`, value("v0"));
      // Auth off: credentials are not even checked.
      await c.req("PUT", `${K}${c.p}/k`, value("v1", basicAuth("nobody", "wrong")));
      await enableWithRoot(c);
      const noSlash = await c.req("GET", K);
      expect(noSlash.status).toBe(401);
      await c.req("GET", `${K}/`);
      await c.req("PUT", `${K}${c.p}/k`, value("v2"));
      await narrowGuest(c, { write: ["/*"] });
      const w = await c.req("PUT", `${K}${c.p}/k`, value("v3"));
      expect(w.headers["x-etcd-index"]).toBe("0");
      expect(c.json(w)).toEqual(denied);
      await c.req("POST", `${K}${c.p}/q`, value("v"));
      await c.req("DELETE", `${K}${c.p}/k`);
      // Parameters are validated before permissions.
      await c.req("PUT", `${K}${c.p}/k?ttl=abc`, value("v"));
      const r = await c.req("GET", `${K}${c.p}/k`);
      expect(r.status).toBe(200);
      await c.req("HEAD", `${K}${c.p}/k`);
      await c.req("GET", `${K}${c.p}?recursive=true&sorted=true`);
      await c.req("GET", `${K}${c.p}/missing`);
      await c.req("PUT", `${K}${c.p}/k`, value("v4", root));
      await c.req("DELETE", `${A}/enable`, as(root));
      await c.req("PUT", `${K}${c.p}/k`, value("v5"));
    }));

  test("case 165: without a guest role anonymous key access is denied; version and auth state stay open", () =>
    authDiff(t, async (c) => {
      await enableWithRoot(c);
      await c.req("PUT", `${K}${c.p}/k`, value("v"));
      await c.req("DELETE", `${A}/roles/guest`, as(root));
      const g = await c.req("GET", `${K}${c.p}/k`);
      expect(c.json(g)).toEqual(denied);
      await c.req("GET", `${K}/`);
      await c.req("PUT", `${K}${c.p}/k`, value("w"));
      await c.req("GET", `${K}${c.p}/k?wait=true`);
      await c.req("GET", `${K}${c.p}/k`, as(root));
      await c.req("GET", `${A}/enable`);
      await c.req("GET", "/version");
      await c.req("DELETE", `${A}/enable`, as(root));
      // Auth off again: no guest needed.
      await c.req("GET", `${K}${c.p}/k`);
      await c.req("GET", `${A}/roles`);
    }));
});

describe("users' key permissions", () => {
  test("case 161: role read/write <p>/app/*: exact and recursive rules, bad credentials", () =>
    authDiff(t, async (c) => {
      await aliceWithApp(c);
      const ok = await c.req("PUT", `${K}${c.p}/app/x`, value("1", alice));
      expect(ok.status).toBe(201);
      await c.req("PUT", `${K}${c.p}/app`, value("1", alice));
      // guest could write here, but credentials never fall back on guest.
      await c.req("PUT", `${K}${c.p}/other`, value("1", alice));
      await c.req("PUT", `${K}${c.p}/other`, value("1"));
      await c.req("GET", `${K}${c.p}/other`, as(alice));
      await c.req("GET", `${K}${c.p}/app/x`, as(alice));
      await c.req("HEAD", `${K}${c.p}/app/x`, as(alice));
      await c.req("HEAD", `${K}${c.p}/other`, as(alice));
      await c.req("GET", `${K}${c.p}/app`, as(alice));
      await c.req("GET", `${K}${c.p}/app?recursive=true`, as(alice));
      // The key is not cleaned: "<p>/app/" starts with "<p>/app/".
      await c.req("GET", `${K}${c.p}/app/`, as(alice));
      await c.req("GET", `${K}${c.p}/app/?recursive=true`, as(alice));
      await c.req("GET", `${K}${c.p}/app/x`, as(basicAuth("alice", "wrong")));
      await c.req("GET", `${K}${c.p}/app/x`, as(basicAuth("alice", "")));
      await c.req("GET", `${K}${c.p}/app/x`, as(basicAuth("mallory", "pa")));
      await c.req("GET", `${K}${c.p}/app/x`, as(bearer));
      await c.req("GET", `${K}${c.p}/app/x`, as({ Authorization: "Basic !!!" }));
      await c.req("GET", `${K}${c.p}/app/x`, as({ Authorization: `Basic ${Buffer.from("alice").toString("base64")}` }));
      // Go's BasicAuth takes the scheme in any case and splits at the first colon.
      await c.req("GET", `${K}${c.p}/app/x`, as({ Authorization: `basic ${Buffer.from("alice:pa").toString("base64")}` }));
      await put(c, `${A}/users/carol`, { user: "carol", password: "a:b", roles: ["app"] }, root);
      await c.req("GET", `${K}${c.p}/app/x`, as(basicAuth("carol", "a:b")));
      // A user holding role root is root, whatever its name.
      await put(c, `${A}/users/admin`, { user: "admin", password: "pw", roles: ["root"] }, root);
      await c.req("GET", `${A}/users`, as(basicAuth("admin", "pw")));
      await c.req("PUT", `${K}${c.p}/other`, value("2", basicAuth("admin", "pw")));
      await c.req("DELETE", `${A}/enable`, as(root));
    }));

  test("§8.7: recursive reads and deletes of a directory need a * pattern covering the key as sent", () =>
    authDiff(t, async (c) => {
      for (const k of ["d/a", "d/sub/b", "e/c", "g/h", "foobar"]) await c.req("PUT", `${K}${c.p}/${k}`, value(k));
      await enableWithRoot(c);
      await put(c, `${A}/roles/dir`, { role: "dir", permissions: { kv: { read: [`${c.p}/d/*`, `${c.p}/e`, `${c.p}/f*`], write: [`${c.p}/d/*`] } } }, root);
      await put(c, `${A}/users/bob`, { user: "bob", password: "pb", roles: ["dir"] }, root);
      const bob = basicAuth("bob", "pb");
      // Listings sorted: etcd's own order is Go map order.
      for (const q of ["d", "d/", "d?recursive=true", "d/?recursive=true", "d/sub?recursive=true", "e", "e?recursive=true", "e?recursive=false", "foobar", "foobar?recursive=true"]) {
        await c.req("GET", `${K}${c.p}/${q}${q.includes("?") ? "&" : "?"}sorted=true`, as(bob));
      }
      await c.req("PUT", `${K}${c.p}/d%2Fz`, value("z", bob));
      await c.req("DELETE", `${K}${c.p}/d/sub?recursive=true`, as(bob));
      await c.req("DELETE", `${K}${c.p}/d?recursive=true`, as(bob));
      await c.req("DELETE", `${K}${c.p}/d?dir=true`, as(bob));
      await c.req("DELETE", `${K}${c.p}/d/?recursive=true`, as(bob));
      await c.req("GET", `${K}${c.p}?recursive=true&sorted=true`, as(root));
      // guest ignores `recursive`: an exact pattern reads the whole directory.
      await narrowGuest(c);
      await put(c, `${A}/roles/guest`, { role: "guest", grant: { kv: { read: [`${c.p}/g`] } } }, root);
      await c.req("GET", `${K}${c.p}/g`);
      await c.req("GET", `${K}${c.p}/g?recursive=true&sorted=true`);
      await c.req("GET", `${K}${c.p}/g/h`);
      await c.req("DELETE", `${A}/enable`, as(root));
    }));

  test("password changes: the old password is refused at once, root's too", () =>
    authDiff(t, async (c) => {
      await aliceWithApp(c);
      await c.req("GET", `${K}${c.p}/app/x`, as(alice));
      await put(c, `${A}/users/alice`, { user: "alice", password: "pb" }, root);
      await c.req("GET", `${K}${c.p}/app/x`, as(alice));
      await c.req("GET", `${K}${c.p}/app/x`, as(basicAuth("alice", "pb")));
      await put(c, `${A}/users/root`, { user: "root", password: rootPw2 }, root);
      await c.req("GET", `${A}/users`, as(root));
      await c.req("GET", `${A}/users`, as(basicAuth("root", rootPw2)));
      await c.req("DELETE", `${A}/enable`, as(basicAuth("root", rootPw2)));
    }));

  test("deleting a role or revoking it from the user takes the access away", () =>
    authDiff(t, async (c) => {
      await aliceWithApp(c);
      await c.req("PUT", `${K}${c.p}/app/x`, value("1", alice));
      await c.req("DELETE", `${A}/roles/app`, as(root));
      await c.req("GET", `${K}${c.p}/app/x`, as(alice));
      await c.req("GET", `${A}/users/alice`, as(root));
      await c.req("GET", `${A}/users`, as(root));
      await put(c, `${A}/roles/app`, { role: "app", permissions: { kv: { read: [`${c.p}/app/*`] } } }, root);
      await c.req("GET", `${K}${c.p}/app/x`, as(alice));
      await c.req("PUT", `${K}${c.p}/app/x`, value("2", alice));
      await put(c, `${A}/users/alice`, { user: "alice", revoke: ["app"] }, root);
      await c.req("GET", `${K}${c.p}/app/x`, as(alice));
      await c.req("DELETE", `${A}/enable`, as(root));
    }));
});

describe("non-root users: the auth API and members", () => {
  test("case 162: a non-root user gets 401 {\"message\":\"Insufficient credentials\"} from /v2/auth but reads the auth state", () =>
    authDiff(t, async (c) => {
      await aliceWithApp(c);
      const users = await c.req("GET", `${A}/users`, as(alice));
      expect(users.body).toBe('{"message":"Insufficient credentials"}');
      await c.req("GET", `${A}/roles/app`, as(alice));
      await put(c, `${A}/users/alice`, { user: "alice", password: "new" }, alice);
      await c.req("GET", `${A}/enable`, as(alice));
      await c.req("DELETE", `${A}/enable`, as(alice));
      await c.req("DELETE", `${A}/enable`, as(root));
    }));

  test("case 162: member changes need root (401 otherwise), member reads stay open to anyone", () =>
    authDiff(t, async (c) => {
      await aliceWithApp(c);
      await c.req("DELETE", `${A}/roles/guest`, as(root));
      const join = { body: '{"peerURLs":["http://127.0.0.1:1"]}', contentType: "application/json" };
      const denied = await c.req("POST", "/v2/members", { ...join, headers: alice });
      expect(denied.body).toBe('{"message":"Insufficient credentials"}');
      await c.req("POST", "/v2/members", join);
      await c.req("DELETE", "/v2/members/8e9e05c52164694d", as(alice));
      await c.req("PUT", "/v2/members/8e9e05c52164694d", { ...join, headers: alice });
      // root passes the check; the empty URL list is then refused, so membership never changes.
      await c.req("POST", "/v2/members", { body: '{"peerURLs":[]}', contentType: "application/json", headers: root });
      for (const [label, headers] of [["alice", alice], ["anonymous, no guest role", {}]] as const) {
        const m = await c.raw("GET", "/v2/members", { headers });
        recordMasked(c, `GET /v2/members as ${label}`, m, { members: Array.isArray(jsonOr(m).members) });
      }
      const leader = await c.raw("GET", "/v2/members/leader", as(alice));
      recordMasked(c, "GET /v2/members/leader as alice", leader, typeof jsonOr(leader) === "object" ? Object.keys(jsonOr(leader)) : leader.body);
      await c.req("DELETE", `${A}/enable`, as(root));
    }));
});

describe("watches", () => {
  test("a watch needs read permission: refused at once without it, delivered with it, checked only at registration", () =>
    authDiff(t, async (c) => {
      await enableWithRoot(c);
      await narrowGuest(c);
      await put(c, `${A}/roles/guest`, { role: "guest", grant: { kv: { read: [`${c.p}/open`] } } }, root);
      await put(c, `${A}/roles/watcher`, { role: "watcher", permissions: { kv: { read: [`${c.p}/w/*`] } } }, root);
      await put(c, `${A}/users/wally`, { user: "wally", password: "pw", roles: ["watcher"] }, root);
      const wally = basicAuth("wally", "pw");
      const w = c.watch(`${K}${c.p}/w/k?wait=true`, wally);
      await registered(c, w);
      await c.req("PUT", `${K}${c.p}/w/k`, value("1", root));
      c.record("watch <p>/w/k", await settled(c, w));
      const past = await c.req("PUT", `${K}${c.p}/x`, value("1", root));
      await c.req("GET", `${K}${c.p}/x?wait=true`, as(wally));
      await c.req("GET", `${K}${c.p}/x?wait=true&waitIndex=${c.json(past).node.modifiedIndex}`, as(wally));
      await c.req("GET", `${K}${c.p}/w?wait=true&recursive=true`, as(wally));
      await c.req("GET", `${K}${c.p}/w/k?wait=true`);
      const slash = c.watch(`${K}${c.p}/w/?wait=true&recursive=true`, wally);
      await registered(c, slash, "recursive watch headers");
      await c.req("PUT", `${K}${c.p}/w/k2`, value("2", root));
      c.record("watch <p>/w/ recursive", await settled(c, slash));
      const open = c.watch(`${K}${c.p}/open?wait=true&recursive=true`);
      await registered(c, open, "anonymous watch headers");
      await c.req("PUT", `${K}${c.p}/open/child`, value("3", root));
      c.record("anonymous watch <p>/open recursive", await settled(c, open));
      const held = c.watch(`${K}${c.p}/w/k?wait=true`, wally);
      await registered(c, held, "held watch headers");
      await put(c, `${A}/users/wally`, { user: "wally", revoke: ["watcher"] }, root);
      await c.req("PUT", `${K}${c.p}/w/k`, value("4", root));
      c.record("watch registered before the revoke", await settled(c, held));
      await c.req("DELETE", `${A}/enable`, as(root));
    }));
});

describe("indexes", () => {
  test("case 167: auth writes consume etcd indexes; failed ones do not", () =>
    authDiff(t, async (c) => {
      const index = () => c.req("GET", `${K}/`);
      await index();
      await put(c, `${A}/roles/r1`, { role: "r1" });
      await index();
      await put(c, `${A}/roles/r1`, { role: "r1", grant: { kv: { read: ["/x"] } } });
      await put(c, `${A}/roles/r1`, { role: "r1", grant: { kv: { read: ["/x"] } } });
      await index();
      await put(c, `${A}/users/root`, { user: "root", password: "p" });
      await put(c, `${A}/users/root`, { user: "root", password: "p" });
      await index();
      await c.req("PUT", `${A}/enable`);
      await index();
      await c.req("PUT", `${K}${c.p}/k`, value("1"));
      await c.req("DELETE", `${A}/enable`, as(basicAuth("root", "p")));
      await c.req("DELETE", `${A}/roles/r1`);
      await c.req("DELETE", `${A}/users/root`);
      await index();
      // The auth writes' indexes are not user events: a watch from just after E0 skips them.
      c.record("history watch", await settled(c, c.watch(`${K}${c.p}?wait=true&recursive=true&waitIndex=${c.E0 + 1}`)));
    }));
});
