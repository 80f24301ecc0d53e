/**
 * The simulator's structural events: partitions and membership changes. Split from the
 * cluster to keep each file to one concept; they only use the cluster's public surface.
 *
 * @module
 */
import { MemoryStorage } from "../../src/raft/storage.js";
import { RaftError, type ConfChange } from "../../src/raft/types.js";
import type { SimCluster } from "./sim-cluster.js";
import { KvStateMachine } from "./sim-state-machine.js";

/** Single-server removals stop here, so every seed keeps a cluster that can lose a member. */
const membersMin = 3;

/** Cuts links: a majority/minority split, one one-way link, a muted node, or an isolated leader. */
export function partitionEvent(c: SimCluster): string {
  const ids = c.live().map((n) => n.id);
  if (ids.length < 2) return "partition (too few)";
  const kind = c.rand.int(4);
  if (kind === 0) {
    // Majority/minority: shuffle, cut a minority of 1..floor(n/2) off.
    for (let i = ids.length - 1; i > 0; i--) {
      const j = c.rand.int(i + 1);
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    const k = 1 + c.rand.int(Math.floor(ids.length / 2));
    const minority = ids.slice(0, k);
    c.net.partition(minority, ids.slice(k));
    return `partition {${minority.join(",")}} | {${ids.slice(k).join(",")}}`;
  }
  const leader = c.leader();
  if (kind === 3 && leader !== undefined) {
    const rest = ids.filter((x) => x !== leader.id);
    c.net.partition([leader.id], rest);
    return `isolate leader ${leader.id}`;
  }
  const a = c.pickOne(ids)!;
  if (kind === 1) {
    const b = c.pickOne(ids.filter((x) => x !== a))!;
    c.net.blockOneWay(a, b);
    return `block ${a}->${b}`;
  }
  // One-way isolation: `a` hears everyone but nobody hears `a` (a deaf-mute leader's nightmare).
  for (const b of ids) if (b !== a) c.net.blockOneWay(a, b);
  return `mute ${a}`;
}

/** One membership change through the leader: add a fresh empty node, or remove a follower. */
export function confChangeEvent(c: SimCluster): string {
  const leader = c.leader();
  if (leader?.raft === undefined) return "conf change (no leader)";
  const timeout = 5 * c.params.raft.electionTick;
  if (c.confPendingSinceTick !== undefined && c.net.now - c.confPendingSinceTick < timeout) {
    return "conf change (one pending)";
  }
  const size = c.members.size;
  const add = size < c.params.nodes + 2 && (size <= membersMin || c.rand.chance(0.5));
  let cc: ConfChange;
  if (add) {
    cc = { type: "addNode", nodeId: c.newId() };
  } else {
    // Never the leader itself: it would step down with the removal committed only in its
    // own view, and the rest (still counting it) need every survivor's vote to elect anyone.
    // A shell removes a leader by transferring leadership first.
    const victim = c.pickOne([...c.members].filter((id) => id !== leader.id));
    if (victim === undefined || size <= membersMin) return "conf change (too few)";
    cc = { type: "removeNode", nodeId: victim };
  }
  try {
    leader.raft.proposeConfChange(cc);
  } catch (e) {
    if (!(e instanceof RaftError)) throw e;
    return `conf change ${cc.type} ${cc.nodeId} dropped`;
  }
  c.confPendingSinceTick = c.net.now;
  // A joining member starts empty and learns everything (the config first) from the leader.
  if (add) c.addNode(cc.nodeId, new MemoryStorage(), new KvStateMachine());
  return `conf change ${cc.type} ${cc.nodeId} via ${leader.id}`;
}

