/**
 * The front Worker's V2Handler: etcd's proxy mode in front of the member Durable Objects.
 * Writes and quorum reads go to the leader (a cached hint, corrected by NotLeader replies);
 * plain reads and watches go to the preferred member (the leader hint, so reads are fresh in
 * the common case). Only retryable, non-overloaded RPC errors are retried, with a fresh stub
 * and jittered backoff; a write keeps its request id across retries so it applies at most once.
 *
 * @module
 */
import { durableObjectName, type ClusterConfig } from "../cluster/config.js";
import type { KeysResult, V2Handler, WatchRequest, WatchStart } from "../http/handler.js";
import type { Env } from "../member/env.js";
import type { MemberAddress, MemberReply } from "../member/rpc-types.js";
import type { StoreStats, V2Error, V2Event, V2Request } from "../store/types.js";
import type { Member } from "../member/member-do.js";
import { openWatch } from "./watch-client.js";

type MemberStub = DurableObjectStub<Member>;

export const forwarding = {
  /** etcd's request timeout with default timings: 5 s + 2 × election timeout. */
  requestTimeoutMs: 7_000,
  backoffBaseMs: 25,
  backoffMaxMs: 500,
};

/** Leader hints per cluster, shared by every request this isolate serves. */
const leaderHints = new Map<string, string>();

export class ClusterHandler implements V2Handler {
  constructor(
    private readonly env: Env,
    private readonly config: ClusterConfig,
    /** Pin every call to one member (the per-member client URL); "" = route freely. */
    private readonly pinned = "",
  ) {}

  clusterId(): string {
    return this.config.clusterId;
  }

  async keys(req: V2Request): Promise<KeysResult> {
    const reply =
      req.method === "GET"
        ? await this.call(false, (m, s) => s.read(m, req))
        : req.method === "QGET"
          ? await this.call(true, (m, s) => s.quorumRead(m, req))
          : await this.call(true, (m, s, id) => s.propose(m, id, req));
    return toKeysResult(reply);
  }

  async watch(req: WatchRequest): Promise<WatchStart> {
    const name = this.pinned || leaderHints.get(this.config.token) || this.config.members[0]!.name;
    return openWatch(this.stub(name), { token: this.config.token, name }, req);
  }

  async storeStats(): Promise<StoreStats> {
    const name = this.pinned || leaderHints.get(this.config.token) || this.config.members[0]!.name;
    return this.stub(name).storeStats({ token: this.config.token, name });
  }

  async health(): Promise<boolean> {
    const probe: V2Request = {
      method: "QGET", path: "/", val: "", dir: false, prevValue: "", prevIndex: 0, prevExist: null,
      expirationMs: 0, refresh: false, recursive: false, sorted: false, timeMs: 0,
    };
    const reply = await this.call(true, (m, s) => s.quorumRead(m, probe), 1_000);
    return reply.kind === "done";
  }

  /**
   * Call a member, following leader hints and retrying what is safe to retry. A pinned handler
   * (a per-member client URL) reads from its member; writes still reach the leader, as a real
   * etcd member forwards them.
   */
  private async call(
    toLeader: boolean,
    fn: (member: MemberAddress, stub: MemberStub, requestId: string) => Promise<MemberReply>,
    timeoutMs = forwarding.requestTimeoutMs,
  ): Promise<MemberReply> {
    const deadline = Date.now() + timeoutMs;
    const requestId = randomId();
    const names = this.config.members.map((m) => m.name);
    const next = (name: string) => names[(names.indexOf(name) + 1) % names.length]!;
    let target = (!toLeader && this.pinned) || leaderHints.get(this.config.token) || names[0]!;
    for (let attempt = 0; ; attempt++) {
      let reply: MemberReply;
      try {
        reply = await fn({ token: this.config.token, name: target }, this.stub(target), requestId);
      } catch (e) {
        if (!isRetryable(e) || Date.now() >= deadline) return { kind: "timeout" };
        await sleep(backoffMs(attempt));
        if (toLeader || !this.pinned) target = next(target);
        continue;
      }
      if (reply.kind === "done" && toLeader) leaderHints.set(this.config.token, target);
      if (reply.kind !== "notLeader") return reply;
      if (Date.now() >= deadline) return { kind: "timeout" };
      if (reply.leader && reply.leader !== target) {
        target = reply.leader;
        leaderHints.set(this.config.token, target);
      } else {
        // No leader known there: an election is under way (the member woke and will campaign).
        await sleep(backoffMs(attempt));
        target = next(target);
      }
    }
  }

  private stub(name: string) {
    return this.env.MEMBER.getByName(durableObjectName(this.config.token, name));
  }
}

function toKeysResult(reply: MemberReply): KeysResult {
  if (reply.kind === "done") {
    if (!reply.result.ok) return { ok: false, error: reply.result.error };
    return { ok: true, event: reply.result.event, etcdIndex: reply.etcdIndex, raftIndex: reply.raftIndex, raftTerm: reply.raftTerm };
  }
  const cause = reply.kind === "removed" ? "etcdserver: the member has been permanently removed from the cluster" : "etcdserver: request timed out";
  const error: V2Error = { errorCode: 300, message: "Raft Internal Error", cause, index: 0 };
  return { ok: false, error };
}

function isRetryable(e: unknown): boolean {
  const err = e as { retryable?: boolean; overloaded?: boolean } | null;
  return !!err && err.retryable === true && err.overloaded !== true;
}

function backoffMs(attempt: number): number {
  const cap = Math.min(forwarding.backoffMaxMs, forwarding.backoffBaseMs * 2 ** attempt);
  return cap / 2 + Math.random() * (cap / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function randomId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export type { V2Event };
