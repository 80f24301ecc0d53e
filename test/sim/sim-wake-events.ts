/**
 * The simulator's events for quiescence and waking: evictions, idle spells and clock jumps.
 * They model a Durable Object dropped by the platform while it sleeps (memory lost, storage
 * kept; the next message or request restarts it) and a member's clock leaping. Split from the
 * cluster like sim-events.ts; they only use the cluster's public surface.
 *
 * @module
 */
import type { SimCluster } from "./sim-cluster.js";
import type { ReadyPhase, SimNode } from "./sim-node.js";

/** Deliveries per tick of an idle spell (a message storm must not hang a run). */
const deliveriesPerIdleTickMax = 1000;

function evictAll(c: SimCluster, nodes: readonly SimNode[]): void {
  c.wakeStats.evictions += nodes.length;
  for (const n of nodes) {
    n.crash();
    n.evicted = true;
    c.net.dropTo(n.id);
  }
}

/**
 * Eviction: idle (quiesced) members lose their memory and keep their storage, all of them at
 * once or one. Sometimes a client request reaches the one first, and the eviction lands in the
 * middle of its waking (between persist, send and apply), as a crash would.
 */
export function evictEvent(c: SimCluster): string {
  const idle = c.up().filter((n) => n.raft!.quiesced);
  if (idle.length === 0) return "evict (none idle)";
  const all = c.rand.chance(0.5);
  const victims = all ? idle : [c.pickOne(idle)!];
  let how = "";
  if (!all && c.rand.chance(0.3)) {
    const node = victims[0]!;
    how = ` mid-wake (${c.propose(node)})`;
    const phase: ReadyPhase = c.rand.chance(0.5) ? "persist" : "send";
    node.handleReady(c.checker, c.net, c, phase);
  }
  evictAll(c, victims);
  return `evict ${victims.map((n) => n.id).join(",")}${how}`;
}

/**
 * The clients go quiet: for up to 3 election timeouts, deliver what is due and tick, proposing
 * nothing (faults stay on). A settled group quiesces. Half the time the spell ends as a long
 * one does on the platform: everyone asleep is evicted.
 */
export function idleSpellEvent(c: SimCluster): string {
  const ticksMax = 3 * c.params.raft.electionTick;
  let ticks = 0;
  for (; ticks < ticksMax; ticks++) {
    for (let k = 0; k < deliveriesPerIdleTickMax && c.net.hasDeliverable(); k++) {
      c.trace(`idle: ${c.deliver()}`);
      c.drain();
    }
    const up = c.up();
    if (up.length > 0 && up.every((n) => n.raft!.quiesced)) break;
    c.trace(`idle: ${c.tick()}`);
    c.drain();
  }
  const asleep = c.up().filter((n) => n.raft!.quiesced);
  const evict = asleep.length > 0 && c.rand.chance(0.5);
  if (evict) evictAll(c, asleep);
  return `idle spell ${ticks} ticks: asleep {${asleep.map((n) => n.id).join(",")}}${evict ? ", evicted" : ""}`;
}

/** One member's clock leaps forward: a burst of ticks (the shell caps one at 3 election timeouts). */
export function clockJumpEvent(c: SimCluster): string {
  const node = c.pickOne(c.up());
  if (node?.raft === undefined) return "clock jump (none up)";
  const ticks = 1 + c.rand.int(3 * c.params.raft.electionTick);
  for (let i = 0; i < ticks; i++) node.raft.tick();
  return `clock jump ${node.id} +${ticks} ticks`;
}
