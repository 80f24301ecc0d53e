/**
 * The simulated cluster: nodes, the network, the checker, membership and client proposals.
 * Each public method is one simulator event; after it, every node's Ready is drained
 * (persist → send → apply → advance) and the checker has seen everything.
 *
 * @module
 */
import { MemoryStorage } from "../../src/raft/storage.js";
import { RaftError, type ConfChange, type Entry, type NodeId, type RaftLogger } from "../../src/raft/types.js";
import { seededRand, type Rand } from "../../src/util/rand.js";
import { SafetyChecker, SimViolation, type VoterLog } from "./sim-checker.js";
import { CHAIN_START, asciiBytes } from "./sim-hash.js";
import { SimNetwork } from "./sim-network.js";
import { SimNode, type ReadyHooks, type ReadyPhase } from "./sim-node.js";
import type { SimParams } from "./sim-params.js";
import { KvStateMachine } from "./sim-state-machine.js";
import { confChangeEvent, partitionEvent } from "./sim-events.js";
import { clockJumpEvent, evictEvent, idleSpellEvent } from "./sim-wake-events.js";

/** A core stuck returning Ready forever is a bug, not a reason to hang the run. */
const readiesPerStepMax = 64;

export class SimCluster implements ReadyHooks {
  readonly rand: Rand;
  readonly params: SimParams;
  readonly net: SimNetwork;
  readonly checker: SafetyChecker;
  readonly nodes = new Map<NodeId, SimNode>();
  /** The configuration as of the last conf change in the committed history. */
  readonly members = new Set<NodeId>();
  private lastConfIndex = 0;
  private nextNodeNum = 1;
  private proposalNum = 0;
  /** payload → proposing node, until that node applies it (then the client is told "ok"). */
  readonly pending = new Map<string, NodeId>();
  /** payload → committed index, for proposals acknowledged to the client. */
  readonly acked = new Map<string, number>();
  confPendingSinceTick: number | undefined;
  private readonly toStop: NodeId[] = [];
  /** Transport feedback, stepped into the sender once its current Ready is done. */
  private readonly reports: { from: NodeId; to: NodeId; kind: "snapOk" | "snapFailed" | "unreachable" }[] = [];

  /** How much of the wake path a run exercised (so "no violations" is not about nothing). */
  readonly wakeStats = { leaderQuiesces: 0, evictions: 0, resumedLeaders: 0, committedByResumed: 0 };
  /** term → last index of its leader when it resumed the term. */
  private readonly resumedAt = new Map<number, number>();
  private readonly committedByResumed = new Set<number>();

  /** Lines for the trace from inside a long event (an idle spell). */
  trace: (line: string) => void = () => {};

  /** Raft's own log lines, into the trace (only when replaying with --trace: they cost). */
  readonly raftLogger: RaftLogger | undefined;

  constructor(seed: number, params: SimParams, raftLogger?: RaftLogger) {
    this.raftLogger = raftLogger;
    this.rand = seededRand(seed);
    this.params = params;
    this.net = new SimNetwork(this.rand, { ...params.faults });
    this.net.onDrop = (m, reason) => {
      if (m.type === "MsgSnap") this.reports.push({ from: m.from, to: m.to, kind: "snapFailed" });
      else if (reason !== "lost") this.reports.push({ from: m.from, to: m.to, kind: "unreachable" });
    };
    const voters: NodeId[] = [];
    for (let i = 0; i < params.nodes; i++) voters.push(this.newId());
    const boot = new KvStateMachine(1, 1, CHAIN_START, { voters });
    this.checker = new SafetyChecker(1, 1, boot.hash);
    for (const id of voters) {
      const storage = new MemoryStorage();
      // Bootstrap as etcd-raft's interaction tests do: a shared snapshot at index 1 holding the voters.
      storage.applySnapshot({ metadata: { index: 1, term: 1, confState: { voters } }, data: boot.encode() });
      storage.setHardState({ term: 1, vote: "", commit: 1 });
      this.addNode(id, storage, KvStateMachine.decode(boot.encode()));
      this.members.add(id);
    }
  }

  newId(): NodeId {
    return (this.nextNodeNum++).toString(16);
  }

  addNode(id: NodeId, storage: MemoryStorage, sm: KvStateMachine): SimNode {
    const node = new SimNode(id, storage, sm);
    this.nodes.set(id, node);
    this.startNode(node);
    return node;
  }

