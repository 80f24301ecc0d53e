/**
 * Access control on the real local cluster, on the paths the differential suite does not reach:
 * per-member client URLs, watches held by the Worker over member sockets, credentials cached per
 * isolate meeting a password change and a revoke, and the read of a whole directory.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TestCluster, rootAuth, withAuthOn } from "./cluster-helpers.js";

let cluster: TestCluster;
const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
const form = { "Content-Type": "application/x-www-form-urlencoded" };

beforeAll(() => {
  cluster = TestCluster.connect(inject("clusterUrl"));
});

async function send(path: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${cluster.url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
}

afterAll(async () => {
  // withAuthOn has switched auth off; remove what this file made.
  await send("/v2/auth/users/alice", "DELETE");
  await send("/v2/auth/roles/app", "DELETE");
});

describe("auth on the cluster", () => {
  it("guards per-member URLs, watches and directory reads, and follows password changes and revokes at once", async () => {
    await withAuthOn(cluster.url, async () => {
      expect((await send("/v2/auth/roles/app", "PUT", { role: "app", permissions: { kv: { read: ["/app/*"], write: ["/app/*"] } } }, rootAuth)).status).toBe(201);
      expect((await send("/v2/auth/users/alice", "PUT", { user: "alice", password: "one", roles: ["app"] }, rootAuth)).status).toBe(200);
      expect((await send("/v2/auth/roles/guest", "PUT", { role: "guest", revoke: { kv: { read: ["/*"], write: ["/*"] } } }, rootAuth)).status).toBe(200);
      const alice = basic("alice", "one");

      // Every member's client URL applies the same rules.
      for (const name of ["infra0", "infra1", "infra2"]) {
        const base = `/members/${name}/v2/keys`;
        expect((await send(`${base}/app/${name}`, "PUT", "value=v", { ...alice, ...form })).status).toBe(201);
        expect((await send(`${base}/other`, "PUT", "value=v", { ...alice, ...form })).status).toBe(401);
        expect((await send(`${base}/app/${name}`, "GET")).status).toBe(401);
        expect((await send(`${base}/app/${name}?quorum=true`, "GET", undefined, alice)).status).toBe(200);
      }

      // A recursive read of the directory needs a prefix pattern that covers it ("/app/*" does not cover "/app").
      const denied = await send("/v2/keys/app?recursive=true", "GET", undefined, alice);
      expect(denied.status).toBe(401);
      expect(await denied.json()).toEqual({ errorCode: 110, message: "The request requires user authentication", cause: "Insufficient credentials", index: 0 });
      expect((await send("/v2/keys/app?recursive=true", "GET", undefined, rootAuth)).status).toBe(200);

      // Watches: denied without read permission, delivered with it.
      expect((await send("/v2/keys/other?wait=true", "GET")).status).toBe(401);
      const watch = await send("/v2/keys/app/w?wait=true", "GET", undefined, alice);
      expect(watch.status).toBe(200); // headers come at registration: the watch was allowed
      expect((await send("/v2/keys/app/w", "PUT", "value=fired", { ...alice, ...form })).status).toBe(201);
      const event = await watch.json();
      expect(event).toMatchObject({ action: "set", node: { key: "/app/w", value: "fired" } });

      // The Worker caches alice's verified credentials; a password change must still shut the old one out.
      expect((await send("/v2/auth/users/alice", "PUT", { user: "alice", password: "two" }, rootAuth)).status).toBe(200);
      expect((await send("/v2/keys/app/x", "PUT", "value=v", { ...alice, ...form })).status).toBe(401);
      expect((await send("/v2/keys/app/x", "PUT", "value=v", { ...basic("alice", "two"), ...form })).status).toBe(201);

      // Auth data is replicated state: every member restarted from storage still enforces it.
      for (const name of ["infra0", "infra1", "infra2"]) await cluster.crash(name);
      await cluster.leader();
      expect((await send("/v2/keys/app/x?quorum=true", "GET")).status).toBe(401);
      expect((await send("/members/infra2/v2/keys/app/x", "GET", undefined, basic("alice", "two"))).status).toBe(200);

      // A revoked role denies the next request.
      expect((await send("/v2/auth/users/alice", "PUT", { user: "alice", revoke: ["app"] }, rootAuth)).status).toBe(200);
      expect((await send("/v2/keys/app/x", "GET", undefined, basic("alice", "two"))).status).toBe(401);
    });
  });
});
