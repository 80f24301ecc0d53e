/**
 * /v2/stats/self and /v2/stats/leader (spec §6.1, §6.2). Through the Worker, "self" is the
 * member that serves reads (the pinned member of a per-member client URL, else the leader hint)
 * and "leader" asks the leader; a member that is not the leader answers 403, as etcd does.
 *
 * @module
 */
import { Hono } from "hono";
import type { MemberRouter } from "./router.js";

export function statsRoutes(router: MemberRouter, pinned: string): Hono {
  const app = new Hono();
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  const notAllowed = () =>
    new Response("Method Not Allowed\n", {
      status: 405,
      headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff", Allow: "GET" },
    });

  app.all("/v2/stats/self", async (c) => {
    if (c.req.method !== "GET") return notAllowed();
    const name = pinned || router.preferred();
    try {
      return json(await router.stub(name).selfStats(router.address(name)));
    } catch {
      return json({ message: "Internal Server Error" }, 500);
    }
  });

  app.all("/v2/stats/leader", async (c) => {
    if (c.req.method !== "GET") return notAllowed();
    if (pinned) {
      const stats = await router.stub(pinned).leaderStats(router.address(pinned));
      return stats ? json(stats) : json({ message: "not current leader" }, 403);
    }
    const reply = await router.call(true, async (m, s) => {
      const stats = await s.leaderStats(m);
      if (stats) return { kind: "done" as const, stats };
      const status = await s.status(m);
      return { kind: "notLeader" as const, leader: status.leaderName };
    });
    return "stats" in reply ? json(reply.stats) : json({ message: "not current leader" }, 403);
  });

  return app;
}
