/**
 * A small seeded cluster driver for smoke-testing the raft core under random delivery
 * order, drops, duplicates, partitions and log compaction, checking safety after every step.
 * (The full simulator with crash-restart lives elsewhere; this one guards the core itself.)
 */
import { RawNode } from "../../../src/raft/raw-node.js";
import { MemoryStorage } from "../../../src/raft/storage.js";
import { decodeConfChange } from "../../../src/raft/conf-change.js";
import { ErrProposalDropped, ErrStepPeerNotFound, type Message } from "../../../src/raft/types.js";
import { seededRand, type Rand } from "../../../src/util/rand.js";

interface SimNode {
  id: string;
  storage: MemoryStorage;
  rn: RawNode;
  applied: number;
  /** Voters as of `applied`. */
  confState: string[];
}

export interface MiniSimOptions {
  nodes: number;
  dropRate: number;
  dupRate: number;
  compactEvery: number;
  maxQueue: number;
  confChanges?: boolean;
}

export class MiniSim {
  readonly rand: Rand;
  readonly nodes: SimNode[] = [];
  private queue: Message[] = [];
  private partitioned = new Set<string>();
  /** term → leader id, as ever observed. */
  readonly leaders = new Map<number, string>();
  /** index → term of the entry applied at that index by whoever applied it first. */
  readonly appliedTerms = new Map<number, number>();
  proposals = 0;
  maxCommit = 0;
  messagesDelivered = 0;
  restarts = 0;
  confChanges = 0;

  constructor(seed: number, readonly opts: MiniSimOptions) {
    this.rand = seededRand(seed);
    const voters = Array.from({ length: opts.nodes }, (_, i) => String(i + 1));
    for (const id of voters) {
      const storage = new MemoryStorage();
      storage.applySnapshot({ metadata: { index: 1, term: 1, confState: { voters } }, data: new Uint8Array(0) });
      this.nodes.push({ id, storage, rn: this.newRawNode(id, storage, 1), applied: 1, confState: voters });
    }
  }

  private newRawNode(id: string, storage: MemoryStorage, applied: number): RawNode {
    const r = seededRand(this.rand.int(2 ** 31));
    return new RawNode({
      id,
      electionTick: 10,
      heartbeatTick: 2,
      storage,
      applied,
      maxSizePerMsgBytes: 4096,
      maxInflightMsgs: 16,
      checkQuorum: true,
      preVote: true,
      rand: () => r.next(),
    });
  }

  /** Crash and restart: everything not persisted (unstable entries, unsent messages) is lost. */
  private restart(n: SimNode): void {
    this.restarts++;
    n.rn = this.newRawNode(n.id, n.storage, n.applied);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.rand.int(xs.length)]!;
  }

  step(): void {
    const x = this.rand.next();
    if (x < 0.45 && this.queue.length > 0) this.deliverOne();
    else if (x < 0.65) this.pick(this.nodes).rn.tick();
    else if (x < 0.749) this.propose();
    else if (x < 0.75) this.proposeConfChange();
    else if (x < 0.994) this.processReady(this.pick(this.nodes));
    else if (x < 0.995) this.restart(this.pick(this.nodes));
    else this.togglePartition();
    this.check();
  }

  private deliverOne(): void {
    const i = this.rand.int(this.queue.length);
    const m = this.queue[i]!;
    // Random order: swap-remove.
    this.queue[i] = this.queue[this.queue.length - 1]!;
    this.queue.pop();
    if (this.rand.chance(this.opts.dropRate) || this.partitioned.has(m.from) || this.partitioned.has(m.to)) return;
    if (this.rand.chance(this.opts.dupRate)) this.queue.push(m);
    const n = this.nodes.find((x) => x.id === m.to)!;
    this.messagesDelivered++;
    try {
      n.rn.step(m);
    } catch (err) {
      if (err !== ErrProposalDropped && err !== ErrStepPeerNotFound) throw err;
    }
  }

  private propose(): void {
    const n = this.pick(this.nodes);
    try {
      n.rn.propose(new TextEncoder().encode(`p${this.proposals}`));
      this.proposals++;
    } catch (err) {
      if (err !== ErrProposalDropped) throw err;
    }
  }

  /** Alternately removes and re-adds the last node, through whoever leads. */
  private proposeConfChange(): void {
    if (!this.opts.confChanges) return;
    const leader = this.nodes.find((n) => n.rn.raft.state === "StateLeader");
    if (leader === undefined) return;
    const last = this.nodes[this.nodes.length - 1]!.id;
    const type = leader.rn.raft.voters.includes(last) ? "removeNode" : "addNode";
    try {
      leader.rn.proposeConfChange({ type, nodeId: last });
      this.confChanges++;
    } catch (err) {
      if (err !== ErrProposalDropped) throw err;
    }
  }

  private processReady(n: SimNode): void {
    if (!n.rn.hasReady()) return;
    const rd = n.rn.ready();
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    if (rd.snapshot) {
      n.storage.applySnapshot(rd.snapshot);
      n.applied = rd.snapshot.metadata.index;
      n.confState = rd.snapshot.metadata.confState.voters;
    }
    n.storage.append(rd.entries);
    for (const m of rd.messages) if (this.queue.length < this.opts.maxQueue) this.queue.push(m);
    for (const e of rd.committedEntries) {
      if (e.index !== n.applied + 1) throw new Error(`node ${n.id} applied ${e.index} after ${n.applied}`);
      n.applied = e.index;
      if (e.type === "confChange") {
        const cs = n.rn.applyConfChange(decodeConfChange(e.data));
        n.storage.setConfState(cs);
        n.confState = cs.voters;
      }
      const t = this.appliedTerms.get(e.index);
      if (t === undefined) this.appliedTerms.set(e.index, e.term);
      else if (t !== e.term) throw new Error(`state machine safety: index ${e.index} applied with terms ${t} and ${e.term}`);
      if (e.index > this.maxCommit) this.maxCommit = e.index;
    }
    n.rn.advance();
    if (n.applied - n.storage.firstIndex() > this.opts.compactEvery) {
      const at = n.applied;
      n.storage.createSnapshot(at, { voters: n.confState }, new Uint8Array(0));
      n.storage.compact(at);
    }
  }

  private togglePartition(): void {
    if (this.partitioned.size > 0) this.partitioned.clear();
    else this.partitioned.add(this.pick(this.nodes).id);
  }

  private check(): void {
    for (const n of this.nodes) {
      const st = n.rn.raft;
      if (st.state !== "StateLeader") continue;
      const prev = this.leaders.get(st.term);
      if (prev === undefined) this.leaders.set(st.term, n.id);
      else if (prev !== n.id) throw new Error(`election safety: term ${st.term} has leaders ${prev} and ${n.id}`);
    }
  }
}
