/**
 * A cluster of the shipped members (`Replica` with its `SqlRaftStorage` and v2 `StateMachine`)
 * over real SQLite (test/support/node-sql.ts), driven by one seed. This file stands in for what
 * member-do.ts and transport.ts do on the platform, and nothing else:
 * - each member's writes are durable only at its next sync; until then its outgoing messages,
 *   client replies and watch events wait (the output gate). A crash loses the unsynced writes
 *   and everything that waited on them;
 * - a crashed or evicted member restarts from its database when a message or request reaches
 *   it (as a Durable Object does); `Replica.start()` runs as the object's constructor would;
 * - every input's output (ReplicaOutput) is carried out as the object's `carry` does: sends and
 *   events are held by the output gate; a due Ready (`readyDue`) runs when the simulator
 *   chooses, so client requests and acks that arrive in between share one Ready;
 * - peer batches go over a faulty network (drop, duplicate, delay, reorder, partition); a
 *   MsgSnap's pages go one by one before it, staged in `snapshot_pages` exactly as the Durable
 *   Object's snapshotPage RPC does, so a crash or drop can land mid-transfer;
 * - the transport reports unreachable peers and snapshot status back, as transport.ts does.
 *
 * @module
 */
import { Replica, limits, type ReplicaEnv, type ReplicaOutput } from "../../../src/member/replica.js";
import { bootstrapMember } from "../../../src/member/bootstrap.js";
import { stagePage, steppable } from "../../../src/member/snapshot-pages.js";
import { v2Request } from "../../../src/store/apply.js";
import type { ClusterConfig, MemberConfig } from "../../../src/cluster/config.js";
import { computeClusterId, computeMemberId } from "../../../src/cluster/ids.js";
import type { Message } from "../../../src/raft/types.js";
import type { Published } from "../../../src/member/state-machine.js";
import type { MemberReply } from "../../../src/member/rpc-types.js";
import { seededRand, type Rand } from "../../../src/util/rand.js";
import { memberDb, type NodeSql } from "../../support/node-sql.js";
import { MemberChecker, readLog, type MemberView } from "./member-checker.js";
import type { MemberParams } from "./member-params.js";
import type { SimTimers } from "./sim-timers.js";

const token = "sim";
export const tickMs = 100;

interface Packet {
  seq: number;
  from: string;
  to: string;
  messages: Message[];
  pages: Uint8Array[] | null;
  /** Pages already staged at the receiver. */
  pagesSent: number;
  deliverAt: number;
}

/** Something the output gate holds until the member's next sync. */
type Held = { kind: "send"; to: string; messages: Message[]; pages: Uint8Array[] | null } | { kind: "reply"; run: () => void } | { kind: "publish"; events: Published[] };

export class SimMember {
  replica: Replica | null = null;
  incarnation = 0;
  held: Held[] = [];
  deferred: Array<() => void> = [];
  /** Carries out one output of the current incarnation (member-do.ts's carry). */
  carry: (out: ReplicaOutput) => void = () => {};
  clockOffsetMs = 0;
  /** Alarms do not fire before this simulated time (a late alarm). */
  alarmsHeldUntil = 0;
  /** Detected corruption: out of the cluster for good (an operator replaces the machine). */
  dead = false;
  /** Crashed (not evicted): stays down until the simulator restarts it. */
  down = false;
  constructor(readonly id: string, readonly name: string, readonly sql: NodeSql, readonly rand: Rand) {}
}

export class MemberCluster {
  readonly rand: Rand;
  readonly members = new Map<string, SimMember>();
  readonly checker = new MemberChecker();
  readonly config: ClusterConfig;
  now = 1_700_000_000_000;
  private packets: Packet[] = [];
  private seq = 0;
  /** Partition: member id → group number; null when healed. */
  groups: Map<string, number> | null = null;
  trace: (line: string) => void = () => {};
  /** Numbers request ids (client writes, reads, stale entries) within one run. */
  requestSeq = 0;
  /** Client writes not yet acknowledged, retried with the same request id. */
  private pendingWrites = new Map<string, { req: ReturnType<typeof v2Request>; tries: number }>();
  stats = { alarmDelays: 0, leaderEvictions: 0, crashes: 0, lostWrites: 0, evictions: 0, snapshotsSent: 0, snapshotPagesStaged: 0, snapshotsStepped: 0, staleTails: 0, corruptionsDetected: 0, clockJumps: 0, confChanges: 0, readsTimedOut: 0 };
  private nextMemberNo: number;
  faultsOn = true;
  /** A disk was corrupted (one per run: a quorum must survive it). */
  corrupted = false;

