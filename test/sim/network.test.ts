import { describe, expect, it } from "vitest";
import type { Message } from "../../src/raft/types.js";
import { seededRand } from "../../src/util/rand.js";
import { SimNetwork, NO_FAULTS } from "./sim-network.js";

function msg(from: string, to: string, index: number): Message {
  return { type: "MsgApp", from, to, term: 1, logTerm: 1, index, entries: [], commit: 0, reject: false, rejectHint: 0 };
}

function drain(net: SimNetwork): number[] {
  const out: number[] = [];
  for (let m = net.take(); m !== undefined; m = net.take()) out.push(m.msg.index);
  return out;
}

describe("SimNetwork", () => {
  it("delivers in order without faults", () => {
    const net = new SimNetwork(seededRand(1), NO_FAULTS);
    for (let i = 0; i < 10; i++) net.send(msg("1", "2", i));
    expect(drain(net)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("drops, duplicates and reorders as configured, reproducibly per seed", () => {
    const run = (seed: number): number[] => {
      const net = new SimNetwork(seededRand(seed), { dropP: 0.3, dupP: 0.2, delayTicksMax: 0, reorder: true });
      for (let i = 0; i < 200; i++) net.send(msg("1", "2", i));
      return drain(net);
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
    const distinct = new Set(a);
    expect(distinct.size).toBeLessThan(180); // some dropped
    expect(a.length).toBeGreaterThan(distinct.size); // some duplicated
    expect(a).not.toEqual([...a].sort((x, y) => x - y)); // reordered
  });

  it("holds delayed messages until their tick", () => {
    const net = new SimNetwork(seededRand(3), { ...NO_FAULTS, delayTicksMax: 5 });
    for (let i = 0; i < 50; i++) net.send(msg("1", "2", i));
    const now = drain(net).length;
    expect(now).toBeLessThan(50);
    net.now += 5;
    expect(now + drain(net).length).toBe(50);
  });

  it("partitions both ways, blocks one way, and heals", () => {
    const net = new SimNetwork(seededRand(1), NO_FAULTS);
    net.partition(["1"], ["2", "3"]);
    net.send(msg("1", "2", 1));
    net.send(msg("3", "1", 2));
    net.send(msg("2", "3", 3));
    expect(drain(net)).toEqual([3]);
    net.heal();
    net.blockOneWay("1", "2");
    net.send(msg("1", "2", 4));
    net.send(msg("2", "1", 5));
    expect(drain(net)).toEqual([5]);
    // A message sent before the cut is lost when the cut is in place at delivery.
    net.heal();
    net.send(msg("1", "3", 6));
    net.partition(["1"], ["3"]);
    expect(drain(net)).toEqual([]);
    expect(net.partitioned).toBe(true);
    net.heal();
    expect(net.partitioned).toBe(false);
  });

  it("loses messages to a crashed node", () => {
    const net = new SimNetwork(seededRand(1), NO_FAULTS);
    net.send(msg("1", "2", 1));
    net.send(msg("1", "3", 2));
    net.dropTo("2");
    expect(drain(net)).toEqual([2]);
  });
});
