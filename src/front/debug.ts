/**
 * Fault injection routes for local runs and tests. Mounted only when ETCD_DEBUG=1; a normal
 * deploy never has them. They reach the transport's fault seam in every member.
 *
 * @module
 */
import { Hono } from "hono";
import { durableObjectName, type ClusterConfig } from "../cluster/config.js";
import type { Env } from "../member/env.js";
import type { Faults } from "../member/rpc-types.js";
import type { Credentials } from "../http/credentials.js";
import { insufficientCredentials } from "../auth/rules.js";

export function debugRoutes(env: Env, config: ClusterConfig, credentials: Credentials): Hono {
  const app = new Hono();
  app.use("/debug/*", async (c, next) => {
    if (!(await credentials.isRoot(c.req.header("Authorization") ?? null))) {
      return new Response(JSON.stringify({ message: insufficientCredentials }), { status: 401, headers: { "Content-Type": "application/json" } });
    }
    await next();
  });
  const stub = (name: string) => env.MEMBER.getByName(durableObjectName(config.token, name));
  const address = (name: string) => ({ token: config.token, name });
  const known = (name: string) => config.members.some((m) => m.name === name);

  app.get("/debug/members", async (c) => {
    const members = await Promise.all(
      config.members.map(async (m) => {
        try {
          const s = await stub(m.name).status(address(m.name));
          return { name: s.name, id: s.id, role: s.role, term: s.term, commit: s.commit, applied: s.applied, leader: s.leaderName, quiesced: s.quiesced, appendBatches: s.appendBatches, entriesAppended: s.entriesAppended };
        } catch (e) {
          return { name: m.name, id: m.id, error: String(e) };
        }
      }),
    );
    return c.json({ members });
  });

  app.post("/debug/members/:name/crash", async (c) => {
    const name = c.req.param("name");
    if (!known(name)) return c.json({ message: `no member ${name}` }, 404);
    try {
      await stub(name).crash(address(name));
    } catch {
      // The abort rejects the call that caused it; that is the crash.
    }
    return c.json({ crashed: name });
  });

  const setFaults = async (faults: Faults) => {
    await Promise.all(config.members.map((m) => stub(m.name).setFaults(address(m.name), faults)));
  };

  app.put("/debug/partition", async (c) => {
    const body = (await c.req.json().catch(() => null)) as { groups?: unknown } | null;
    const groups = body?.groups;
    if (!Array.isArray(groups) || !groups.every((g) => Array.isArray(g) && g.every((n) => typeof n === "string" && known(n)))) {
      return c.json({ message: 'expected {"groups":[["member",…],…]} naming known members' }, 400);
    }
    await setFaults({ groups: groups as string[][] });
    return c.json({ groups });
  });

  app.delete("/debug/partition", async (c) => {
    await setFaults({ groups: null });
    return c.json({ groups: null });
  });

  return app;
}
