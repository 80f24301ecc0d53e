/**
 * ETCD_AUTH_BOOTSTRAP through the real Worker entry and member Durable Objects: lockdown without
 * the secret refuses to serve; with it, a fresh cluster comes up with root, auth on and a guest
 * that may do nothing; an operator's later choice (auth off) survives new isolates.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker.js";
import type { Env } from "../../src/member/env.js";

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
const root = { Authorization: `Basic ${btoa("root:s3cret")}` };

/** A new env object is a new front (as a new isolate would be): it runs the bootstrap again. */
function call(vars: Record<string, string>, path: string, init?: RequestInit): Promise<Response> {
  return worker.fetch(new Request(`http://etcd.test${path}`, init), { ...(env as unknown as Env), ...vars }, ctx);
}

describe("auth bootstrap", () => {
  it("lockdown without the root password secret refuses to serve, with a message saying why", async () => {
    const res = await call({ ETCD_AUTH_BOOTSTRAP: "lockdown", ETCD_ROOT_PASSWORD: "" }, "/v2/keys/x");
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("wrangler secret put ETCD_ROOT_PASSWORD");
  });

  it("lockdown with the secret: root exists, auth is on, anonymous clients get nothing", async () => {
    const vars = { ETCD_AUTH_BOOTSTRAP: "lockdown", ETCD_ROOT_PASSWORD: "s3cret" };
    expect(await (await call(vars, "/v2/auth/enable")).text()).toBe('{"enabled":true}\n');
    const anonymous = await call(vars, "/v2/keys/x", { method: "PUT", body: "value=1", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(anonymous.status).toBe(401);
    expect((await call(vars, "/v2/keys/")).status).toBe(401);
    const asRoot = await call(vars, "/v2/keys/x", { method: "PUT", body: "value=1", headers: { ...root, "Content-Type": "application/x-www-form-urlencoded" } });
    expect(asRoot.status).toBe(201);
    const guest = await call(vars, "/v2/auth/roles/guest", { headers: root });
    expect(await guest.text()).toBe('{"role":"guest","permissions":{"kv":{"read":[],"write":[]}}}\n');
    expect((await call(vars, "/admin/backup")).status).toBe(401);
  });

  it("runs once: auth turned off by root stays off for later isolates", async () => {
    const vars = { ETCD_AUTH_BOOTSTRAP: "lockdown", ETCD_ROOT_PASSWORD: "s3cret" };
    expect((await call(vars, "/v2/auth/enable", { method: "DELETE", headers: root })).status).toBe(200);
    expect(await (await call({ ...vars }, "/v2/auth/enable")).text()).toBe('{"enabled":false}\n');
    expect((await call({ ...vars }, "/v2/keys/y", { method: "PUT", body: "value=1", headers: { "Content-Type": "application/x-www-form-urlencoded" } })).status).toBe(201);
  });
});
