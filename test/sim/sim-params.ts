/**
 * Per-seed "swarm" parameters (TigerBeetle VOPR style): each seed draws its own fault
 * mix and raft settings, so 2,000 seeds cover quiet networks, lossy ones, crash storms and
 * partition storms instead of one average blend.
 *
 * @module
 */
import type { Rand } from "../../src/util/rand.js";
import type { NetworkFaults } from "./sim-network.js";
import type { RaftOptions } from "./sim-node.js";

/** Relative weights of the step loop's events (0 = never). */
export interface EventWeights {
  deliver: number;
  tick: number;
  propose: number;
  crash: number;
  restart: number;
  partition: number;
  heal: number;
  compact: number;
  confChange: number;
  transferLeader: number;
  /** Idle members lose their memory (a Durable Object evicted while quiesced); a message or request restarts them. */
  evict: number;
  /** One member's clock leaps: a burst of ticks at once (the shell caps a burst at 3 election timeouts). */
  clockJump: number;
  /** The clients go quiet: time passes and messages flow, nothing is proposed; then maybe everyone idle is evicted. */
  idleSpell: number;
}

export interface SimParams {
  nodes: number;
  raft: RaftOptions;
  faults: NetworkFaults;
  weights: EventWeights;
  /** Probability that a node misses a tick (clock skew between members). */
  tickSkipP: number;
}

function pick<T>(rand: Rand, xs: readonly T[]): T {
  return xs[rand.int(xs.length)]!;
}

/**
 * `wake` turns on quiescence and the wake path (the shipped configuration) with its events.
 * Off, a seed draws and runs exactly as before they existed, so seeds pinned then still
 * reach their scenarios.
 */
export function drawParams(rand: Rand, nodes?: number, wake = true): SimParams {
  const electionTick = pick(rand, [10, 10, 5, 20]);
  const params: SimParams = {
    nodes: nodes ?? pick(rand, [3, 5]),
    raft: {
      electionTick,
      heartbeatTick: pick(rand, [1, 1, 2]),
      checkQuorum: rand.chance(0.5),
      preVote: rand.chance(0.5),
      maxSizePerMsgBytes: pick(rand, [1, 64, 1024 * 1024]),
      maxInflightMsgs: pick(rand, [1, 4, 256]),
    },
    faults: {
      dropP: rand.chance(0.2) ? 0 : rand.next() * 0.3,
      dupP: rand.chance(0.5) ? 0 : rand.next() * 0.1,
      delayTicksMax: pick(rand, [0, 0, 1, 3, 8]),
      reorder: rand.chance(0.5),
    },
    weights: {
      deliver: 60,
      tick: pick(rand, [10, 20, 40]),
      propose: pick(rand, [5, 10, 20]),
      crash: pick(rand, [0, 0.3, 1, 3]),
      restart: pick(rand, [1, 3, 10]),
      partition: pick(rand, [0, 0.5, 2]),
      heal: pick(rand, [0.5, 2, 5]),
      compact: pick(rand, [0, 2, 5]),
      confChange: pick(rand, [0, 0.5, 1.5]),
      transferLeader: pick(rand, [0, 0, 0.3]),
      evict: 0,
      clockJump: 0,
      idleSpell: 0,
    },
    tickSkipP: rand.chance(0.5) ? 0 : rand.next() * 0.2,
  };
  if (!wake) return params;
  // Drawn after everything else, so the draws above are the same with and without the wake path.
  params.raft.quiesceAfterTicks = pick(rand, [1, 3, 3, 5]);
  params.weights.evict = pick(rand, [0.5, 2, 5]);
  params.weights.clockJump = pick(rand, [0, 0.2, 1]);
  params.weights.idleSpell = pick(rand, [0.5, 1, 2]);
  return params;
}
