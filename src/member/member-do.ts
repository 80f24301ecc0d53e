/**
 * The member Durable Object: the only code that touches Durable Object APIs. It hosts one
 * Replica (raft + store over this object's SQLite), drives time with one alarm, carries peer
 * messages over RPC and feeds watch events to Worker isolates over hibernatable WebSockets.
 *
 * RPC methods return failures as values (MemberReply), never throw for expected conditions.
 *
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { durableObjectName, parseClusterConfig, type ClusterConfig } from "../cluster/config.js";
import { bootstrapFromDiscovery } from "./discovery-bootstrap.js";
import { v2Request } from "../store/apply.js";
import type { V2Request } from "../store/types.js";
import { bootstrapMember } from "./bootstrap.js";
import type { Env } from "./env.js";
import { Replica, type ReplicaOutput } from "./replica.js";
import type { ConfChangeType } from "../raft/types.js";
import type { MemberContext } from "./proposal.js";
import type { Faults, MemberAddress, MemberChangeReply, MemberReply, PeerReply, MemberStatus, PeerBatch, SnapshotPage, StoreStats, WatchAddReply, WatchRegistration } from "./rpc-types.js";
import { schema } from "./schema.js";
import type { Access, AuthLookup } from "../auth/types.js";
import type { MemberInfo } from "./membership.js";
import { MemberMeta } from "./member-meta.js";
import { PeerStats } from "./peer-stats.js";
import { goDurationString, goRfc3339NanoUtc } from "../http/go-parse.js";
import { captureSnapshot, stagePage, steppable } from "./snapshot-pages.js";
import { backupFormatVersion, decodeBackup, encodeBackup, restoreMember, type RestorePlan } from "./backup.js";
import { Transport, canTalk } from "./transport.js";
import { applyPendingForceNewCluster, destroyMember, isDestroyed, memberDestroyedMessage, rejoinMember, requestForceNewCluster, type ForceNewClusterOutcome } from "./force-new-cluster.js";
import { WatchHub } from "./watch-hub.js";
import type { V3Read } from "../http/v3-handler.js";
import type { V3Command } from "../v3/types.js";
import type { WatchFilter } from "../v3/watch.js";
import { v3Read, v3Status, v3WatchPoll, v3Write, type V3MemberReply, type V3PollReply, type V3StatusReply } from "./v3-rpc.js";
import { Histogram, memberMetrics, walFsyncBucketsSeconds, type MemberMetrics } from "./metrics.js";

export class Member extends DurableObject<Env> {
  private readonly config: ClusterConfig;
  private readonly meta: MemberMeta;
  private replica: Replica | null = null;
  private transport: Transport | null = null;
  private readonly watches: WatchHub;
  private armedAtMs: number | null = null;
  private readonly introduced = new Map<string, MemberInfo>();
  private readonly peerStats = new PeerStats(Date.now());
  /** GET /metrics: in memory, reset when this object restarts. */
  private readonly walFsync = new Histogram(walFsyncBucketsSeconds);
  private requestsServed = 0;
  private alarmWakeups = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    for (const ddl of schema) ctx.storage.sql.exec(ddl);
    this.config = parseClusterConfig(env);
    this.meta = new MemberMeta(ctx.storage.sql);
    this.watches = new WatchHub(ctx, this.config.eventHistoryMax);
    this.settleRecovery();
    const name = this.meta.name;
    if (name) this.open({ token: this.meta.token, name });
  }

  // ---- peer RPC ----

  async peer(to: MemberAddress, batch: PeerBatch): Promise<PeerReply> {
    const replica = await this.member(to);
    if (replica.removed) return {}; // a removed member no longer takes part
    if (!this.transport || !canTalk(this.transport.faults, batch.from.name, to.name)) return {};
    // etcd's rafthttp answers a removed member "410 Gone"; the member then stops.
    if (batch.from.id && replica.membership.isRemoved(batch.from.id)) return { removed: true };
    const messages = steppable(this.ctx.storage.sql, batch.messages);
    // A member that joined at runtime learns who its peers are from their first messages,
    // before it has replayed the log that records them.
    if (batch.from.id && !replica.membership.get(batch.from.id)) {
      this.introduced.set(batch.from.id, { id: batch.from.id, name: batch.from.name, peerURLs: [], clientURLs: [] });
    }
    this.peerStats.recvAppendRequestCnt += messages.filter((m) => m.type === "MsgApp").length;
    this.carry(replica, replica.step(messages));
    return {};
  }

  async snapshotPage(to: MemberAddress, page: SnapshotPage): Promise<void> {
    await this.member(to);
    stagePage(this.ctx.storage.sql, page.snap, page.page, page.pages, page.data);
  }

  // ---- client RPC (from the front Worker) ----

  /** `access`: the client's permission question, checked when the entry applies; null for the cluster's own writes. */
  async propose(to: MemberAddress, requestId: string, req: V2Request, access: Access | null): Promise<MemberReply> {
    const replica = await this.member(to);
    return this.input(replica, replica.propose(requestId, req, access));
  }

  async changeMembership(to: MemberAddress, type: ConfChangeType, nodeId: string, ctx: MemberContext & { requestId: string }): Promise<MemberChangeReply> {
    const replica = await this.member(to);
    return this.input(replica, replica.changeMembership(type, nodeId, ctx));
  }

  async read(to: MemberAddress, req: V2Request, access: Access | null): Promise<MemberReply> {
    const replica = await this.member(to);
    if (replica.removed) return { kind: "removed" };
    return replica.read(req, access);
  }

  async quorumRead(to: MemberAddress, req: V2Request, access: Access | null): Promise<MemberReply> {
    const replica = await this.member(to);
    return this.input(replica, replica.quorumRead(req, crypto.randomUUID(), access));
  }

  /** The auth switch and one user's stored record, as this member knows them (credential checks). */
  async authLookup(to: MemberAddress, user: string): Promise<AuthLookup> {
    const replica = await this.member(to);
    return replica.stateMachine.authLookup(user);
  }

  async status(to: MemberAddress): Promise<MemberStatus> {
    const replica = await this.member(to);
    return { ...replica.status(), alarmAtMs: await this.ctx.storage.getAlarm() };
  }

  async members(to: MemberAddress): Promise<{ members: MemberInfo[]; leader: string }> {
    const replica = await this.member(to);
    return { members: replica.membership.list(), leader: replica.status().leader };
  }

  /** /v2/stats/self, in etcd's field order (rates are omitted: always 0 here). */
  async selfStats(to: MemberAddress): Promise<Record<string, unknown>> {
    const replica = await this.member(to);
    const s = replica.status();
    const now = Date.now();
    return {
      name: s.name,
      id: s.id,
      state: s.role,
      startTime: goRfc3339NanoUtc(this.peerStats.startTimeMs),
      leaderInfo: { leader: s.leader, uptime: goDurationString(now - s.leaderSinceMs), startTime: goRfc3339NanoUtc(s.leaderSinceMs) },
      recvAppendRequestCnt: this.peerStats.recvAppendRequestCnt,
      sendAppendRequestCnt: this.peerStats.sendAppendRequestCnt,
    };
  }

  /** /v2/stats/leader, or null when this member is not the leader. */
  async leaderStats(to: MemberAddress): Promise<Record<string, unknown> | null> {
    const replica = await this.member(to);
    const s = replica.status();
    if (s.role !== "StateLeader") return null;
    return this.peerStats.leaderJson(s.id, s.voters);
  }

  async storeStats(to: MemberAddress): Promise<StoreStats> {
    const replica = await this.member(to);
    return replica.stateMachine.stats();
  }

  /** GET /metrics: this member's counters, gauges and histograms (src/member/metrics.ts). */
  async metrics(to: MemberAddress): Promise<MemberMetrics> {
    const replica = await this.member(to);
    return memberMetrics({
      status: replica.status(),
      counters: replica.metricsCounters(),
      store: replica.stateMachine.stats(),
      watchers: this.watches.watcherCount(),
      walFsync: this.walFsync,
      peerRoundTrip: this.peerStats.roundTrip,
      requestsServed: this.requestsServed,
      alarmWakeups: this.alarmWakeups,
      storageBytes: this.ctx.storage.sql.databaseSize,
    });
  }

  // ---- the v3 key space (src/member/v3-rpc.ts) ----

  async v3Write(to: MemberAddress, requestId: string, cmd: V3Command): Promise<V3MemberReply> {
    const replica = await this.member(to);
    return this.input(replica, v3Write(replica, this.meta.clusterId, requestId, cmd));
  }

  async v3Read(to: MemberAddress, req: V3Read, serializable: boolean): Promise<V3MemberReply> {
    const replica = await this.member(to);
    return this.input(replica, v3Read(replica, this.meta.clusterId, req, serializable, crypto.randomUUID(), Date.now()));
  }

  /** Watch events from `from` on, waiting up to `waitMs` for new revisions. */
  async v3WatchPoll(to: MemberAddress, from: number, filter: WatchFilter, waitMs: number): Promise<V3PollReply> {
    const replica = await this.member(to);
    return v3WatchPoll(replica, this.meta.clusterId, from, filter, waitMs);
  }

  async v3Status(to: MemberAddress): Promise<V3StatusReply> {
    const replica = await this.member(to);
    return v3Status(replica, this.meta.clusterId, this.ctx.storage.sql.databaseSize);
  }

  // ---- backup and restore (admin, through the Worker's root-only routes) ----

  /** A linearizable copy of the state: on the leader, after a ReadIndex, captured at once. */
  async backup(to: MemberAddress): Promise<{ kind: "done"; backup: Uint8Array } | { kind: "notLeader"; leader: string } | { kind: "timeout" }> {
    const replica = await this.member(to);
    if (!replica.isLeader()) return { kind: "notLeader", leader: replica.leaderName() };
    const probe = await this.quorumRead(to, v2Request({ method: "QGET" }), null);
    if (probe.kind !== "done") return probe.kind === "notLeader" ? probe : { kind: "timeout" };
    const s = replica.status();
    const header = { version: backupFormatVersion, clusterId: this.meta.clusterId, raftIndex: s.applied, raftTerm: s.term, etcdIndex: replica.stateMachine.index(), createdAtMs: Date.now() };
    return { kind: "done", backup: encodeBackup({ header, pages: captureSnapshot(this.ctx.storage.sql) }) };
  }

  /** Re-bootstrap this member in place from a backup (force-new-cluster). */
  async restore(to: MemberAddress, backupBytes: Uint8Array, plan: RestorePlan): Promise<{ ok: boolean; message?: string }> {
    await this.member(to);
    const backup = decodeBackup(backupBytes);
    if (!backup) return { ok: false, message: "not a backup of this format" };
    this.ctx.storage.transactionSync(() => restoreMember(this.ctx.storage.sql, backup, plan));
    this.watches.closeAll();
    this.replica = null;
    this.open(to);
    return { ok: true };
  }

  // ---- recovery from quorum loss (force-new-cluster) and lost machines (src/member/force-new-cluster.ts) ----

  private destroyed = false;
  /** The last force-new-cluster conversion this object ran when it started, for the admin route. */
  private lastForceNewCluster: ForceNewClusterOutcome = null;

  /** Before the Replica opens: a destroyed member stays empty; a requested conversion runs now. */
  private settleRecovery(): void {
    const sql = this.ctx.storage.sql;
    if (isDestroyed(sql)) {
      // Writes a Replica deferred before it was dropped may have landed after the wipe.
      this.ctx.storage.transactionSync(() => destroyMember(sql, Date.now()));
      this.destroyed = true;
      return;
    }
    this.lastForceNewCluster = this.ctx.storage.transactionSync(() => applyPendingForceNewCluster(sql, Date.now()));
  }

  /** What this object holds, without starting it (so a destroyed member is never re-bootstrapped). */
  async lifecycle(_to: MemberAddress): Promise<{ destroyed: boolean; id: string }> {
    return { destroyed: this.destroyed, id: this.meta.id };
  }

  /** A lost machine: every table emptied, a tombstone left, the object restarted without state. */
  async destroy(_to: MemberAddress): Promise<void> {
    this.ctx.storage.transactionSync(() => destroyMember(this.ctx.storage.sql, Date.now()));
    this.destroyed = true;
    this.replica = null;
    this.transport = null;
    this.introduced.clear();
    this.watches.closeAll();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.sync();
    this.ctx.abort("destroyed: storage wiped");
  }

  /**
   * Make this member a one-member cluster with its data. The conversion runs when the object
   * restarts (settleRecovery), so no Ready of the running Replica can land on top of it; the
   * caller reads the outcome with forceNewClusterOutcome. This call itself ends in the restart.
   */
  async forceNewCluster(to: MemberAddress): Promise<{ ok: false; message: string }> {
    const replica = await this.member(to);
    if (replica.removed) return { ok: false, message: `${to.name} was removed from its cluster` };
    const s = replica.status();
    if (s.applied < s.commit) return { ok: false, message: `${to.name} is still applying committed entries; retry` };
    this.ctx.storage.transactionSync(() => requestForceNewCluster(this.ctx.storage.sql));
    await this.ctx.storage.sync();
    this.ctx.abort("force-new-cluster: restarting as a one-member cluster");
    return { ok: false, message: "restarting" };
  }

  async forceNewClusterOutcome(to: MemberAddress): Promise<ForceNewClusterOutcome> {
    await this.member(to);
    return this.lastForceNewCluster;
  }

  /** Provision a destroyed member again as a new, empty member under a new id; it joins by snapshot. */
  async rejoinAs(to: MemberAddress, id: string, clusterId: string): Promise<{ ok: boolean; message?: string }> {
    if (!this.destroyed || this.replica) return { ok: false, message: `${to.name} is not destroyed: only a wiped member is re-added under a new id` };
    this.ctx.storage.transactionSync(() => rejoinMember(this.ctx.storage.sql, to, id, clusterId));
    this.destroyed = false;
    return { ok: true };
  }

  // ---- fault injection (reachable only through the Worker's ETCD_DEBUG=1 routes) ----

  async setFaults(to: MemberAddress, faults: Faults): Promise<void> {
    await this.member(to);
    this.meta.faults = faults;
    if (this.transport) this.transport.faults = faults;
  }

  async crash(to: MemberAddress): Promise<void> {
    await this.member(to);
    this.ctx.abort("crash requested through the debug route");
  }

  // ---- watches: one hibernatable WebSocket per Worker isolate (a feed), registrations over RPC ----

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/watch-feed") return new Response("not found", { status: 404 });
    await this.member({ token: url.searchParams.get("token") ?? "", name: url.searchParams.get("name") ?? "" });
    return this.watches.openFeed(request);
  }

  async watchAdd(to: MemberAddress, feedId: string, reg: WatchRegistration): Promise<WatchAddReply> {
    const replica = await this.member(to);
    return this.watches.register(replica, feedId, reg);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.watches.message(ws, message);
  }

  override async webSocketClose(ws: WebSocket): Promise<void> {
    this.watches.closed(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.watches.closed(ws);
  }

  // ---- time ----

  override async alarm(): Promise<void> {
    this.alarmWakeups++;
    this.armedAtMs = null;
    if (!this.replica) return;
    this.carry(this.replica, this.replica.tick());
  }

  /**
   * The one place a Replica's output is carried out (etcd's Ready loop, host side): its
   * transaction has committed, so messages go to the transport, events to the watchers, a due
   * Ready is group-committed, and the alarm follows the next deadline. Output of a replica this
   * object has since dropped (restore, destroy) is dropped with it.
   */
  private carry(replica: Replica, out: ReplicaOutput): void {
    if (replica !== this.replica) return;
    for (const { to, messages, snapshotPages } of out.sends) {
      const peer = replica.membership.get(to) ?? this.introduced.get(to);
      if (peer) this.transport?.send(peer, messages, snapshotPages);
    }
    if (out.events.length > 0) this.watches.publish(out.events);
    if (out.readyDue) this.deferReady(() => this.ifLive(replica, () => replica.ready()));
    this.arm(out.deadlineMs);
  }

  /** An input for a replica that may have been dropped since (restore, destroy): a dropped one must not write again. */
  private ifLive(replica: Replica, input: () => ReplicaOutput): void {
    if (replica === this.replica) this.carry(replica, input());
  }

  /** An asynchronous input: carry out what it asked for at once, and again once it is answered. */
  private async input<T>(replica: Replica, reply: Promise<T>): Promise<T> {
    this.carry(replica, replica.takeOutput());
    const out = await reply;
    this.carry(replica, replica.takeOutput());
    return out;
  }

  /**
   * Group commit. A Ready runs at the end of the turn; while its writes are being confirmed
   * (the output gate's flush) the next one waits, so every proposal and ack that arrives in
   * the meantime shares one transaction and one MsgApp per follower — etcd's batching during
   * fsync.
   */
  private deferReady(fn: () => void): void {
    if (this.flushInFlight) {
      this.queuedReady = fn;
      return;
    }
    this.flushInFlight = true;
    setTimeout(() => {
      // The clock inside a Durable Object advances only across I/O: this measures the sync.
      const startedMs = Date.now();
      fn();
      this.ctx.storage
        .sync()
        .catch(ignoreReset)
        .finally(() => {
          this.walFsync.observe((Date.now() - startedMs) / 1000);
          this.flushInFlight = false;
          const next = this.queuedReady;
          this.queuedReady = null;
          if (next) this.deferReady(next);
        });
    }, 0);
  }

  private flushInFlight = false;
  private queuedReady: (() => void) | null = null;

  private arm(deadline: number | null): void {
    if (deadline === null) {
      if (this.armedAtMs !== null) this.ctx.storage.deleteAlarm().catch(ignoreReset);
      this.armedAtMs = null;
      return;
    }
    // Never re-arm at "now" from inside alarm() (workerd#6866): always strictly in the future.
    const at = Math.max(deadline, Date.now() + 1);
    if (this.armedAtMs === at) return;
    this.armedAtMs = at;
    this.ctx.storage.setAlarm(at).catch(ignoreReset);
  }

  // ---- identity and start-up ----

  /** Start a member that may still have to find its cluster through ETCD_DISCOVERY. */
  async boot(to: MemberAddress): Promise<void> {
    await this.member(to);
  }

  private booting: Promise<void> | null = null;

  /**
   * The replica an RPC addresses. Every RPC and watch request starts here. A running member
   * answers at once: the replica opened in the constructor (or at the first call of a new
   * member), so boot and discovery run only for a member that has none yet.
   */
  private async member(to: MemberAddress): Promise<Replica> {
    this.requestsServed++;
    if (this.destroyed) throw new Error(memberDestroyedMessage);
    return this.replica ? this.addressed(this.replica, to) : this.firstStart(to);
  }

  /** First start of this object's member: find the cluster (discovery) if it must, then bootstrap and open. */
  private async firstStart(to: MemberAddress): Promise<Replica> {
    if ((this.config.discoveryUrl || this.config.discoverySrv) && !this.meta.name) {
      this.booting ??= this.discover(to).finally(() => (this.booting = null));
      await this.booting;
      if (this.destroyed) throw new Error(memberDestroyedMessage);
    }
    // Another call may have opened it while discovery ran.
    if (this.replica) return this.addressed(this.replica, to);
    this.ctx.storage.transactionSync(() => bootstrapMember(this.ctx.storage.sql, this.config, to));
    return this.open(to);
  }

  private addressed(replica: Replica, to: MemberAddress): Replica {
    if (to.name !== this.meta.name || to.token !== this.meta.token) {
      throw new Error(`member ${this.meta.token}/${this.meta.name} addressed as ${to.token}/${to.name}`);
    }
    return replica;
  }

  private async discover(to: MemberAddress): Promise<void> {
    // Everyone configured here registers too, so the cluster forms whichever member is asked first.
    for (const m of this.config.members) {
      if (m.name !== to.name) this.ctx.waitUntil(this.env.MEMBER.getByName(durableObjectName(to.token, m.name)).boot({ token: to.token, name: m.name }).catch(() => {}));
    }
    if (this.meta.name) return;
    await bootstrapFromDiscovery(this.ctx.storage, this.config, to);
  }

  private open(self: MemberAddress): Replica {
    const sql = this.ctx.storage.sql;
    const timing = {
      tickMs: this.config.heartbeatIntervalMs,
      electionTicks: Math.round(this.config.electionTimeoutMs / this.config.heartbeatIntervalMs),
      snapshotCount: this.config.snapshotCount,
    };
    const transport = new Transport(this.env, { ...self, id: this.meta.id }, (p) => this.ctx.waitUntil(p), {
      unreachable: (id) => this.ifLive(replica, () => replica.reportUnreachable(id)),
      snapshotStatus: (id, failed) => this.ifLive(replica, () => replica.reportSnapshot(id, failed)),
      removed: () => this.ifLive(replica, () => replica.markRemoved()),
    }, this.peerStats);
    transport.faults = this.meta.faults;
    this.transport = transport;
    const replica: Replica = new Replica(
      {
        sql,
        transactionSync: (fn) => this.ctx.storage.transactionSync(fn),
        now: () => Date.now(),
        rand: Math.random,
        watchers: this.watches,
      },
      this.meta.id,
      timing,
    );
    this.replica = replica;
    this.carry(replica, replica.start());
    return replica;
  }
}

/**
 * Alarm writes are storage writes: the output gate holds every reply until they are durable, so
 * nothing waits on them. They fail only when this object is being reset, and then it restarts
 * from storage and re-arms.
 */
function ignoreReset(): void {}
