import { describe, expect, it } from "vitest";
import { RawNode, MemoryStorage, encodeConfChange, decodeConfChange, ErrProposalDropped, ErrStepLocalMsg, type Config } from "../../src/raft/index.js";
import { newMessage } from "../../src/raft/util.js";

function config(id: string, storage: MemoryStorage, voters: string[]): Config {
  storage.applySnapshot({ metadata: { index: 1, term: 1, confState: { voters } }, data: new Uint8Array(0) });
  return {
    id,
    electionTick: 10,
    heartbeatTick: 1,
    storage,
    maxSizePerMsgBytes: 1024 * 1024,
    maxInflightMsgs: 256,
    checkQuorum: true,
    preVote: true,
    rand: () => 0.5,
  };
}

function persist(rn: RawNode, s: MemoryStorage) {
  const rd = rn.ready();
  if (rd.hardState) s.setHardState(rd.hardState);
  if (rd.snapshot) s.applySnapshot(rd.snapshot);
  s.append(rd.entries);
  rn.advance();
  return rd;
}

describe("RawNode", () => {
  it("conf change encoding round-trips and rejects garbage", () => {
    const cc = { type: "removeNode" as const, nodeId: "8e9e05c52164694d", context: new Uint8Array([1, 2, 3]) };
    expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
    expect(decodeConfChange(encodeConfChange({ type: "addNode", nodeId: "a" }))).toEqual({ type: "addNode", nodeId: "a" });
    expect(() => decodeConfChange(new Uint8Array([9, 1, 0, 1, 65]))).toThrow(/malformed/);
    expect(() => decodeConfChange(new Uint8Array([1, 1, 0, 5, 65]))).toThrow(/malformed/);
  });

  it("rejects local messages from the network and proposals without a leader", () => {
    const s = new MemoryStorage();
    const rn = new RawNode(config("1", s, ["1", "2", "3"]));
    expect(() => rn.step(newMessage("MsgHup", "1", "1"))).toThrow(ErrStepLocalMsg);
    expect(() => rn.propose(new Uint8Array([1]))).toThrow(ErrProposalDropped);
  });

  it("a single node elects itself, commits and applies; Ready reports state only on change", () => {
    const s = new MemoryStorage();
    const rn = new RawNode(config("1", s, ["1"]));
    expect(rn.hasReady()).toBe(false);
    rn.campaign();
    const rd1 = persist(rn, s);
    expect(rd1.softState).toEqual({ lead: "1", raftState: "StateLeader" });
    expect(rd1.hardState).toEqual({ term: 1, vote: "1", commit: 2 });
    expect(rd1.entries.map((e) => e.index)).toEqual([2]);
    expect(rd1.committedEntries.map((e) => e.index)).toEqual([2]);
    expect(rd1.mustSync).toBe(true);
    expect(rn.hasReady()).toBe(false);
    rn.propose(new TextEncoder().encode("a"));
    rn.propose(new TextEncoder().encode("b"));
    const rd2 = persist(rn, s);
    expect(rd2.softState).toBeUndefined();
    expect(rd2.hardState?.commit).toBe(4);
    expect(rd2.committedEntries.map((e) => new TextDecoder().decode(e.data))).toEqual(["a", "b"]);
    expect(rn.status().applied).toBe(4);
    expect(rn.hasReady()).toBe(false);
  });

  it("restarts from storage and config.applied without re-delivering applied entries", () => {
    const s = new MemoryStorage();
    const rn = new RawNode(config("1", s, ["1"]));
    rn.campaign();
    persist(rn, s);
    rn.propose(new Uint8Array([7]));
    persist(rn, s);
    const restarted = new RawNode({ ...config("1", new MemoryStorage(), ["1"]), storage: s, applied: 2 });
    const st = restarted.status();
    expect(st.hardState).toEqual({ term: 1, vote: "1", commit: 3 });
    expect(st.softState.raftState).toBe("StateFollower");
    const rd = restarted.ready();
    expect(rd.hardState).toBeUndefined();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([3]);
    restarted.advance();
  });

  it("asserts the ready/advance protocol", () => {
    const s = new MemoryStorage();
    const rn = new RawNode(config("1", s, ["1"]));
    expect(() => rn.advance()).toThrow(/advance\(\) without ready\(\)/);
    rn.ready();
    expect(() => rn.ready()).toThrow(/twice/);
  });

  it("drops a conf change while another is pending (it becomes an empty entry)", () => {
    const s = new MemoryStorage();
    const rn = new RawNode(config("1", s, ["1"]));
    rn.campaign();
    persist(rn, s);
    rn.proposeConfChange({ type: "addNode", nodeId: "2" });
    rn.proposeConfChange({ type: "addNode", nodeId: "3" });
    const rd = persist(rn, s);
    expect(rd.entries.map((e) => e.type)).toEqual(["confChange", "normal"]);
    expect(rd.entries[1]!.data.length).toBe(0);
    const cs = rn.applyConfChange(decodeConfChange(rd.entries[0]!.data));
    expect(cs.voters).toEqual(["1", "2"]);
  });
});

describe("RawNode restart after a conf change", () => {
  it("restores the configuration recorded with setConfState", () => {
    const s = new MemoryStorage();
    const rn = new RawNode(config("1", s, ["1"]));
    rn.campaign();
    persist(rn, s);
    rn.proposeConfChange({ type: "addNode", nodeId: "2" });
    const rd = persist(rn, s);
    s.setConfState(rn.applyConfChange(decodeConfChange(rd.committedEntries[0]!.data)));
    const restarted = new RawNode({ ...config("1", new MemoryStorage(), ["1"]), storage: s, applied: 3 });
    expect(restarted.raft.voters).toEqual(["1", "2"]);
    // With two voters, node 1 alone can no longer win an election.
    restarted.campaign();
    expect(restarted.raft.state).toBe("StatePreCandidate");
  });
});
