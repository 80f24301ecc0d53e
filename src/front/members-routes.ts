/**
 * Read side of cluster membership over HTTP: GET /v2/members, /v2/members/leader and
 * /v2/machines (spec §5, §7.3). Each member's client URL addresses that member through this
 * Worker (`<origin>/members/<name>`), so etcdctl's endpoint sync and cluster-health reach
 * every member.
 *
 * @module
 */
import { Hono } from "hono";
import { durableObjectName, type ClusterConfig } from "../cluster/config.js";
import { compareIds } from "../cluster/ids.js";
import type { Env } from "../member/env.js";
import type { MemberInfo } from "../member/membership.js";

interface MemberJson {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

export function membersRoutes(env: Env, config: ClusterConfig): Hono {
  const app = new Hono();

  const load = async (): Promise<{ members: MemberInfo[]; leader: string } | null> => {
    for (const m of config.members) {
      try {
        return await env.MEMBER.getByName(durableObjectName(config.token, m.name)).members({ token: config.token, name: m.name });
      } catch {
        // try the next member
      }
    }
    return null;
  };

  const toJson = (m: MemberInfo, origin: string): MemberJson => ({
    id: m.id,
    name: m.name,
    peerURLs: [...m.peerURLs].sort(),
    clientURLs: m.name ? [`${origin}/members/${m.name}`] : [],
  });

  const json = (body: unknown, status = 200, newline = true) =>
    new Response(JSON.stringify(body) + (newline ? "\n" : ""), {
      status,
      headers: { "Content-Type": "application/json", "X-Etcd-Cluster-Id": config.clusterId },
    });

  app.get("/v2/members", (c) => list(c.req.url));
  app.get("/v2/members/", (c) => list(c.req.url));
  async function list(url: string): Promise<Response> {
    const state = await load();
    if (!state) return json({ message: "Internal Server Error" }, 500, false);
    const origin = new URL(url).origin;
    const members = [...state.members].sort((a, b) => compareIds(a.id, b.id)).map((m) => toJson(m, origin));
    return json({ members });
  }

  app.get("/v2/members/leader", async (c) => {
    const state = await load();
    const leader = state?.members.find((m) => m.id === state.leader);
    if (!leader) return json({ message: "During election" }, 503, false);
    return json(toJson(leader, new URL(c.req.url).origin));
  });

  app.on(["GET", "HEAD"], "/v2/machines", async (c) => {
    const state = await load();
    const origin = new URL(c.req.url).origin;
    const urls = (state?.members ?? []).flatMap((m) => toJson(m, origin).clientURLs).sort();
    return new Response(c.req.method === "HEAD" ? null : urls.join(", "), { headers: { "Content-Type": "text/plain; charset=utf-8" } });
  });

  return app;
}