  constructor(seed: number, readonly params: MemberParams, private readonly timers: SimTimers) {
    this.rand = seededRand(seed);
    limits.maxSizePerMsgBytes = params.maxSizePerMsgBytes;
    limits.maxInflightMsgs = params.maxInflightMsgs;
    const members: MemberConfig[] = [];
    for (let i = 1; i <= params.nodes; i++) members.push(this.memberConfig(`m${i}`));
    this.nextMemberNo = params.nodes + 1;
    this.config = {
      token,
      state: "new",
      members,
      clusterId: computeClusterId(members.map((m) => m.id)),
      heartbeatIntervalMs: tickMs,
      electionTimeoutMs: tickMs * params.electionTicks,
      snapshotCount: params.snapshotCount,
      eventHistoryMax: 1000,
      debug: false,
      discoveryUrl: "",
      discoverySrv: "",
      dohUrl: "",
    };
    for (const m of members) this.addMember(m, this.config);
  }

  private memberConfig(name: string): MemberConfig {
    const peerURL = `http://${name}`;
    return { name, peerURL, locationHint: "", id: computeMemberId([peerURL], token) };
  }

  private addMember(m: MemberConfig, config: ClusterConfig): SimMember {
    const sql = memberDb({ durable: true });
    sql.transactionSync(() => bootstrapMember(sql, config, { token, name: m.name, id: m.id }));
    sql.sync();
    const member = new SimMember(m.id, m.name, sql, seededRand(this.rand.int(2 ** 31)));
    this.members.set(m.id, member);
    return member;
  }

  // ---- the platform around one member ----

  /** The Durable Object for this member starts (or is already running). */
  open(m: SimMember): Replica | null {
    if (m.dead || m.down) return null;
    if (m.replica) return m.replica;
    m.incarnation++;
    const incarnation = m.incarnation;
    const gate = (h: Held): void => {
      if (m.incarnation === incarnation) m.held.push(h);
    };
    const env: ReplicaEnv = {
      sql: m.sql,
      transactionSync: (fn) => m.sql.transactionSync(fn),
      now: () => this.now + m.clockOffsetMs,
      rand: () => m.rand.next(),
      watchers: { watchedPathsBelow: () => [], watcherCount: () => 1 },
    };
    m.carry = (out) => {
      for (const s of out.sends) gate({ kind: "send", to: s.to, messages: s.messages, pages: s.snapshotPages });
      if (out.events.length > 0) gate({ kind: "publish", events: out.events });
      if (out.readyDue && m.incarnation === incarnation) {
        m.deferred.push(() => {
          if (m.replica) m.carry(m.replica.ready());
        });
      }
    };
    this.checker.onRestart(m.id);
    this.guard(m, () => {
      const replica = new Replica(env, m.id, this.timing());
      m.replica = replica;
      return replica.start();
    });
    return m.replica;
  }

  private timing(): { tickMs: number; electionTicks: number; snapshotCount: number } {
    return { tickMs, electionTicks: this.params.electionTicks, snapshotCount: this.params.snapshotCount };
  }

  /**
   * Runs platform work against a member. A CRC mismatch is the storage telling the member its
   * log is corrupt: like etcd refusing a corrupt WAL, the member stops for good (the check is
   * that it never applied the entry). Anything else is a bug.
   */
  guard(m: SimMember, fn: () => ReplicaOutput | void): void {
    try {
      const out = fn();
      if (out) m.carry(out);
      // What an asynchronous input (propose, reads, membership changes) left to carry out.
      if (m.replica && !m.dead) m.carry(m.replica.takeOutput());
    } catch (e) {
      this.failed(m, e);
    }
  }

  private failed(m: SimMember, e: unknown): void {
    if (!(e instanceof Error) || !/CRC mismatch/.test(e.message)) throw e;
    if (m.dead) return;
    this.trace(`${m.name} detected corruption: ${e.message}; out for good`);
    this.stats.corruptionsDetected++;
    this.kill(m, false);
    m.dead = true;
  }

  /** An async input (propose, quorum read) threw: the same rules, reported after the step. */
  private asyncFailure: unknown = null;

