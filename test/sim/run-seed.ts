/**
 * Runs one seed: a fault phase of `steps` random events with invariant checks after each,
 * then a liveness phase. A seed fully determines the run; `traceHash` fingerprints it.
 *
 * Liveness (VOPR style), precisely: at the end of the fault phase every partition is healed,
 * drops/duplicates/delays/clock skew are switched off and every crashed (not removed) node is
 * restarted. Then, within `livenessElectionTimeouts` election timeouts (counted in ticks), a
 * fresh proposal must commit, and every member of the committed configuration must have the
 * same commit index, equal to the last committed index anywhere, and have applied it.
 *
 * @module
 */
import { seededRand } from "../../src/util/rand.js";
import { SimViolation } from "./sim-checker.js";
import { SimCluster } from "./sim-cluster.js";
import { Tracer, traceTailLines } from "./tracer.js";
import { drawParams, type EventWeights, type SimParams } from "./sim-params.js";

export const livenessElectionTimeouts = 10;
/**
 * Without PreVote a member with a stale log keeps starting elections at ever higher terms:
 * every up-to-date member it reaches becomes a follower again and restarts its randomized
 * timer, and with CheckQuorum a stale member also deposes leaders below its term. Elections
 * still succeed once an up-to-date member draws the shortest timeout, but it takes longer.
 * Measured over seeds 1..20000 (1000 steps, raft-core dd2b2e8): at most 13 election timeouts
 * without PreVote (seed 3878), 3.8 with it (seed 12040).
 */
export const livenessElectionTimeoutsNoPreVote = 20;
/** Deliveries per liveness round before it ticks anyway (a message storm must not hang a run). */
const deliveriesPerRoundMax = 5000;

export interface RunOptions {
  steps: number;
  /** Force the cluster size (3 or 5); otherwise the seed picks. */
  nodes?: number;
  /** Keep every trace line (for determinism tests and debugging). */
  traceAll?: boolean;
  /** Interleave raft's own log lines into the trace. */
  raftLog?: boolean;
  /**
   * Quiescence, eviction and the wake path (default on, as the member ships). Off, a seed runs
   * exactly as it did before they existed (seeds pinned then still reach their scenarios).
   */
  wake?: boolean;
}

export interface SeedResult {
  seed: number;
  steps: number;
  params: SimParams;
  violation?: { invariant: string; message: string; step: number };
  traceTail: string[];
  trace?: string[];
  traceHash: number;
  acked: number;
  committedIndex: number;
  wake: SimCluster["wakeStats"];
  livenessTicks: number;
}

type EventName = keyof EventWeights;
const eventNames: EventName[] = [
  "deliver", "tick", "propose", "crash", "restart", "partition", "heal", "compact", "confChange", "transferLeader",
  "evict", "clockJump", "idleSpell",
];

function pickEvent(c: SimCluster): EventName {
  const w = c.params.weights;
  let total = 0;
  const ws: number[] = [];
  const downCount = c.live().length - c.up().length;
  for (const name of eventNames) {
    let x = w[name];
    if (name === "deliver" && !c.net.hasDeliverable()) x = 0;
    if (name === "restart" && downCount === 0) x = 0;
    if (name === "heal" && !c.net.partitioned) x = 0;
    ws.push(x);
    total += x;
  }
  let r = c.rand.next() * total;
  for (let i = 0; i < ws.length; i++) {
    r -= ws[i]!;
    if (r < 0) return eventNames[i]!;
  }
  return "tick";
}

function runEvent(c: SimCluster, e: EventName): string {
  switch (e) {
    case "deliver": return c.deliver();
    case "tick": return c.tick();
    case "propose": return c.propose();
    case "crash": return c.crash();
    case "restart": return c.restart();
    case "partition": return c.partition();
    case "heal": return c.heal();
    case "compact": return c.compact();
    case "confChange": return c.confChange();
    case "transferLeader": return c.transferLeader();
    case "evict": return c.evict();
    case "clockJump": return c.clockJump();
    case "idleSpell": return c.idleSpell();
  }
}

