/**
 * /v2/members and /v2/members/… (spec §5): one handler for both patterns, as etcd registers it.
 * Reads are open; changes need the root user while auth is on (etcd's hasWriteRootAccess).
 * Each member's client URL addresses that member through this Worker (`<origin>/members/<name>`),
 * so etcdctl's endpoint sync and cluster-health reach every member.
 *
 * @module
 */
import { computeMemberId, compareIds } from "../cluster/ids.js";
import type { Credentials } from "../http/credentials.js";
import { insufficientCredentialsResponse } from "../http/auth-routes.js";
import { messageResponse, methodNotAllowed, originOf, type RouteHandler, type RouteRequest } from "../http/route.js";
import type { MemberInfo } from "../member/membership.js";
import type { MemberChangeReply } from "../member/rpc-types.js";
import { v2Request } from "../store/apply.js";
import { clientURLOf, loadMembers } from "./member-endpoints.js";
import { checkContentType, memberBodyBytesMax, memberNameFromPeerURL, parseMemberId, parsePeerURLs } from "./member-requests.js";
import { randomId, type MemberRouter } from "./router.js";

interface MemberJson {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

const allowed = ["GET", "POST", "DELETE", "PUT"];
const membersPrefix = "/v2/members";

const rootProbe = v2Request({ method: "QGET" });

export function membersRoutes(router: MemberRouter, credentials: Credentials): Record<string, RouteHandler> {
  const clusterId = router.config.clusterId;
  const idHeader = { "X-Etcd-Cluster-Id": clusterId };

  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body) + "\n", { status, headers: { "Content-Type": "application/json", ...idHeader } });
  const message = (status: number, text: string) => messageResponse(status, text, idHeader);
  const noContent = () => new Response(null, { status: 204, headers: idHeader });

  const toJson = (m: MemberInfo, origin: string): MemberJson => ({
    id: m.id,
    name: m.name,
    peerURLs: [...m.peerURLs].sort(),
    clientURLs: m.name ? [clientURLOf(origin, m.name)] : [],
  });

  const list = async (r: RouteRequest) => {
    const state = await loadMembers(router);
    if (!state) return message(500, "Internal Server Error");
    const origin = originOf(r);
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

  const add = async (r: RouteRequest) => {
    const ct = checkContentType(r.raw.headers.get("Content-Type"));
    if (!ct.ok) return message(ct.status, ct.message);
    const body = await r.raw.text();
    if (body.length > memberBodyBytesMax) return message(400, "http: request body too large");
    const urls = parsePeerURLs(body);
    if (!urls.ok) return message(urls.status, urls.message);
    const state = await loadMembers(router);
    if (!state) return message(500, "Internal Server Error");
    if (state.members.some((m) => m.peerURLs.some((u) => urls.value.includes(u)))) return message(409, "membership: peerURL exists");
    const name = memberNameFromPeerURL(urls.value[0]!);
    if (!name || state.members.some((m) => m.name === name)) return message(409, "membership: peerURL exists");
    const id = computeMemberId(urls.value, router.config.token, String(Math.floor(Date.now() / 1000)));
    const reply = await change("addNode", id, { name, peerURLs: urls.value });
    if (reply.kind !== "done") return failed(reply);
    return json({ id, name: "", peerURLs: urls.value, clientURLs: [] }, 201);
  };

  const leader = async (r: RouteRequest) => {
    let state = await loadMembers(router);
    let found = state?.members.find((m) => m.id === state?.leader);
    if (!found) {
      // Members woken after an idle spell know no leader until one is elected: a quorum read
      // through the leader starts and waits for that election, as any request would.
      const woke = await router.call(true, (m, s) => s.quorumRead(m, rootProbe, null) as Promise<{ kind: string }>);
      state = woke.kind === "done" ? await loadMembers(router) : state;
      const hinted = router.leaderHint();
      found = state?.members.find((m) => m.id === state?.leader || (hinted !== "" && m.name === hinted));
    }
    if (!found) return message(503, "During election");
    return json(toJson(found, originOf(r)));
  };

  const update = async (r: RouteRequest, raw: string, id: string | null) => {
    const ct = checkContentType(r.raw.headers.get("Content-Type"));
    if (!ct.ok) return message(ct.status, ct.message);
    const urls = parsePeerURLs(await r.raw.text());
    if (!urls.ok) return message(urls.status, urls.message);
    const state = await loadMembers(router);
    if (!state) return message(500, "Internal Server Error");
    const member = id ? state.members.find((m) => m.id === id) : undefined;
    if (!member) return message(404, `No such member: ${id ?? raw}`);
    if (state.members.some((m) => m.id !== member.id && m.peerURLs.some((u) => urls.value.includes(u)))) {
      return message(409, "membership: peerURL exists");
    }
    if (urls.value.join(",") !== [...member.peerURLs].sort().join(",")) {
      // As etcd: the update is a replicated write of the member's raftAttributes; applying it
      // updates every member's view. The member keeps its name, hence its Durable Object.
      const write = v2Request({ method: "PUT", path: `/0/members/${member.id}/raftAttributes`, val: JSON.stringify({ peerURLs: urls.value }) });
      const requestId = randomId();
      const reply = await router.call(true, (m, s) => s.propose(m, requestId, write, null) as Promise<{ kind: string }>);
      if (reply.kind !== "done") return message(500, "Internal Server Error");
    }
    return noContent();
  };

  const remove = async (raw: string, id: string | null) => {
    if (!id) return message(404, `No such member: ${raw}`);
    const reply = await change("removeNode", id, { name: "", peerURLs: [] });
    if (reply.kind !== "done") return failed(reply);
    return noContent();
  };

  const members: RouteHandler = async (r) => {
    if (!allowed.includes(r.method)) return methodNotAllowed(allowed);
    const raw = r.path.slice(membersPrefix.length).replace(/^\//, "");
    if (r.method === "GET") {
      if (raw === "") return list(r);
      return raw === "leader" ? leader(r) : message(404, "Not found");
    }
    if (raw === "" && r.method !== "POST") return methodNotAllowed(null);
    if (raw !== "" && r.method === "POST") return methodNotAllowed(allowed);
    if (!(await credentials.isRoot(r.raw.headers.get("Authorization")))) return insufficientCredentialsResponse();
    if (r.method === "POST") return add(r);
    const id = parseMemberId(raw);
    return r.method === "PUT" ? update(r, raw, id) : remove(raw, id);
  };

  return { [membersPrefix]: members, [`${membersPrefix}/`]: members };
}
