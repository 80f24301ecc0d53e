/**
 * ReadIndex bookkeeping for ReadOnlySafe (etcd-raft read_only.go): each request records the
 * commit index when it arrived; it is answered once a heartbeat round carrying its ctx (or a
 * later one) is acknowledged by a quorum.
 *
 * @module
 */
import type { Message, NodeId } from "./types.js";
import { bytesKey } from "./util.js";

export interface ReadIndexStatus {
  req: Message;
  index: number;
  acks: Map<NodeId, boolean>;
}

/** Pending read requests the leader keeps at most (older ones are dropped by the shell's timeout). */
export const readIndexPendingMax = 10_000;

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  /** Returns false if the request was not queued (duplicate ctx or too many pending). */
  addRequest(index: number, m: Message, ctx: Uint8Array): boolean {
    const key = bytesKey(ctx);
    if (this.pending.has(key) || this.queue.length >= readIndexPendingMax) return false;
    this.pending.set(key, { index, req: m, acks: new Map() });
    this.queue.push(key);
    return true;
  }

  /** Records an ack for ctx; returns the acks so far, or undefined for an unknown ctx. */
  recvAck(id: NodeId, ctx: Uint8Array): Map<NodeId, boolean> | undefined {
    const rs = this.pending.get(bytesKey(ctx));
    if (rs === undefined) return undefined;
    rs.acks.set(id, true);
    return rs.acks;
  }

  /** Dequeues every request up to and including ctx: a quorum for ctx confirms them all. */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const key = bytesKey(ctx);
    const i = this.queue.indexOf(key);
    if (i < 0) return [];
    const done = this.queue.slice(0, i + 1);
    this.queue = this.queue.slice(i + 1);
    const out: ReadIndexStatus[] = [];
    for (const k of done) {
      const rs = this.pending.get(k);
      if (rs === undefined) throw new Error(`raft: cannot find corresponding read state from pending map`);
      this.pending.delete(k);
      out.push(rs);
    }
    return out;
  }

  lastPendingRequestCtx(): Uint8Array | undefined {
    const key = this.queue[this.queue.length - 1];
    if (key === undefined) return undefined;
    return this.pending.get(key)!.req.context;
  }

  pendingCount(): number {
    return this.queue.length;
  }
}