/** Heals everything and drives the cluster until it converges; throws on a missed bound. */
function liveness(c: SimCluster, seed: number, tr: Tracer): number {
  c.net.heal();
  c.net.faults = { dropP: 0, dupP: 0, delayTicksMax: 0, reorder: c.net.faults.reorder };
  c.params.tickSkipP = 0;
  c.restartAll();
  c.drain();
  tr.line(`liveness: healed, restarted all; members {${[...c.members].join(",")}}`);
  const fresh = `live=${seed}`;
  const electionTick = c.params.raft.electionTick;
  const raft = c.params.raft;
  const timeouts = raft.preVote ? livenessElectionTimeouts : livenessElectionTimeoutsNoPreVote;
  const ticksMax = timeouts * electionTick;
  let proposedAt = -Infinity;
  for (let t = 0; t <= ticksMax; t++) {
    for (let k = 0; k < deliveriesPerRoundMax && c.net.hasDeliverable(); k++) {
      tr.line(`liveness t${t}: ${c.deliver()}`);
      c.drain();
    }
    const leader = c.leader();
    // Asleep, nobody campaigns until asked: with no leader in sight, the client tries any member
    // (its request wakes it; a member that knows a leader forwards it there).
    const via = leader ?? (c.params.raft.quiesceAfterTicks ? c.pickOne(c.up()) : undefined);
    if (!c.acked.has(fresh) && via !== undefined && c.net.now - proposedAt >= electionTick) {
      tr.line(`liveness t${t}: ${c.propose(via, fresh)}`);
      c.drain();
      proposedAt = c.net.now;
    }
    if (converged(c, fresh)) return t;
    tr.line(`liveness t${t}: ${c.tick()}`);
    c.drain();
  }
  const lag = [...c.members].map((id) => {
    const n = c.nodes.get(id);
    return `${id}:${n?.raftState ?? "missing"} term ${n?.term} commit ${n?.commit} applied ${n?.sm.appliedIndex}`;
  });
  throw new SimViolation(
    "liveness",
    `no convergence within ${ticksMax} ticks after heal (fresh proposal ${c.acked.has(fresh) ? "committed" : "not committed"}; committed ${c.checker.committedIndex}; ${lag.join("; ")})`,
  );
}

function converged(c: SimCluster, fresh: string): boolean {
  if (!c.acked.has(fresh)) return false;
  const want = c.checker.committedIndex;
  for (const id of c.members) {
    const n = c.nodes.get(id);
    if (n?.raft === undefined || n.commit !== want || n.sm.appliedIndex !== want) return false;
  }
  return true;
}

export function runSeed(seed: number, opts: RunOptions): SeedResult {
  const params = drawParams(seededRand(seed ^ 0x5eed5eed), opts.nodes, opts.wake ?? true);
  const tr = new Tracer(opts.traceAll === true);
  let c: SimCluster | undefined;
  let step = 0;
  let livenessTicks = 0;
  let violation: SeedResult["violation"];
  try {
    const log = (l: string): void => tr.line(`  raft ${l}`);
    c = new SimCluster(seed, params, opts.raftLog === true ? { debug: log, info: log } : undefined);
    c.trace = (l) => tr.line(`  ${l}`);
    c.drain();
    for (step = 1; step <= opts.steps; step++) {
      const e = pickEvent(c);
      const desc = runEvent(c, e);
      tr.line(`${step} @${c.net.now} ${desc}`);
      c.drain();
    }
    step = opts.steps;
    livenessTicks = liveness(c, seed, tr);
  } catch (e) {
    const err = e as Error;
    const invariant = e instanceof SimViolation ? e.invariant : "core threw";
    const where = e instanceof SimViolation ? "" : ` at ${(err.stack ?? "").split("\n").slice(1, 3).join(" / ").trim()}`;
    violation = { invariant, message: `${err.message}${where}`, step };
    tr.line(`VIOLATION at step ${step}: ${violation.message}`);
  }
  const result: SeedResult = {
    seed,
    steps: Math.min(step, opts.steps),
    params,
    traceTail: tr.tail.slice(-traceTailLines),
    traceHash: tr.hash,
    acked: c?.acked.size ?? 0,
    wake: c?.wakeStats ?? { leaderQuiesces: 0, evictions: 0, resumedLeaders: 0, committedByResumed: 0 },
    committedIndex: c?.checker.committedIndex ?? 0,
    livenessTicks,
  };
  if (violation !== undefined) result.violation = violation;
  if (tr.all !== undefined) result.trace = tr.all;
  return result;
}
