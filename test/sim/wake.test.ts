// The simulator's view of the wake path: it must see every leader a restart resumes, or a
// broken resume could make two leaders of one term without anyone noticing.
import { describe, expect, it } from "vitest";
import { SimViolation } from "./sim-checker.js";
import { SimCluster } from "./sim-cluster.js";
import { drawParams } from "./sim-params.js";
import { seededRand } from "../../src/util/rand.js";
import { NO_FAULTS } from "./sim-network.js";

function quietCluster(): SimCluster {
  const params = drawParams(seededRand(1), 3);
  params.faults = { ...NO_FAULTS };
  params.tickSkipP = 0;
  params.raft = { ...params.raft, electionTick: 10, heartbeatTick: 1, checkQuorum: true, preVote: true, quiesceAfterTicks: 3 };
  return new SimCluster(7, params);
}

function settle(c: SimCluster, ticks: number): void {
  for (let t = 0; t < ticks; t++) {
    while (c.net.hasDeliverable()) {
      c.deliver();
      c.drain();
    }
    c.tick();
    c.drain();
  }
}

describe("the wake path in the simulator", () => {
  it("an idle cluster evicted whole wakes with the same leader and term, without a vote", () => {
    const c = quietCluster();
    settle(c, 40);
    const leader = c.leader()!;
    const term = leader.term;
    c.propose(leader, "a=1");
    settle(c, 10);
    expect(c.quiescedIds().length).toBe(3);
    expect(c.idleSpell()).toContain("asleep {1,2,3}");
    for (let i = 0; i < 20 && c.up().length > 0; i++) c.idleSpell();
    expect(c.up().length).toBe(0);
    const sent: string[] = [];
    const send = c.net.send.bind(c.net);
    c.net.send = (m) => {
      sent.push(m.type);
      send(m);
    };
    c.propose(c.nodes.get(leader.id)!, "b=2");
    c.drain();
    while (c.net.hasDeliverable()) {
      c.deliver();
      c.drain();
    }
    expect(c.acked.has("b=2")).toBe(true);
    expect(c.leader()?.id).toBe(leader.id);
    expect(c.leader()?.term).toBe(term);
    expect(sent.filter((t) => t.includes("Vote"))).toEqual([]);
  });

  it("a member restarting as leader of a term it did not win is caught (election safety)", () => {
    const c = quietCluster();
    settle(c, 40);
    const leader = c.leader()!;
    const follower = c.up().find((n) => n.id !== leader.id)!;
    // Forge what a broken shell might persist: "I sleep as leader" on a mere follower.
    const hs = follower.storage.initialState().hardState;
    follower.storage.setHardState({ ...hs, quiescedUnder: follower.id });
    follower.crash();
    expect(() => c.restart()).toThrow(SimViolation);
  });
});
