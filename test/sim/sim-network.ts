/**
 * A seeded in-memory network between simulated nodes. Faults are per-seed ("swarm"
 * testing): per-message drop, duplication, delay in ticks and reordering, plus symmetric
 * (majority/minority) and one-way partitions. Everything random comes from the injected
 * `rand`, so a seed replays the same deliveries.
 *
 * @module
 */
import type { Message, NodeId } from "../../src/raft/types.js";
import type { Rand } from "../../src/util/rand.js";

export interface NetworkFaults {
  /** Probability that a sent message is lost. */
  dropP: number;
  /** Probability that a sent message is delivered twice (the copy gets its own delay). */
  dupP: number;
  /** A message becomes deliverable 0..delayTicksMax ticks after it is sent. */
  delayTicksMax: number;
  /** Deliver any deliverable message (true) or the oldest one first (false). */
  reorder: boolean;
}

/** Why a message never arrived: random loss, a cut link, or a crashed receiver. */
export type DropReason = "lost" | "blocked" | "down";

export const NO_FAULTS: NetworkFaults = { dropP: 0, dupP: 0, delayTicksMax: 0, reorder: false };

export interface InFlight {
  msg: Message;
  deliverAt: number;
  seq: number;
}

/** Bounds the memory a run can use when a partitioned leader keeps sending. */
export const inFlightMessagesMax = 4096;
/** Ids get small slots for the partition matrix; a run never creates more nodes than this. */
export const nodeSlotsMax = 64;

export class SimNetwork {
  faults: NetworkFaults;
  now = 0;
  private readonly rand: Rand;
  private queue: InFlight[] = [];
  private seq = 0;
  private readonly slots = new Map<NodeId, number>();
  private readonly blocked = new Uint8Array(nodeSlotsMax * nodeSlotsMax);
  private blockedCount = 0;
  sent = 0;
  dropped = 0;
  /** The transport's failure reports (etcd's rafthttp tells raft of unreachable peers and failed snapshots). */
  onDrop: ((msg: Message, reason: DropReason) => void) | undefined;

  constructor(rand: Rand, faults: NetworkFaults) {
    this.rand = rand;
    this.faults = faults;
  }

  private slot(id: NodeId): number {
    let s = this.slots.get(id);
    if (s === undefined) {
      s = this.slots.size;
      if (s >= nodeSlotsMax) throw new Error(`sim: more than ${nodeSlotsMax} node ids`);
      this.slots.set(id, s);
    }
    return s;
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    if (this.blockedCount === 0) return false;
    return this.blocked[this.slot(from) * nodeSlotsMax + this.slot(to)] === 1;
  }

  blockOneWay(from: NodeId, to: NodeId): void {
    const k = this.slot(from) * nodeSlotsMax + this.slot(to);
    if (this.blocked[k] === 0) {
      this.blocked[k] = 1;
      this.blockedCount++;
    }
  }

  /** Cuts every link between the two groups, both ways. */
  partition(a: readonly NodeId[], b: readonly NodeId[]): void {
    for (const x of a) {
      for (const y of b) {
        this.blockOneWay(x, y);
        this.blockOneWay(y, x);
      }
    }
  }

  heal(): void {
    this.blocked.fill(0);
    this.blockedCount = 0;
  }

  get partitioned(): boolean {
    return this.blockedCount > 0;
  }

  send(msg: Message): void {
    this.sent++;
    const f = this.faults;
    if (this.isBlocked(msg.from, msg.to)) return this.drop(msg, "blocked");
    if (f.dropP > 0 && this.rand.chance(f.dropP)) return this.drop(msg, "lost");
    this.enqueue(msg);
    // The copy is a distinct object so a core that mutates what it receives cannot alias.
    if (f.dupP > 0 && this.rand.chance(f.dupP)) this.enqueue({ ...msg });
  }

  private drop(msg: Message, reason: DropReason): void {
    this.dropped++;
    this.onDrop?.(msg, reason);
  }

  private enqueue(msg: Message): void {
    if (this.queue.length >= inFlightMessagesMax) return this.drop(msg, "lost");
    const delay = this.faults.delayTicksMax > 0 ? this.rand.int(this.faults.delayTicksMax + 1) : 0;
    this.queue.push({ msg, deliverAt: this.now + delay, seq: this.seq++ });
  }

  get inFlight(): number {
    return this.queue.length;
  }

  hasDeliverable(): boolean {
    for (const m of this.queue) if (m.deliverAt <= this.now) return true;
    return false;
  }

  /**
   * Removes and returns one deliverable message (random one when reordering, else the
   * oldest), or undefined. A message whose link was cut after it was sent is lost here.
   */
  take(): InFlight | undefined {
    for (;;) {
      const item = this.takeAny();
      if (item === undefined || !this.isBlocked(item.msg.from, item.msg.to)) return item;
      this.drop(item.msg, "blocked");
    }
  }

  private takeAny(): InFlight | undefined {
    const q = this.queue;
    let i = -1;
    if (this.faults.reorder) {
      let n = 0;
      for (let j = 0; j < q.length; j++) {
        // Reservoir sampling: one pass, uniform among the deliverable ones.
        if (q[j]!.deliverAt <= this.now && this.rand.int(++n) === 0) i = j;
      }
    } else {
      i = q.findIndex((m) => m.deliverAt <= this.now);
    }
    if (i < 0) return undefined;
    return q.splice(i, 1)[0];
  }

  /** Removes and returns the oldest deliverable message to `id` (crash timing: "just after it handled one"). */
  takeTo(id: NodeId): InFlight | undefined {
    const i = this.queue.findIndex((m) => m.msg.to === id && m.deliverAt <= this.now && !this.isBlocked(m.msg.from, id));
    return i < 0 ? undefined : this.queue.splice(i, 1)[0];
  }

  /** A crashed node loses whatever was on its way to it. */
  dropTo(id: NodeId): void {
    const kept: InFlight[] = [];
    for (const m of this.queue) {
      if (m.msg.to === id) this.drop(m.msg, "down");
      else kept.push(m);
    }
    this.queue = kept;
  }
}