  /** Runs `then` with the reply of an async input; whatever either throws is reported after the step. */
  watch<T>(m: SimMember, p: Promise<T> | undefined, then: (value: T) => void = () => {}): void {
    if (!p) return;
    p.then(then, (e: unknown) => this.failed(m, e)).catch((bug: unknown) => {
      this.asyncFailure ??= bug;
    });
  }

  throwIfFailed(): void {
    if (this.asyncFailure !== null) throw this.asyncFailure;
  }

  /** The output gate opens: writes so far are durable; held messages, replies and events go out. */
  sync(m: SimMember): void {
    m.sql.sync();
    if (m.replica && !m.dead) {
      const views = this.views();
      const mine = views.find((v) => v.id === m.id);
      if (mine) this.checker.checkDurable(mine, views);
    }
    const held = m.held;
    m.held = [];
    for (const h of held) {
      if (h.kind === "send") this.enqueue(m.id, h.to, h.messages, h.pages);
      else if (h.kind === "reply") h.run();
      else this.checker.onPublish(m.id, h.events);
    }
  }

  /** The object goes away: `lose` drops the writes since its last sync (a crash), else it syncs first (an eviction). */
  kill(m: SimMember, lose: boolean): void {
    if (lose) {
      if (m.held.length > 0 || m.deferred.length > 0) this.stats.lostWrites++;
      m.sql.loseUnsynced();
    } else if (!m.dead) {
      this.sync(m);
    }
    m.held = [];
    m.deferred = [];
    m.replica = null;
    m.incarnation++;
  }

  runDeferred(m: SimMember): void {
    const fns = m.deferred;
    m.deferred = [];
    if (!m.replica) return;
    for (const fn of fns) this.guard(m, fn);
  }

  // ---- network ----

