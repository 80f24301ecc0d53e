/**
 * Per-seed "swarm" parameters of the member simulator: each seed draws its own fault mix and
 * limits (one entry per append message, tiny snapshot thresholds), so seeds cover quiet
 * clusters, lossy networks, crash storms and storage faults rather than one average blend.
 *
 * @module
 */
import type { Rand } from "../../../src/util/rand.js";

export interface MemberWeights {
  deliver: number;
  tick: number;
  ready: number;
  sync: number;
  propose: number;
  quorumRead: number;
  localRead: number;
  crash: number;
  restart: number;
  evict: number;
  partition: number;
  heal: number;
  clockJump: number;
  confChange: number;
  staleTail: number;
  corrupt: number;
  /** A member's alarms stop firing for a while (a late Durable Object alarm): its raft clock stalls. */
  alarmDelay: number;
  /** The leader is cut off from every other member and its alarms stall: it keeps believing it leads. */
  isolateLeader: number;
  /** Clients go quiet while time passes and messages flow; then maybe every idle member is evicted. */
  idleSpell: number;
}

export interface MemberParams {
  nodes: number;
  electionTicks: number;
  snapshotCount: number;
  maxSizePerMsgBytes: number;
  maxInflightMsgs: number;
  keys: number;
  faults: { dropP: number; dupP: number; delayTicksMax: number; reorder: boolean };
  tickSkipP: number;
  /** Probability that a member crashes right after handling a delivered batch (and syncing). */
  crashAfterDeliverP: number;
  weights: MemberWeights;
}

function pick<T>(rand: Rand, xs: readonly T[]): T {
  return xs[rand.int(xs.length)]!;
}

export function drawMemberParams(rand: Rand): MemberParams {
  return {
    nodes: pick(rand, [3, 3, 5]),
    electionTicks: pick(rand, [10, 5, 10, 20]),
    snapshotCount: pick(rand, [5, 8, 30]),
    maxSizePerMsgBytes: pick(rand, [1, 1 << 20]),
    maxInflightMsgs: pick(rand, [1, 4, 256]),
    keys: pick(rand, [1, 3, 10]),
    faults: {
      dropP: rand.chance(0.3) ? 0 : rand.next() * 0.3,
      dupP: rand.chance(0.5) ? 0 : rand.next() * 0.1,
      delayTicksMax: pick(rand, [0, 1, 3]),
      reorder: rand.chance(0.5),
    },
    tickSkipP: rand.chance(0.5) ? 0 : rand.next() * 0.2,
    crashAfterDeliverP: pick(rand, [0, 0.005, 0.02]),
    weights: {
      deliver: 60,
      tick: pick(rand, [20, 40, 60]),
      ready: 30,
      sync: 30,
      propose: pick(rand, [5, 10, 20]),
      quorumRead: pick(rand, [5, 10, 20]),
      localRead: 2,
      crash: pick(rand, [0.1, 0.3, 1]),
      restart: pick(rand, [1, 3, 10]),
      evict: pick(rand, [0, 1, 3]),
      partition: pick(rand, [0, 0.2, 0.5]),
      heal: pick(rand, [0.5, 1, 2]),
      clockJump: pick(rand, [0, 0.3, 1]),
      confChange: pick(rand, [0, 0.3, 1]),
      staleTail: pick(rand, [0, 1, 3]),
      corrupt: pick(rand, [0, 0, 0.2]),
      idleSpell: pick(rand, [0, 0.3, 1]),
      alarmDelay: pick(rand, [0, 0.3, 1]),
      isolateLeader: pick(rand, [0, 0.2, 0.5]),
    },
  };
}
