/**
 * Fault injection routes for local runs and tests. Mounted only when ETCD_DEBUG=1; a normal
 * deploy never has them. They reach the transport's fault seam in every member. Root-only while
 * auth is on, like every other administrative route.
 *
 * @module
 */
import { durableObjectName, type ClusterConfig } from "../cluster/config.js";
import { rootOnly } from "../http/auth-routes.js";
import type { Credentials } from "../http/credentials.js";
import { messageResponse, onlyMethods, type RouteHandler } from "../http/route.js";
import type { Env } from "../member/env.js";
import type { Faults } from "../member/rpc-types.js";

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

export function debugRoutes(env: Env, config: ClusterConfig, credentials: Credentials): Record<string, RouteHandler> {
  const stub = (name: string) => env.MEMBER.getByName(durableObjectName(config.token, name));
  const address = (name: string) => ({ token: config.token, name });
  const known = (name: string) => config.members.some((m) => m.name === name);

  const members: RouteHandler = async () => {
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
    return json({ members });
  };

  /**
   * POST /debug/members/<name>/crash restarts the member from its storage; POST
   * /debug/members/<name>/destroy wipes its storage for good (a lost machine): it refuses every
   * call until POST /admin/force-new-cluster re-adds it under a new id.
   */
  const crash: RouteHandler = async (r) => {
    const m = /^\/debug\/members\/([^/]+)\/(crash|destroy)$/.exec(r.path);
    if (!m) return messageResponse(404, "no such debug route");
    const name = m[1]!;
    if (!known(name)) return json({ message: `no member ${name}` }, 404);
    try {
      if (m[2] === "destroy") await stub(name).destroy(address(name));
      else await stub(name).crash(address(name));
    } catch {
      // The abort rejects the call that caused it; that is the crash.
    }
    if (m[2] === "crash") return json({ crashed: name });
    const after = await stub(name).lifecycle(address(name)).catch(() => null);
    return after?.destroyed ? json({ destroyed: name }) : json({ message: `${name} could not be destroyed; retry` }, 503);
  };

  const setFaults = async (faults: Faults) => {
    await Promise.all(config.members.map((m) => stub(m.name).setFaults(address(m.name), faults)));
  };

  const partition: RouteHandler = async (r) => {
    if (r.method === "DELETE") {
      await setFaults({ groups: null });
      return json({ groups: null });
    }
    const body = (await r.raw.json().catch(() => null)) as { groups?: unknown } | null;
    const groups = body?.groups;
    if (!Array.isArray(groups) || !groups.every((g) => Array.isArray(g) && g.every((n) => typeof n === "string" && known(n)))) {
      return json({ message: 'expected {"groups":[["member",…],…]} naming known members' }, 400);
    }
    await setFaults({ groups: groups as string[][] });
    return json({ groups });
  };

  return {
    "/debug/members": onlyMethods(["GET"], rootOnly(credentials, members)),
    "/debug/members/": onlyMethods(["POST"], rootOnly(credentials, crash)),
    "/debug/partition": onlyMethods(["PUT", "DELETE"], rootOnly(credentials, partition)),
  };
}
