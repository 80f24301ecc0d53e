/**
 * Runs one seed of the member simulator: a fault phase of `steps` random events with every
 * invariant checked after each (member-checker.ts), then liveness: everything healed and
 * restarted, no more faults, and within `livenessElectionTimeouts` election timeouts a fresh
 * write is acknowledged, every member of the configuration has applied the last committed
 * index, and every acknowledged write is in the committed log.
 *
 * Async only so that promise callbacks (client replies) run between steps; the order of
 * everything is fixed by the seed.
 *
 * @module
 */
import { seededRand } from "../../../src/util/rand.js";
import { SimViolation } from "../sim-checker.js";
import { Tracer, traceTailLines } from "../tracer.js";
import { MemberCluster, tickMs } from "./member-cluster.js";
import { drawMemberParams, type MemberParams, type MemberWeights } from "./member-params.js";
import { SimTimers } from "./sim-timers.js";
import { limits } from "../../../src/member/replica.js";
import { readLog } from "./member-checker.js";
import { corrupt, staleTail } from "./member-storage-faults.js";

export const livenessElectionTimeouts = 20;

export interface MemberSeedResult {
  seed: number;
  steps: number;
  params: MemberParams;
  violation?: { invariant: string; message: string; step: number };
  traceTail: string[];
  trace?: string[];
  traceHash: number;
  stats: MemberCluster["stats"] & MemberCluster["checker"]["stats"];
}

type EventName = keyof MemberWeights;
const eventNames: EventName[] = [
  "deliver", "tick", "ready", "sync", "propose", "quorumRead", "localRead", "crash", "restart", "evict", "partition", "heal",
  "clockJump", "confChange", "staleTail", "corrupt", "idleSpell", "alarmDelay", "isolateLeader",
];

const realSetImmediate = setImmediate;
/** Lets promise callbacks (replies) run; the simulated timers are not involved. */
const settle = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve));

function pickEvent(c: MemberCluster): EventName {
  const w = c.params.weights;
  const ms = [...c.members.values()];
  let total = 0;
  const ws = eventNames.map((name) => {
    let x = w[name];
    if (name === "deliver" && !c.hasDeliverable()) x = 0;
    if (name === "ready" && !ms.some((m) => m.deferred.length > 0)) x = 0;
    if (name === "sync" && !ms.some((m) => m.held.length > 0)) x = 0;
    if (name === "restart" && !ms.some((m) => m.down && !m.dead)) x = 0;
    if (name === "heal" && c.groups === null) x = 0;
    total += x;
    return x;
  });
  let r = c.rand.next() * total;
  for (let i = 0; i < ws.length; i++) {
    r -= ws[i]!;
    if (r < 0) return eventNames[i]!;
  }
  return "tick";
}

/** One tick of time: what is on the wire first (at most 200 messages), then the tick, each carried out. */
async function deliverThenTick(c: MemberCluster): Promise<void> {
  for (let k = 0; k < 200 && c.hasDeliverable(); k++) {
    c.deliver();
    await drain(c);
  }
  c.tick();
  await drain(c);
}

async function idleSpell(c: MemberCluster): Promise<string> {
  const ticks = 1 + c.rand.int(3 * c.params.electionTicks);
  for (let t = 0; t < ticks; t++) {
    await deliverThenTick(c);
    c.checker.check(c.views());
  }
  const evicted = c.rand.chance(0.5) ? `; ${c.evict()}` : "";
  return `idle spell: ${ticks} ticks${evicted}`;
}

/**
 * ReadIndex under a partition: the leader is cut off and its alarms stall, so it still believes
 * it leads, while the others elect a new leader and acknowledge a write. A quorum read at the
 * old leader must then not answer from its stale state (it can only time out or step down).
 */
async function isolateLeader(c: MemberCluster): Promise<string> {
  const old = c.upMembers().find((m) => m.replica?.isLeader());
  if (!old) return "isolate leader: no leader";
  const ackedBefore = c.checker.stats.acks;
  c.isolate(old);
  old.alarmsHeldUntil = Infinity;
  let outcome = "no new leader";
  const ticksMax = 6 * c.params.electionTicks;
  for (let t = 0; t < ticksMax; t++) {
    await deliverThenTick(c);
    c.checker.check(c.views());
    const fresh = c.upMembers().find((m) => m !== old && m.replica?.isLeader());
    if (!fresh) continue;
    if (c.checker.stats.acks === ackedBefore) {
      if (t % 3 === 0) c.propose(fresh);
      continue;
    }
    outcome = `${fresh.name} leads and acknowledged a write; ${c.quorumRead(old)}`;
    for (let u = 0; u < 2 * c.params.electionTicks; u++) {
      await deliverThenTick(c);
      c.throwIfFailed();
    }
    break;
  }
  old.alarmsHeldUntil = 0;
  c.groups = null;
  return `isolate leader ${old.name}: ${outcome}; healed`;
}

async function runEvent(c: MemberCluster, e: EventName): Promise<string> {
  switch (e) {
    case "idleSpell": return idleSpell(c);
    case "alarmDelay": return c.alarmDelay();
    case "isolateLeader": return isolateLeader(c);
    case "deliver": return c.deliver();
    case "tick": return c.tick();
    case "ready": {
      const m = c.pickOne([...c.members.values()].filter((x) => x.deferred.length > 0))!;
      c.runDeferred(m);
      return `ready ${m.name}`;
    }
    case "sync": {
      const m = c.pickOne([...c.members.values()].filter((x) => x.held.length > 0))!;
      const n = m.held.length;
      c.sync(m);
      return `sync ${m.name} (${n} held released)`;
    }
    case "propose": return c.propose();
    case "quorumRead": return c.quorumRead();
    case "localRead": return c.localRead();
    case "crash": return c.crash();
    case "restart": return c.restart();
    case "evict": return c.evict();
    case "partition": return c.partition();
    case "heal": return c.heal();
    case "clockJump": return c.clockJump();
    case "confChange": return c.confChange();
    case "staleTail": return staleTail(c);
    case "corrupt": return corrupt(c);
  }
}