  private startNode(node: SimNode): void {
    const r = seededRand(this.rand.int(4294967296));
    node.start(this.params.raft, r.next, this.raftLogger);
    this.checker.onRestart(node.id, node.sm.appliedIndex);
    if (node.isLeader) {
      this.wakeStats.resumedLeaders++;
      if (!this.resumedAt.has(node.term)) this.resumedAt.set(node.term, node.storage.lastIndex());
      // Resumed its leadership from the quiesce record: the checker must see every leader of every term.
      this.checker.onLeader(node.id, node.term);
      this.checker.onLeaderLog(node.id, node.term, node.storage.firstIndex(), node.storage.lastIndex(), (i) => node.storage.term(i), true);
    }
  }

  /** Nodes that exist and were not removed, in creation order. */
  live(): SimNode[] {
    const out: SimNode[] = [];
    for (const n of this.nodes.values()) if (!n.stopped) out.push(n);
    return out;
  }

  up(): SimNode[] {
    return this.live().filter((n) => n.up);
  }

  /** Nodes a request or message can reach: up, or evicted (it restarts them). */
  reachable(): SimNode[] {
    return this.live().filter((n) => n.up || n.evicted);
  }

  /** A Durable Object restarts on the next call: an evicted node handed a message or a request comes back first. */
  private revive(node: SimNode): void {
    if (!node.evicted || node.up) return;
    node.restarts++;
    this.startNode(node);
  }

  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (!n.stopped && n.isLeader && (best === undefined || n.term > best.term)) best = n;
    }
    return best;
  }

  pickOne<T>(xs: readonly T[]): T | undefined {
    return xs.length === 0 ? undefined : xs[this.rand.int(xs.length)];
  }

  // ---- Ready draining ----

  drain(): void {
    for (let round = 0; round === 0 || this.reports.length > 0; round++) {
      if (round > readiesPerStepMax) throw new SimViolation("ready loop", `transport reports keep coming after ${round} rounds`);
      this.stepReports();
      for (const n of this.nodes.values()) {
        let k = 0;
        while (n.handleReady(this.checker, this.net, this, "all")) {
          if (++k > readiesPerStepMax) throw new SimViolation("ready loop", `${n.id} returned more than ${readiesPerStepMax} Readies in one step`);
        }
      }
    }
    this.checkElectable();
    while (this.toStop.length > 0) {
      const id = this.toStop.pop()!;
      const n = this.nodes.get(id);
      if (n !== undefined && !n.stopped) {
        n.crash();
        n.stopped = true;
        this.net.dropTo(id);
      }
    }
  }

  private checkElectable(): void {
    const voters: VoterLog[] = [];
    for (const id of this.members) {
      const n = this.nodes.get(id);
      if (n !== undefined && !n.stopped) voters.push(n.voterLog());
    }
    this.checker.onElectable(voters);
  }

  private stepReports(): void {
    const reports = this.reports.splice(0);
    for (const r of reports) {
      const raft = this.nodes.get(r.from)?.raft;
      if (raft === undefined) continue;
      if (r.kind === "unreachable") raft.reportUnreachable(r.to);
      else raft.reportSnapshot(r.to, r.kind === "snapFailed");
    }
  }

  onApplied(node: SimNode, entry: Entry, payload: string | undefined): void {
    const resumedAt = this.resumedAt.get(entry.term);
    if (resumedAt !== undefined && entry.index > resumedAt && !this.committedByResumed.has(entry.index)) {
      this.committedByResumed.add(entry.index);
      this.wakeStats.committedByResumed++;
    }
    if (payload === undefined) return;
    if (this.pending.get(payload) === node.id) {
      this.pending.delete(payload);
      this.acked.set(payload, entry.index);
    }
  }

  onLeaderQuiesced(): void {
    this.wakeStats.leaderQuiesces++;
  }

  onConfChange(_node: SimNode, entry: Entry, cc: ConfChange): void {
    if (entry.index <= this.lastConfIndex) return;
    this.lastConfIndex = entry.index;
    this.confPendingSinceTick = undefined;
    if (cc.type === "addNode") {
      this.members.add(cc.nodeId);
    } else {
      this.members.delete(cc.nodeId);
      // A removed member shuts itself down (etcd does once it learns it was removed).
      this.toStop.push(cc.nodeId);
    }
  }

  // ---- events: each returns a short trace description ----

  deliver(): string {
    const item = this.net.take();
    if (item === undefined) return this.tick();
    const m = item.msg;
    const desc = `deliver ${m.type} ${m.from}->${m.to} t${m.term} i${m.index} n${m.entries.length} c${m.commit}${m.reject ? " rej" : ""}`;
    const to = this.nodes.get(m.to);
    if (to !== undefined) this.revive(to);
    if (to?.raft === undefined) {
      this.net.onDrop?.(m, "down");
      return `${desc} (dest down)`;
    }
    if (m.type === "MsgSnap") this.reports.push({ from: m.from, to: m.to, kind: "snapOk" });
    try {
      to.raft.step(m);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      return `${desc} (${e.message})`;
    }
    return desc;
  }

  tick(): string {
    this.net.now++;
    const skip = this.params.tickSkipP;
    for (const n of this.nodes.values()) {
      if (n.raft !== undefined && !(skip > 0 && this.rand.chance(skip))) n.raft.tick();
    }
    return `tick`;
  }

  /** Proposes through `via` (a random up node by default); followers forward to the leader. */
  propose(via?: SimNode, payload?: string): string {
    const node = via ?? this.pickOne(this.params.raft.quiesceAfterTicks ? this.reachable() : this.up());
    if (node !== undefined) this.revive(node);
    if (node?.raft === undefined) return "propose (no node up)";
    const n = this.proposalNum++;
    const p = payload ?? `k${n % 16}=${n}`;
    try {
      node.raft.propose(asciiBytes(p));
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      return `propose ${p} via ${node.id} dropped`;
    }
    this.pending.set(p, node.id);
    return `propose ${p} via ${node.id}`;
  }

  /**
   * Crash a node. Sometimes first let it take one input (a waiting message, else a tick) and
   * run part of the Ready loop, so the crash lands between persist, send and apply.
   */
  crash(): string {
    // Leaders half the time: leader churn is where the subtle bugs (figure 8) live.
    const leader = this.leader();
    const node = leader !== undefined && this.rand.chance(0.5) ? leader : this.pickOne(this.up());
    if (node?.raft === undefined) return "crash (none up)";
    const mode = this.rand.int(4);
    if (mode > 0) {
      const item = this.net.takeTo(node.id);
      if (item === undefined) {
        node.raft.tick();
      } else {
        // The receiver dies before it could persist (let alone ack) a snapshot: the sender's
        // transport sees the stream fail.
        if (item.msg.type === "MsgSnap") this.reports.push({ from: item.msg.from, to: node.id, kind: "snapFailed" });
        try {
          node.raft.step(item.msg);
        } catch (e) {
          if (!(e instanceof RaftError)) throw e;
        }
      }
      const phase: ReadyPhase | undefined = mode === 1 ? undefined : mode === 2 ? "persist" : "send";
      if (phase !== undefined) node.handleReady(this.checker, this.net, this, phase);
    }
    node.crash();
    this.net.dropTo(node.id);
    return `crash ${node.id} mode ${mode}`;
  }

  restart(): string {
    const node = this.pickOne(this.live().filter((n) => !n.up));
    if (node === undefined) return "restart (none down)";
    node.restarts++;
    this.startNode(node);
    return `restart ${node.id} applied ${node.sm.appliedIndex}${node.isLeader ? ` resumed leader of term ${node.term}` : ""}`;
  }

  evict(): string {
    return evictEvent(this);
  }

  idleSpell(): string {
    return idleSpellEvent(this);
  }

  clockJump(): string {
    return clockJumpEvent(this);
  }

  restartAll(): void {
    for (const n of this.live()) if (!n.up) this.startNode(n);
  }

  /** Members asleep, for the trace. */
  quiescedIds(): string[] {
    return this.up().filter((n) => n.raft!.quiesced).map((n) => n.id);
  }

  partition(): string {
    return partitionEvent(this);
  }

  heal(): string {
    this.net.heal();
    return "heal";
  }

  compact(): string {
    const node = this.pickOne(this.up());
    if (node === undefined) return "compact (none up)";
    const keep = this.rand.chance(0.5) ? 0 : this.rand.int(4);
    return node.compact(keep) ? `compact ${node.id} to ${node.storage.firstIndex() - 1}` : `compact ${node.id} (nothing)`;
  }

  confChange(): string {
    return confChangeEvent(this);
  }

  transferLeader(): string {
    const leader = this.leader();
    const to = this.pickOne([...this.members].filter((id) => id !== leader?.id));
    if (leader?.raft === undefined || to === undefined) return "transfer (no leader)";
    leader.raft.transferLeader(to);
    return `transfer ${leader.id} -> ${to}`;
  }
}
