/**
 * Cluster membership as the apply loop sees it. Like etcd v2, members are recorded in the
 * replicated store under /0/members/<id> (raftAttributes, attributes) and removed ids under
 * /0/removed_members/<id>, so every member — and a snapshot — agrees on who is in the cluster.
 * A copy is kept in the meta table for cheap lookups (name ↔ id for the transport).
 *
 * @module
 */
import { NONE, type ConfChange, type NodeId } from "../raft/types.js";
import { v2Request } from "../store/apply.js";
import type { V2Request } from "../store/types.js";
import { decodeMemberContext, type MemberContext } from "./proposal.js";
import type { Meta } from "./sql.js";
import type { StateMachine } from "./state-machine.js";

export const clusterVersion = "3.4.0";

export interface MemberInfo extends MemberContext {
  id: NodeId;
  clientURLs: string[];
}

export class Membership {
  private members: Record<NodeId, MemberInfo>;
  private removed: Set<NodeId>;

  constructor(private readonly meta: Meta) {
    this.members = JSON.parse(meta.str("members", "{}")) as Record<NodeId, MemberInfo>;
    this.removed = new Set(JSON.parse(meta.str("removed_members", "[]")) as NodeId[]);
  }

  list(): MemberInfo[] {
    return Object.values(this.members);
  }

  get(id: NodeId): MemberInfo | undefined {
    return this.members[id];
  }

  nameOf(id: NodeId): string {
    return id === NONE ? "" : (this.members[id]?.name ?? "");
  }

  idOf(name: string): NodeId {
    return this.list().find((m) => m.name === name)?.id ?? NONE;
  }

  isRemoved(id: NodeId): boolean {
    return this.removed.has(id);
  }

  /** Apply a committed ConfChange to the membership records (and their /0 store entries). */
  apply(cc: ConfChange, sm: StateMachine): void {
    const base = `/0/members/${cc.nodeId}`;
    if (cc.type === "addNode") {
      const ctx = decodeMemberContext(cc.context);
      const info: MemberInfo = { id: cc.nodeId, name: ctx.name, peerURLs: ctx.peerURLs, clientURLs: [] };
      this.members[cc.nodeId] = info;
      sm.apply(put(`${base}/raftAttributes`, JSON.stringify({ peerURLs: info.peerURLs })));
      if (info.name) {
        sm.apply(put(`${base}/attributes`, JSON.stringify({ name: info.name, clientURLs: info.clientURLs })));
      }
      if (!sm.exists("/0/version")) sm.apply(put("/0/version", clusterVersion));
    } else {
      delete this.members[cc.nodeId];
      this.removed.add(cc.nodeId);
      sm.apply({ ...put(base, ""), method: "DELETE", recursive: true, dir: true });
      sm.apply(put(`/0/removed_members/${cc.nodeId}`, ""));
    }
    this.save();
  }

  /**
   * etcd's apply_v2 special case: a committed PUT of /0/members/<id>/raftAttributes (a member
   * update) changes that member's peer URLs. Its name, and so its Durable Object, stay.
   */
  observe(path: string, value: string): void {
    const m = /^\/0\/members\/([0-9a-f]{1,16})\/raftAttributes$/.exec(path);
    const member = m ? this.members[m[1]!] : undefined;
    if (!member) return;
    const urls = (JSON.parse(value) as { peerURLs?: unknown }).peerURLs;
    if (!Array.isArray(urls) || !urls.every((u) => typeof u === "string")) return;
    member.peerURLs = urls as string[];
    this.save();
  }

  markRemoved(id: NodeId): void {
    this.removed.add(id);
    this.save();
  }

  /** Rebuild from the store after a snapshot was installed (the meta rows came with it). */
  reload(): void {
    this.members = JSON.parse(this.meta.str("members", "{}")) as Record<NodeId, MemberInfo>;
    this.removed = new Set(JSON.parse(this.meta.str("removed_members", "[]")) as NodeId[]);
  }

  private save(): void {
    this.meta.set("members", JSON.stringify(this.members));
    this.meta.set("removed_members", JSON.stringify([...this.removed]));
  }
}

function put(path: string, val: string): V2Request {
  return v2Request({ method: "PUT", path, val });
}
