// The transport's feedback to raft when a partition fault (the debug routes) cuts a link. Found
// by the member simulator: a MsgSnap dropped at the sender was never reported, so the leader kept
// that follower paused in StateSnapshot for good, even after the partition healed.
import { describe, expect, it } from "vitest";
import { Transport } from "../../src/member/transport.js";
import { PeerStats } from "../../src/member/peer-stats.js";
import type { Env } from "../../src/member/env.js";
import type { Message } from "../../src/raft/types.js";

function message(type: Message["type"]): Message {
  return { type, to: "b", from: "a", term: 2, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 } as Message;
}

describe("Transport under a partition fault", () => {
  const peer = { id: "b", name: "m2", peerURLs: [], clientURLs: [] };
  const unusedEnv = { MEMBER: { getByName: () => { throw new Error("a partitioned send must not reach the peer"); } } } as unknown as Env;

  function transport(events: string[]): { t: Transport; settled: Promise<unknown>[] } {
    const settled: Promise<unknown>[] = [];
    const t = new Transport(unusedEnv, { token: "x", name: "m1", id: "a" }, (p) => void settled.push(p), {
      unreachable: (id) => void events.push(`unreachable ${id}`),
      snapshotStatus: (id, failed) => void events.push(`snapshot ${id} ${failed ? "failed" : "ok"}`),
      removed: () => void events.push("removed"),
    }, new PeerStats(0));
    t.faults = { groups: [["m1"], ["m2"]] };
    return { t, settled };
  }

  it("reports a snapshot it could not send as failed, after the Ready that sent it", async () => {
    const events: string[] = [];
    const { t, settled } = transport(events);
    t.send(peer, [message("MsgSnap")], [new Uint8Array([1])]);
    expect(events).toEqual([]); // never inside the Ready that is sending
    await Promise.all(settled);
    expect(events).toEqual(["snapshot b failed"]);
  });

  it("drops other messages silently (raft retries on its own)", async () => {
    const events: string[] = [];
    const { t, settled } = transport(events);
    t.send(peer, [message("MsgApp"), message("MsgHeartbeat")], null);
    await Promise.all(settled);
    expect(events).toEqual([]);
  });
});
