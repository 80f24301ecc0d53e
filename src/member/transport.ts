/**
 * Raft messages to peer members over Durable Object RPC: one call per peer per Ready (the
 * batch), snapshot pages first when a MsgSnap goes out. Raft retries on its own (heartbeats,
 * probes), so a failed send is reported as unreachable rather than retried here.
 *
 * The fault seam lives here: a partition (groups of member names that can talk) is checked on
 * send and on receipt, so tests and the local debug routes can cut any link.
 *
 * @module
 */
import { durableObjectName } from "../cluster/config.js";
import type { Message, NodeId } from "../raft/types.js";
import type { Env } from "./env.js";
import type { MemberInfo } from "./membership.js";
import type { PeerStats } from "./peer-stats.js";
import type { Faults, MemberAddress, PeerBatch } from "./rpc-types.js";

export interface TransportEvents {
  unreachable(to: NodeId): void;
  snapshotStatus(to: NodeId, failed: boolean): void;
  /** A peer says this member was removed from the cluster. */
  removed(): void;
}

export class Transport {
  faults: Faults = { groups: null };

  constructor(
    private readonly env: Env,
    private readonly self: MemberAddress,
    private readonly waitUntil: (p: Promise<unknown>) => void,
    private readonly events: TransportEvents,
    private readonly stats: PeerStats,
  ) {}

  send(peer: MemberInfo, messages: Message[], pages: Uint8Array[] | null): void {
    if (!canTalk(this.faults, this.self.name, peer.name)) {
      // A snapshot raft never hears about keeps the follower paused in StateSnapshot forever
      // (found by the member simulator). Reported after this Ready, never inside it.
      if (messages.some((m) => m.type === "MsgSnap")) this.waitUntil(Promise.resolve().then(() => this.events.snapshotStatus(peer.id, true)));
      return;
    }
    const to: MemberAddress = { token: this.self.token, name: peer.name, id: peer.id };
    const stub = this.env.MEMBER.getByName(durableObjectName(to.token, to.name), hintOptions(peer));
    const batch: PeerBatch = { from: this.self, messages };
    const snap = messages.find((m) => m.type === "MsgSnap");
    this.stats.sendAppendRequestCnt += messages.filter((m) => m.type === "MsgApp").length;
    const follower = this.stats.follower(peer.id);
    const task = (async () => {
      if (pages && snap?.snapshot) {
        const id = new TextDecoder().decode(snap.snapshot.data);
        for (let page = 0; page < pages.length; page++) {
          await stub.snapshotPage(to, { snap: id, page, pages: pages.length, data: pages[page]! });
        }
      }
      const sentAt = Date.now();
      const reply = await stub.peer(to, batch);
      follower.record(Date.now() - sentAt);
      this.stats.observeRoundTrip(peer.id, Date.now() - sentAt);
      if (reply.removed) this.events.removed();
      if (snap) this.events.snapshotStatus(peer.id, false);
    })().catch(() => {
      follower.fail++;
      if (snap) this.events.snapshotStatus(peer.id, true);
      this.events.unreachable(peer.id);
    });
    this.waitUntil(task);
  }
}

export function canTalk(faults: Faults, a: string, b: string): boolean {
  if (!faults.groups || a === b) return true;
  return faults.groups.some((g) => g.includes(a) && g.includes(b));
}

function hintOptions(peer: MemberInfo): DurableObjectNamespaceGetDurableObjectOptions | undefined {
  const url = peer.peerURLs[0] ?? "";
  const q = url.indexOf("?");
  const hint = q < 0 ? "" : new URLSearchParams(url.slice(q + 1)).get("hint") ?? "";
  return hint ? { locationHint: hint as DurableObjectLocationHint } : undefined;
}

export type { NodeId };
