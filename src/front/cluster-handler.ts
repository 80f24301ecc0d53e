/**
 * The front Worker's V2Handler: etcd's proxy mode in front of the member Durable Objects.
 * Writes and quorum reads go to the leader; plain reads and watches go to the preferred member
 * (the leader hint, so reads are fresh in the common case) or to the pinned member of a
 * per-member client URL. A write keeps its request id across retries so it applies at most once.
 *
 * @module
 */
import type { Access, AuthLookup } from "../auth/types.js";
import type { KeysResult, V2Handler, WatchRequest, WatchStart } from "../http/handler.js";
import type { MemberReply } from "../member/rpc-types.js";
import type { StoreStats, V2Error, V2Request } from "../store/types.js";
import { randomId, type MemberRouter } from "./router.js";
import { openWatch } from "./watch-client.js";
import { v2Request } from "../store/apply.js";

/**
 * Durable Object SQLite rows hold at most 2 MB, and one history row carries a value and the value
 * it replaced: a write's value and prevValue together are limited so every row fits (etcd 3.4's
 * v2 path has no such limit; see docs/divergences.md).
 */
export const limits = {
  writeValueBytesMax: 1_000_000,
  keyBytesMax: 8 * 1024,
};

const utf8 = new TextEncoder();

/** A write this cluster cannot store: etcd-style 400, nothing proposed. */
function tooLarge(req: V2Request): V2Error | null {
  const key = utf8.encode(req.path).length;
  if (key > limits.keyBytesMax) {
    return { errorCode: 209, message: "Invalid field", cause: `key is ${key} bytes; the limit is ${limits.keyBytesMax}`, index: 0 };
  }
  const value = utf8.encode(req.val).length + utf8.encode(req.prevValue).length;
  if (value > limits.writeValueBytesMax) {
    return { errorCode: 209, message: "Invalid field", cause: `value and prevValue are ${value} bytes; the limit is ${limits.writeValueBytesMax}`, index: 0 };
  }
  return null;
}

export class ClusterHandler implements V2Handler {
  constructor(
    private readonly router: MemberRouter,
    /** Pin reads and watches to one member (its client URL); "" = route freely. */
    private readonly pinned = "",
  ) {}

  clusterId(): string {
    return this.router.config.clusterId;
  }

  async keys(req: V2Request, access: Access | null): Promise<KeysResult> {
    const start = this.pinned;
    if (req.method === "GET") return toKeysResult(await this.router.call(false, (m, s) => s.read(m, req, access) as Promise<MemberReply>, { start }));
    if (req.method === "QGET") return toKeysResult(await this.router.call(true, (m, s) => s.quorumRead(m, req, access) as Promise<MemberReply>, { start }));
    const refused = tooLarge(req);
    if (refused) return { ok: false, error: refused };
    const requestId = randomId();
    return toKeysResult(await this.router.call(true, (m, s) => s.propose(m, requestId, req, access) as Promise<MemberReply>));
  }

  async watch(req: WatchRequest, access: Access | null): Promise<WatchStart> {
    return openWatch(() => {
      const name = this.pinned || this.router.preferred();
      return { stub: this.router.stub(name), member: this.router.address(name) };
    }, req, access);
  }

  /** Asked of the member that serves reads: credentials are checked as that member knows them. */
  async authLookup(user: string): Promise<AuthLookup> {
    const reply = await this.router.call(false, async (m, s) => ({ kind: "done" as const, lookup: (await s.authLookup(m, user)) as AuthLookup }), { start: this.pinned });
    if (reply.kind !== "done") throw new Error("auth lookup: no member answered in time");
    return reply.lookup;
  }

  async storeStats(): Promise<StoreStats> {
    const name = this.pinned || this.router.preferred();
    return (await this.router.stub(name).storeStats(this.router.address(name))) as StoreStats;
  }

  /** etcd's /health: a leader is known and a quorum read completes within a second. */
  async health(): Promise<boolean> {
    const probe = v2Request({ method: "QGET" });
    const reply = await this.router.call(true, (m, s) => s.quorumRead(m, probe, null) as Promise<MemberReply>, { start: this.pinned, timeoutMs: 1_000 });
    return reply.kind === "done";
  }
}

function toKeysResult(reply: MemberReply): KeysResult {
  if (reply.kind === "done") {
    if (!reply.result.ok) return { ok: false, error: reply.result.error };
    return { ok: true, event: reply.result.event, etcdIndex: reply.etcdIndex, raftIndex: reply.raftIndex, raftTerm: reply.raftTerm };
  }
  const cause =
    reply.kind === "removed" ? "etcdserver: the member has been permanently removed from the cluster" : "etcdserver: request timed out";
  const error: V2Error = { errorCode: 300, message: "Raft Internal Error", cause, index: 0 };
  return { ok: false, error };
}
