/**
 * The front Worker's V3Handler: v3 writes and linearizable reads go to the leader (a write
 * keeps its request id across retries, so it applies at most once), serializable reads and
 * watch polls to the preferred member, or to the pinned one of a per-member client URL.
 *
 * @module
 */
import type { Credentials } from "../http/credentials.js";
import type { RouteHandler, RouteRequest } from "../http/route.js";
import type { V3Handler, V3Read, V3Reply, V3Status, WatchPoll, WatchReply } from "../http/v3-handler.js";
import { v3Route } from "../http/v3-routes.js";
import type { V3MemberReply, V3PollReply, V3StatusReply } from "../member/v3-rpc.js";
import { errors } from "../v3/errors.js";
import type { V3Command, V3Error } from "../v3/types.js";
import { defaultVersions } from "../http/version.js";
import { randomId, type MemberRouter } from "./router.js";

/** A poll answers within its wait; this much more is allowed for the RPC itself. */
const pollSlackMs = 5_000;

function failure(kind: string): V3Error {
  return kind === "removed" ? errors.removed : errors.timeout;
}

function toReply(reply: V3MemberReply | { kind: "timeout" }): V3Reply {
  if (reply.kind !== "done") return { ok: false, error: failure(reply.kind) };
  return reply.result.ok ? { ok: true, response: reply.result.response, header: reply.header } : reply.result;
}

export class V3Cluster implements V3Handler {
  constructor(
    private readonly router: MemberRouter,
    /** Serve reads and watches from this member (its client URL); "" = route freely. */
    private readonly pinned = "",
  ) {}

  async write(cmd: V3Command): Promise<V3Reply> {
    const requestId = randomId();
    return toReply(await this.router.call(true, (m, s) => s.v3Write(m, requestId, cmd) as Promise<V3MemberReply>));
  }

  async read(req: V3Read, serializable: boolean): Promise<V3Reply> {
    return toReply(await this.router.call(!serializable, (m, s) => s.v3Read(m, req, serializable) as Promise<V3MemberReply>, { start: this.pinned }));
  }

  async watchPoll(poll: WatchPoll): Promise<WatchReply> {
    const reply = await this.router.call(
      false,
      (m, s) => s.v3WatchPoll(m, poll.from, poll.filter, poll.waitMs) as Promise<V3PollReply>,
      { start: this.pinned, timeoutMs: poll.waitMs + pollSlackMs },
    );
    if (reply.kind !== "done") return { ok: false, error: failure(reply.kind) };
    const { kind: _kind, ...rest } = reply;
    return { ok: true, ...rest };
  }

  async status(): Promise<{ ok: true; status: V3Status } | { ok: false; error: V3Error }> {
    const reply = await this.router.call(false, (m, s) => s.v3Status(m) as Promise<V3StatusReply>, { start: this.pinned });
    if (reply.kind !== "done") return { ok: false, error: failure(reply.kind) };
    return {
      ok: true,
      status: {
        header: reply.header,
        revision: reply.revision,
        version: defaultVersions.etcdserver,
        dbSize: reply.dbSize,
        dbSizeInUse: reply.dbSize,
        leader: reply.leader,
        raftIndex: reply.raftIndex,
        raftTerm: reply.raftTerm,
        raftAppliedIndex: reply.raftAppliedIndex,
      },
    };
  }
}

/** /v3/ and /v3beta/ for the front Worker's routing table (src/front/routes.ts). */
export function v3Routes(router: MemberRouter, credentials: Credentials, pinned: string): Record<string, RouteHandler> {
  const handler = new V3Cluster(router, pinned);
  // v3 auth is out of scope: with v2 auth on, the v3 API is root's alone.
  const guard = (r: RouteRequest) => credentials.isRoot(r.raw.headers.get("Authorization"));
  return { "/v3/": v3Route("/v3/", handler, guard), "/v3beta/": v3Route("/v3beta/", handler, guard) };
}