  private enqueue(from: string, to: string, messages: Message[], pages: Uint8Array[] | null): void {
    const f = this.params.faults;
    const delay = this.faultsOn && f.delayTicksMax > 0 ? this.rand.int(f.delayTicksMax + 1) * tickMs : 0;
    const copies = this.faultsOn && this.rand.chance(f.dupP) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.packets.push({ seq: this.seq++, from, to, messages, pages, pagesSent: 0, deliverAt: this.now + delay });
    }
    if (pages) this.stats.snapshotsSent++;
  }

  hasDeliverable(): boolean {
    return this.packets.some((p) => p.deliverAt <= this.now);
  }

  canTalk(a: string, b: string): boolean {
    return this.groups === null || a === b || this.groups.get(a) === this.groups.get(b);
  }

  /** Delivers one packet (or one snapshot page of it). */
  deliver(): string {
    const ready = this.packets.filter((p) => p.deliverAt <= this.now);
    if (ready.length === 0) return "deliver: nothing";
    const p = this.params.faults.reorder && this.faultsOn ? ready[this.rand.int(ready.length)]! : ready.reduce((a, b) => (a.seq < b.seq ? a : b));
    const from = this.members.get(p.from)!;
    const to = this.members.get(p.to);
    const snap = p.messages.find((m) => m.type === "MsgSnap");
    // As transport.ts: a failed RPC reports the peer unreachable (and a snapshot failed); a
    // partition drops silently, except that a snapshot is reported failed.
    const drop = (why: string, unreachable: boolean): string => {
      this.packets = this.packets.filter((q) => q !== p);
      if ((unreachable || snap) && from.replica) {
        const r = from.replica;
        this.guard(from, () => {
          if (snap) from.carry(r.reportSnapshot(p.to, true));
          if (unreachable) from.carry(r.reportUnreachable(p.to));
        });
      }
      return `deliver ${from.name}→${to?.name ?? p.to}: ${why}`;
    };
    if (!to || !this.canTalk(p.from, p.to)) return drop("partitioned", false);
    if (this.faultsOn && this.rand.chance(this.params.faults.dropP)) return drop("dropped", this.rand.chance(0.5));
    const replica = this.open(to);
    if (!replica) return drop(to.dead ? "receiver dead" : "receiver down", true);
    if (p.pages && snap?.snapshot && p.pagesSent < p.pages.length) {
      const snapName = new TextDecoder().decode(snap.snapshot.data);
      const page = p.pagesSent++;
      stagePage(to.sql, snapName, page, p.pages.length, p.pages[page]!);
      this.stats.snapshotPagesStaged++;
      // The page call returns only once the output gate opens: the page is on disk before the next.
      this.sync(to);
      return `deliver ${from.name}→${to.name}: snapshot ${snapName} page ${page + 1}/${p.pages.length}`;
    }
    this.packets = this.packets.filter((q) => q !== p);
    if (replica.removed) return `deliver ${from.name}→${to.name}: receiver removed`;
    if (replica.membership.isRemoved(p.from)) {
      const r = from.replica;
      if (r) this.guard(from, () => r.markRemoved());
      return `deliver ${from.name}→${to.name}: sender removed`;
    }
    const messages = steppable(to.sql, p.messages);
    this.guard(to, () => replica.step(messages));
    if (snap && messages.includes(snap)) {
      this.stats.snapshotsStepped++;
      if (from.replica) {
        const r = from.replica;
        this.guard(from, () => r.reportSnapshot(p.to, false));
      }
    }
    let after = "";
    if (this.faultsOn && this.rand.chance(this.params.crashAfterDeliverP) && to.replica) {
      // The receiver handles the batch, its write reaches disk and its answers leave, then it
      // dies: whatever it did not write down is forgotten (a vote, an append).
      this.runDeferred(to);
      if (!to.dead) {
        this.sync(to);
        this.kill(to, true);
        to.down = true;
        this.stats.crashes++;
        after = "; receiver crashed after its Ready";
      }
    }
    return `deliver ${from.name}→${to.name}${after}: ${p.messages.map((m) => `${m.type}(t${m.term} i${m.index} c${m.commit}${m.entries.length ? ` +${m.entries.length}` : ""})`).join(" ")}`;
  }

  // ---- time ----

  /** One tick of wall-clock time: alarms that are due fire, client timeouts fire. */
  tick(): string {
    this.now += tickMs;
    for (const m of this.members.values()) {
      if (!m.replica) continue;
      if (this.faultsOn && (this.rand.chance(this.params.tickSkipP) || m.alarmsHeldUntil > this.now)) continue;
      const r = m.replica;
      const deadline = r.nextDeadlineMs();
      if (deadline !== null && deadline <= this.now + m.clockOffsetMs) this.guard(m, () => r.tick());
    }
    this.timers.advanceTo(this.now);
    return `tick`;
  }

  alarmDelay(): string {
    const m = this.pickOne(this.upMembers(), (x) => x.replica?.isLeader() === true);
    if (!m) return "alarm delay: nobody";
    const ms = (1 + this.rand.int(3 * this.params.electionTicks)) * tickMs;
    m.alarmsHeldUntil = this.now + ms;
    this.stats.alarmDelays++;
    return `alarm delay: ${m.name} ${ms}ms`;
  }

  /** Cuts one member off from all others (the client still reaches it). */
  isolate(m: SimMember): void {
    this.groups = new Map([...this.members.keys()].map((id) => [id, id === m.id ? 1 : 0]));
  }

  clockJump(): string {
    const m = this.pickOne(this.upMembers());
    if (!m) return "clock jump: nobody";
    const ms = (1 + this.rand.int(3 * this.params.electionTicks)) * tickMs;
    m.clockOffsetMs += ms;
    this.stats.clockJumps++;
    return `clock jump: ${m.name} +${ms}ms`;
  }

  // ---- clients ----

  private newRequest(): ReturnType<typeof v2Request> {
    const key = `/1/k${this.rand.int(this.params.keys)}`;
    const kind = this.rand.int(10);
    const val = `v${this.requestSeq}`;
    if (kind === 0) return v2Request({ method: "DELETE", path: key, timeMs: this.now });
    if (kind <= 2) {
      const ttlMs = (1 + this.rand.int(3)) * 1000;
      return v2Request({ method: "PUT", path: key, val, expirationMs: this.now + ttlMs, timeMs: this.now });
    }
    if (kind === 3) return v2Request({ method: "POST", path: "/1/queue", val, timeMs: this.now });
    return v2Request({ method: "PUT", path: key, val, timeMs: this.now });
  }

  /** A client write, or a retry of one, through any member (the leader serves it). */
  propose(via?: SimMember, forceId?: string): string {
    let id: string;
    let req: ReturnType<typeof v2Request>;
    const retry = forceId ?? (this.pendingWrites.size > 0 && this.rand.chance(0.3) ? [...this.pendingWrites.keys()][this.rand.int(this.pendingWrites.size)] : undefined);
    if (retry !== undefined && this.pendingWrites.has(retry)) {
      id = retry;
      req = this.pendingWrites.get(retry)!.req;
    } else {
      id = forceId ?? `r${this.requestSeq++}`;
      req = this.newRequest();
      this.pendingWrites.set(id, { req, tries: 0 });
    }
    const m = via ?? this.pickOne(this.reachableForClient(), (x) => x.replica?.isLeader() === true);
    if (!m) return `propose ${id}: nobody up`;
    const replica = this.open(m);
    if (!replica) return `propose ${id}: ${m.name} down`;
    const incarnation = m.incarnation;
    let reply: Promise<MemberReply> | undefined;
    this.guard(m, () => {
      reply = replica.propose(id, req, null);
    });
    this.watch(m, reply, (r) => {
      if (m.incarnation !== incarnation) return;
      m.held.push({
        kind: "reply",
        run: () => {
          this.trace(`reply ${id} from ${m.name}: ${r.kind}${r.kind === "done" ? ` at ${r.raftIndex}` : r.kind === "notLeader" ? ` (${r.leader || "unknown"})` : ""}`);
          if (r.kind !== "done") return;
          this.pendingWrites.delete(id);
          this.checker.onAck(id, r.raftIndex, r.etcdIndex);
        },
      });
    });
    return `propose ${id} ${req.method} ${req.path} via ${m.name}`;
  }

  /** A linearizable read: it must see every write acknowledged before it began. */
  quorumRead(via?: SimMember): string {
    const m = via ?? this.pickOne(this.reachableForClient());
    if (!m) return "quorum read: nobody up";
    const replica = this.open(m);
    if (!replica) return `quorum read: ${m.name} down`;
    const incarnation = m.incarnation;
    const atStart = this.checker.ackedEtcdIndexMax;
    const key = `/1/k${this.rand.int(this.params.keys)}`;
    let reply: Promise<MemberReply> | undefined;
    this.guard(m, () => {
      reply = replica.quorumRead(v2Request({ method: "QGET", path: key }), `q${this.requestSeq++}`, null);
    });
    this.watch(m, reply, (r) => {
      if (m.incarnation !== incarnation) return;
      if (r.kind === "timeout") this.stats.readsTimedOut++;
      if (r.kind === "done") this.checker.onQuorumRead(m.name, atStart, r.etcdIndex);
    });
    return `quorum read ${key} via ${m.name} (acked etcd index ${atStart})`;
  }

  /** A plain (possibly stale) local read: it must answer, never throw. */
  localRead(): string {
    const m = this.pickOne(this.upMembers());
    if (!m?.replica) return "read: nobody up";
    const r = m.replica.read(v2Request({ method: "GET", path: `/1/k${this.rand.int(this.params.keys)}` }), null);
    return `read via ${m.name}: ${r.kind}`;
  }

  // ---- faults ----

  crash(): string {
    const m = this.pickOne(this.upMembers(), (x) => x.replica?.isLeader() === true);
    if (!m) return "crash: nobody";
    const unsynced = m.held.length + m.deferred.length;
    this.kill(m, true);
    m.down = true;
    this.stats.crashes++;
    return `crash ${m.name} (${unsynced} held or deferred lost)`;
  }

  restart(): string {
    const m = this.pickOne([...this.members.values()].filter((x) => x.down && !x.dead));
    if (!m) return "restart: nobody";
    m.down = false;
    this.open(m);
    return `restart ${m.name}`;
  }

  /** Members that are idle (quiesced, nothing held) lose their memory; their storage stays. */
  evict(): string {
    const idle = this.upMembers().filter((m) => m.replica?.status().quiesced && m.held.length === 0 && m.deferred.length === 0);
    if (idle.length === 0) return "evict: nobody idle";
    const victims = this.rand.chance(0.5) ? idle : [this.pickOne(idle)!];
    for (const m of victims) if (m.replica?.isLeader()) this.stats.leaderEvictions++;
    for (const m of victims) this.kill(m, false);
    this.stats.evictions += victims.length;
    return `evict ${victims.map((m) => m.name).join(",")}`;
  }

  partition(): string {
    const ids = [...this.members.keys()];
    this.groups = new Map(ids.map((id) => [id, this.rand.int(2)]));
    return `partition ${ids.map((id) => `${this.members.get(id)!.name}:${this.groups!.get(id)}`).join(" ")}`;
  }

  heal(): string {
    this.groups = null;
    return "heal";
  }

  /** Add or remove one voter through the leader; sometimes the leader crashes right after. */
  confChange(): string {
    const leader = this.upMembers().find((m) => m.replica?.isLeader());
    if (!leader?.replica) return "conf change: no leader";
    const voters = leader.replica.status().voters;
    const requestId = `c${this.requestSeq++}`;
    let what: string;
    let reply: Promise<unknown> | undefined;
    const r = leader.replica;
    if (voters.length <= 3 || (voters.length < 5 && this.rand.chance(0.5))) {
      const mc = this.memberConfig(`m${this.nextMemberNo++}`);
      this.addMember(mc, { ...this.config, state: "existing" });
      this.guard(leader, () => {
        reply = r.changeMembership("addNode", mc.id, { name: mc.name, peerURLs: [mc.peerURL], requestId });
      });
      what = `add ${mc.name}`;
    } else {
      const victim = voters.filter((v) => v !== leader.id)[this.rand.int(voters.length - 1)]!;
      this.guard(leader, () => {
        reply = r.changeMembership("removeNode", victim, { name: "", peerURLs: [], requestId });
      });
      what = `remove ${this.members.get(victim)?.name ?? victim}`;
    }
    this.watch(leader, reply);
    this.stats.confChanges++;
    if (this.rand.chance(0.3)) {
      this.kill(leader, this.rand.chance(0.5));
      leader.down = true;
      this.stats.crashes++;
      return `conf change: ${what} via ${leader.name}, then the leader crashed`;
    }
    return `conf change: ${what} via ${leader.name}`;
  }

  // ---- views ----

  upMembers(): SimMember[] {
    return [...this.members.values()].filter((m) => !m.dead && !m.down && !m.replica?.removed);
  }

  /** Where a client can reach: up, or evicted (a request starts it). */
  reachableForClient(): SimMember[] {
    return this.upMembers();
  }

  voterCount(): number {
    const l = this.upMembers().find((m) => m.replica?.isLeader());
    return l?.replica?.status().voters.length ?? this.params.nodes;
  }

  pickOne<T>(xs: T[], prefer?: (x: T) => boolean): T | undefined {
    if (xs.length === 0) return undefined;
    if (prefer && this.rand.chance(0.7)) {
      const p = xs.filter(prefer);
      if (p.length > 0) return p[this.rand.int(p.length)];
    }
    return xs[this.rand.int(xs.length)];
  }

  views(): MemberView[] {
    const out: MemberView[] = [];
    for (const m of this.members.values()) {
      if (!m.replica || m.dead) continue;
      const s = m.replica.status();
      const version = `${m.incarnation}/${s.lastIndex}/${s.firstIndex}/${s.entriesAppended}/${s.applied}`;
      // The log is re-read only when it may have changed (the SQL reads dominate a step).
      let cached = this.viewCache.get(m.id);
      if (!cached || cached.version !== version) {
        cached = { version, log: readLog(m.sql) };
        this.viewCache.set(m.id, cached);
      }
      // Commit, applied and snapshot as written (the durable checks run right after a sync);
      // raft's in-memory commit can run ahead of the log on disk until its Ready runs.
      const meta = new Map(m.sql.exec("SELECT key, value FROM meta WHERE key IN ('hs_commit', 'applied', 'snap_index', 'snap_term')").toArray().map((r) => [r.key, r.value]));
      const num = (k: string): number => (typeof meta.get(k) === "number" ? (meta.get(k) as number) : 0);
      out.push({
        id: m.id,
        role: s.role,
        term: s.term,
        commit: num("hs_commit"),
        applied: num("applied"),
        snapIndex: num("snap_index"),
        snapTerm: num("snap_term"),
        log: cached.log,
        sql: m.sql,
        version,
      });
    }
    return out;
  }

  private readonly viewCache = new Map<string, { version: string; log: ReturnType<typeof readLog> }>();

  /** Where the leader applied a request id (its `requests` table). */
  appliedAt(id: string): number | undefined {
    const leader = this.upMembers().find((m) => m.replica?.isLeader());
    const row = leader?.sql.exec("SELECT raft_index FROM requests WHERE id = ?", id).toArray()[0];
    return typeof row?.raft_index === "number" ? row.raft_index : undefined;
  }

  /** Liveness: heal everything, restart every member that can run, no more faults. */
  settle(): void {
    this.faultsOn = false;
    this.groups = null;
    for (const m of this.members.values()) {
      if (m.dead) continue;
      m.down = false;
      this.open(m);
    }
  }

  close(): void {
    for (const m of this.members.values()) m.sql.close();
  }
}
