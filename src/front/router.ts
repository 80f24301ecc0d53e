/**
 * Finding the right member: follow leader hints, retry what is safe to retry. Shared by the
 * keys handler and the members routes. Only retryable, non-overloaded RPC errors are retried,
 * with a fresh stub and jittered backoff; NotLeader replies move the hint.
 *
 * @module
 */
import { durableObjectName, type ClusterConfig } from "../cluster/config.js";
import type { Env } from "../member/env.js";
import { isMemberDestroyedError } from "../member/force-new-cluster.js";
import type { Member } from "../member/member-do.js";
import type { MemberAddress } from "../member/rpc-types.js";

export type MemberStub = DurableObjectStub<Member>;

export const forwarding = {
  /** etcd's request timeout with default timings: 5 s + 2 × election timeout. */
  requestTimeoutMs: 7_000,
  backoffBaseMs: 25,
  backoffMaxMs: 500,
};

/** Leader hints per cluster, shared by every request this isolate serves. */
const leaderHints = new Map<string, string>();

export class MemberRouter {
  constructor(private readonly env: Env, readonly config: ClusterConfig) {}

  stub(name: string): MemberStub {
    return this.env.MEMBER.getByName(durableObjectName(this.config.token, name));
  }

  address(name: string): MemberAddress {
    return { token: this.config.token, name };
  }

  /** The member that last answered as leader here, or "". */
  leaderHint(): string {
    return leaderHints.get(this.config.token) ?? "";
  }

  /** The member to read from when not pinned: the hinted leader (freshest), else the first. */
  preferred(): string {
    return leaderHints.get(this.config.token) || this.config.members[0]!.name;
  }

  /**
   * Call a member until it answers with something other than "notLeader", or time runs out
   * (then `{kind: "timeout"}`). `start` pins the first target (a per-member client URL).
   */
  async call<R extends { kind: string }>(
    toLeader: boolean,
    fn: (member: MemberAddress, stub: MemberStub) => Promise<R>,
    opts: { start?: string; timeoutMs?: number } = {},
  ): Promise<R | { kind: "timeout" }> {
    const deadline = Date.now() + (opts.timeoutMs ?? forwarding.requestTimeoutMs);
    const names = this.config.members.map((m) => m.name);
    const next = (name: string) => names[(names.indexOf(name) + 1) % names.length] ?? names[0]!;
    let target = opts.start || this.preferred();
    for (let attempt = 0; ; attempt++) {
      let reply: R;
      try {
        reply = await fn(this.address(target), this.stub(target));
      } catch (e) {
        if (!isRetryable(e) || Date.now() >= deadline) return { kind: "timeout" };
        await sleep(backoffMs(attempt));
        if (toLeader || !opts.start) target = next(target);
        continue;
      }
      // A removed member still in the static config: move on to the others.
      const removed = reply.kind === "removed" && !opts.start;
      if (reply.kind !== "notLeader" && !removed) {
        if (reply.kind === "done" && toLeader) leaderHints.set(this.config.token, target);
        return reply;
      }
      if (Date.now() >= deadline) return { kind: "timeout" };
      const hint = removed ? "" : (reply as unknown as { leader: string }).leader;
      if (hint && hint !== target) {
        target = hint;
        leaderHints.set(this.config.token, target);
      } else {
        // No leader known there: an election is under way (the member woke and will campaign).
        await sleep(backoffMs(attempt));
        target = next(target);
      }
    }
  }
}

function isRetryable(e: unknown): boolean {
  const err = e as { retryable?: boolean; overloaded?: boolean } | null;
  // A destroyed member (a lost machine) refuses every call: ask the others, as for a lost connection.
  if (isMemberDestroyedError(e)) return true;
  return !!err && err.retryable === true && err.overloaded !== true;
}

function backoffMs(attempt: number): number {
  const cap = Math.min(forwarding.backoffMaxMs, forwarding.backoffBaseMs * 2 ** attempt);
  return cap / 2 + Math.random() * (cap / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function randomId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