/** Runs every deferred Ready and sync until nothing is pending (the platform catching up). */
async function drain(c: MemberCluster): Promise<void> {
  for (let round = 0; round < 100; round++) {
    let busy = false;
    for (const m of c.members.values()) {
      if (m.deferred.length > 0) {
        c.runDeferred(m);
        busy = true;
      }
      if (m.held.length > 0) {
        c.sync(m);
        busy = true;
      }
    }
    await settle();
    if (!busy) return;
  }
}

async function liveness(c: MemberCluster, seed: number, tr: Tracer): Promise<void> {
  c.settle();
  tr.line("liveness: healed, restarted every member that can run");
  const ticksMax = livenessElectionTimeouts * c.params.electionTicks;
  const fresh = `live-${seed}`;
  let proposedAt = -Infinity;
  for (let t = 0; t <= ticksMax; t++) {
    for (let k = 0; k < 5000 && c.hasDeliverable(); k++) {
      tr.line(`liveness t${t}: ${c.deliver()}`);
      await drain(c);
      c.checker.check(c.views());
    }
    await drain(c);
    if (!c.checker.acked.has(fresh) && c.now - proposedAt >= c.params.electionTicks * tickMs) {
      tr.line(`liveness t${t}: ${c.propose(undefined, fresh)}`);
      proposedAt = c.now;
      await drain(c);
    }
    c.throwIfFailed();
    if (converged(c, fresh)) {
      c.checker.checkAcked(true, (id) => c.appliedAt(id));
      return;
    }
    tr.line(`liveness t${t}: ${c.tick()}`);
    await drain(c);
    c.checker.check(c.views());
  }
  const lag = c.views().map((v) => `${c.members.get(v.id)!.name}:${v.role} term ${v.term} commit ${v.commit} applied ${v.applied}`);
  throw new SimViolation("liveness", `no convergence within ${ticksMax} ticks after heal (fresh write ${c.checker.acked.has(fresh) ? "acknowledged" : "not acknowledged"}; ${lag.join("; ")})`);
}

function converged(c: MemberCluster, fresh: string): boolean {
  if (!c.checker.acked.has(fresh)) return false;
  const views = c.views();
  const leader = views.find((v) => v.role === "StateLeader");
  if (!leader) return false;
  const voters = c.members.get(leader.id)!.replica!.status().voters;
  for (const id of voters) {
    const m = c.members.get(id);
    if (!m || m.dead) continue;
    const v = views.find((x) => x.id === id);
    if (!v || v.commit !== leader.commit || v.applied !== leader.commit) return false;
  }
  return true;
}

export interface MemberRunOptions {
  steps: number;
  traceAll?: boolean;
}

export async function runMemberSeed(seed: number, opts: MemberRunOptions): Promise<MemberSeedResult> {
  const params = drawMemberParams(seededRand(seed ^ 0x3e3be5));
  const tr = new Tracer(opts.traceAll === true);
  const savedLimits = { ...limits };
  let c: MemberCluster | undefined;
  const timers = new SimTimers(0);
  let step = 0;
  let violation: MemberSeedResult["violation"];
  timers.install();
  try {
    c = new MemberCluster(seed, params, timers);
    timers.advanceTo(c.now);
    c.trace = (l) => tr.line(`  ${l}`);
    await drain(c);
    for (step = 1; step <= opts.steps; step++) {
      const e = pickEvent(c);
      const desc = await runEvent(c, e);
      await settle();
      tr.line(`${step} @${c.now} ${desc}`);
      c.throwIfFailed();
      c.checker.check(c.views());
      c.checker.checkAcked(false, () => undefined);
    }
    step = opts.steps;
    await liveness(c, seed, tr);
  } catch (e) {
    const err = e as Error;
    const invariant = e instanceof SimViolation ? e.invariant : "member threw";
    const where = e instanceof SimViolation ? "" : ` at ${(err.stack ?? "").split("\n").slice(1, 4).join(" / ").trim()}`;
    violation = { invariant, message: `${err.message}${where}`, step };
    if (c) {
      for (const m of c.members.values()) {
        if (m.dead) continue;
        const log = readLog(m.sql).map((r) => `${r.idx}:${r.term}:${(r.crc >>> 0).toString(16).slice(0, 4)}`).join(" ");
        const hs = m.sql.exec("SELECT key, value FROM meta WHERE key IN ('hs_term', 'hs_vote', 'hs_commit', 'applied', 'snap_index', 'hs_quiesced_under') ORDER BY key").toArray();
        tr.line(`  ${m.name} (${m.id}) ${m.down ? "down" : m.replica ? m.replica.status().role : "evicted"}: ${hs.map((r) => `${String(r.key)}=${String(r.value)}`).join(" ")} log ${log}`);
      }
    }
    tr.line(`VIOLATION at step ${step}: ${violation.message}`);
  } finally {
    timers.uninstall();
    Object.assign(limits, savedLimits);
    c?.close();
  }
  const result: MemberSeedResult = {
    seed,
    steps: Math.min(step, opts.steps),
    params,
    traceTail: tr.tail.slice(-traceTailLines),
    traceHash: tr.hash,
    stats: { ...(c?.stats ?? ({} as MemberCluster["stats"])), ...(c?.checker.stats ?? ({} as MemberCluster["checker"]["stats"])) },
  };
  if (violation !== undefined) result.violation = violation;
  if (tr.all !== undefined) result.trace = tr.all;
  return result;
}
