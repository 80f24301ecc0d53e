/**
 * /v2/members and /v2/machines (spec §5, §7.3). Reads are open; changes need the root user
 * while auth is on.
 * Each member's client URL addresses that member through this Worker (`<origin>/members/<name>`),
 * so etcdctl's endpoint sync and cluster-health reach every member.
 *
 * @module
 */
import { Hono, type Context } from "hono";
import { computeMemberId, compareIds } from "../cluster/ids.js";
import type { MemberInfo } from "../member/membership.js";
import type { MemberChangeReply } from "../member/rpc-types.js";
import { v2Request } from "../store/apply.js";
import type { Credentials } from "../http/credentials.js";
import { insufficientCredentials } from "../auth/rules.js";
import { checkContentType, memberBodyBytesMax, memberNameFromPeerURL, parseMemberId, parsePeerURLs } from "./member-requests.js";
import { randomId, type MemberRouter } from "./router.js";

interface MemberJson {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

const allow = "GET,POST,DELETE,PUT";

const rootProbe = v2Request({ method: "QGET" });

export function membersRoutes(router: MemberRouter, credentials: Credentials): Hono {
  const app = new Hono();
  const clusterId = router.config.clusterId;

  const json = (body: unknown, status = 200, newline = true) =>
    new Response(JSON.stringify(body) + (newline ? "\n" : ""), {
      status,
      headers: { "Content-Type": "application/json", "X-Etcd-Cluster-Id": clusterId },
    });
  const message = (status: number, text: string) => json({ message: text }, status, false);
  const methodNotAllowed = (withAllow: boolean) =>
    new Response("Method Not Allowed\n", {
      status: 405,
      headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff", ...(withAllow ? { Allow: allow } : {}) },
    });

  const load = async (): Promise<{ members: MemberInfo[]; leader: string } | null> => {
    for (const m of router.config.members) {
      try {
        return (await router.stub(m.name).members(router.address(m.name))) as { members: MemberInfo[]; leader: string };
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

  const list = async (c: Context) => {
    const state = await load();
    if (!state) return message(500, "Internal Server Error");
    const origin = new URL(c.req.url).origin;
    return json({ members: [...state.members].sort((a, b) => compareIds(a.id, b.id)).map((m) => toJson(m, origin)) });
  };

  const change = async (type: "addNode" | "removeNode", nodeId: string, ctx: { name: string; peerURLs: string[] }) => {
    const requestId = randomId();
    return (await router.call(true, (m, s) => s.changeMembership(m, type, nodeId, { ...ctx, requestId }) as Promise<MemberChangeReply>)) as MemberChangeReply;
  };

  const failed = (reply: MemberChangeReply): Response => {
    if (reply.kind === "refused") return reply.status === 500 ? message(500, "Internal Server Error") : message(reply.status, reply.message);
    return message(500, "Internal Server Error");
  };

  /** etcd's hasWriteRootAccess: member changes are open while auth is off, root-only while on. */
  const admin = (c: Context) => credentials.isRoot(c.req.header("Authorization") ?? null);

  app.all("/v2/members", async (c) => {
    const method = c.req.method;
    if (method === "GET") return list(c);
    if (method === "DELETE" || method === "PUT") return methodNotAllowed(false);
    if (method !== "POST") return methodNotAllowed(true);
    if (!(await admin(c))) return message(401, insufficientCredentials);
    const ct = checkContentType(c.req.header("Content-Type") ?? null);
    if (!ct.ok) return message(ct.status, ct.message);
    const body = await c.req.text();
    if (body.length > memberBodyBytesMax) return message(400, "http: request body too large");
    const urls = parsePeerURLs(body);
    if (!urls.ok) return message(urls.status, urls.message);
    const state = await load();
    if (!state) return message(500, "Internal Server Error");
    if (state.members.some((m) => m.peerURLs.some((u) => urls.value.includes(u)))) return message(409, "membership: peerURL exists");
    const name = memberNameFromPeerURL(urls.value[0]!);
    if (!name || state.members.some((m) => m.name === name)) return message(409, "membership: peerURL exists");
    const id = computeMemberId(urls.value, router.config.token, String(Math.floor(Date.now() / 1000)));
    const reply = await change("addNode", id, { name, peerURLs: urls.value });
    if (reply.kind !== "done") return failed(reply);
    return json({ id, name: "", peerURLs: urls.value, clientURLs: [] }, 201);
  });

  app.get("/v2/members/", (c) => list(c));

  app.all("/v2/members/:id", async (c) => {
    const raw = c.req.param("id");
    const method = c.req.method;
    if (method === "GET") {
      if (raw !== "leader") return message(404, "Not found");
      let state = await load();
      let leader = state?.members.find((m) => m.id === state?.leader);
      if (!leader) {
        // Members woken after an idle spell know no leader until one is elected: a quorum read
        // through the leader starts and waits for that election, as any request would.
        const woke = await router.call(true, (m, s) => s.quorumRead(m, rootProbe, null) as Promise<{ kind: string }>);
        state = woke.kind === "done" ? await load() : state;
        const hinted = router.leaderHint();
        leader = state?.members.find((m) => m.id === state?.leader || (hinted !== "" && m.name === hinted));
      }
      if (!leader) return message(503, "During election");
      return json(toJson(leader, new URL(c.req.url).origin));
    }
    if (method !== "DELETE" && method !== "PUT") return methodNotAllowed(true);
    if (!(await admin(c))) return message(401, insufficientCredentials);
    const id = parseMemberId(raw);
    if (method === "PUT") {
      const ct = checkContentType(c.req.header("Content-Type") ?? null);
      if (!ct.ok) return message(ct.status, ct.message);
      const urls = parsePeerURLs(await c.req.text());
      if (!urls.ok) return message(urls.status, urls.message);
      const state = await load();
      if (!state) return message(500, "Internal Server Error");
      const member = id ? state.members.find((m) => m.id === id) : undefined;
      if (!member) return message(404, `No such member: ${id ?? raw}`);
      if (state.members.some((m) => m.id !== member.id && m.peerURLs.some((u) => urls.value.includes(u)))) {
        return message(409, "membership: peerURL exists");
      }
      if (urls.value.join(",") !== [...member.peerURLs].sort().join(",")) {
        // As etcd: the update is a replicated write of the member's raftAttributes; applying it
        // updates every member's view. The member keeps its name, hence its Durable Object.
        const update = v2Request({ method: "PUT", path: `/0/members/${member.id}/raftAttributes`, val: JSON.stringify({ peerURLs: urls.value }) });
        const requestId = randomId();
        const reply = await router.call(true, (m, s) => s.propose(m, requestId, update, null) as Promise<{ kind: string }>);
        if (reply.kind !== "done") return message(500, "Internal Server Error");
      }
      return new Response(null, { status: 204, headers: { "X-Etcd-Cluster-Id": clusterId } });
    }
    if (!id) return message(404, `No such member: ${raw}`);
    const reply = await change("removeNode", id, { name: "", peerURLs: [] });
    if (reply.kind !== "done") return failed(reply);
    return new Response(null, { status: 204, headers: { "X-Etcd-Cluster-Id": clusterId } });
  });

  app.all("/v2/machines", async (c) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      return new Response("Method Not Allowed\n", {
        status: 405,
        headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff", Allow: "GET,HEAD" },
      });
    }
    const state = await load();
    const origin = new URL(c.req.url).origin;
    const urls = (state?.members ?? []).flatMap((m) => toJson(m, origin).clientURLs).sort();
    return new Response(c.req.method === "HEAD" ? null : urls.join(", "), { headers: { "Content-Type": "text/plain; charset=utf-8" } });
  });

  return app;
}
