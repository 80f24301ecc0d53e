/**
 * The member Durable Object over RPC, in workerd with real SQLite and real alarms: a 3-member
 * cluster per file (storage is isolated per test file).
 */
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { V2Request } from "../../src/store/types.js";
import { address, eventually, leader, member, names, statuses } from "./helpers.js";

const req = (method: V2Request["method"], path: string, val = ""): V2Request => ({
  method, path, val, dir: false, prevValue: "", prevIndex: 0, prevExist: null,
  expirationMs: 0, refresh: false, recursive: false, sorted: false, timeMs: 0,
});

async function valueOn(name: string, path: string): Promise<string | undefined> {
  const r = await member(name).read(address(name), req("GET", path));
  return r.kind === "done" && r.result.ok ? r.result.event.node.value : undefined;
}

async function allApplied(): Promise<void> {
  await eventually("every member applied the leader's log", async () => {
    const all = await statuses();
    const l = all.find((s) => s.role === "StateLeader");
    return !!l && all.every((s) => s.applied === l.applied);
  });
}

describe("member Durable Object", () => {
  it("boots from its name, elects a leader from alarm ticks, replicates a write", async () => {
    await member("infra0").status(address("infra0"));
    const l = await leader();
    const reply = await member(l.name).propose(address(l.name), "req-1", req("PUT", "/1/a", "x"));
    expect(reply.kind).toBe("done");
    await allApplied();
    for (const n of names) expect(await valueOn(n, "/1/a")).toBe("x");
  });

  it("applies a retried request id at most once and answers it with the first result", async () => {
    const l = await leader();
    const first = await member(l.name).propose(address(l.name), "req-2", req("POST", "/1/queue", "job"));
    const retry = await member(l.name).propose(address(l.name), "req-2", req("POST", "/1/queue", "job"));
    expect(retry).toEqual(first);
    const list = await member(l.name).read(address(l.name), { ...req("GET", "/1/queue"), recursive: true });
    expect(list.kind === "done" && list.result.ok && list.result.event.node.nodes?.length).toBe(1);
  });

  it("sends a follower to the leader", async () => {
    const l = await leader();
    const follower = names.find((n) => n !== l.name)!;
    const reply = await member(follower).propose(address(follower), "req-3", req("PUT", "/1/b", "y"));
    expect(reply).toEqual({ kind: "notLeader", leader: l.name });
  });

  it("serves a linearizable read through any member", async () => {
    const l = await leader();
    await member(l.name).propose(address(l.name), "req-4", req("PUT", "/1/c", "fresh"));
    for (const n of names) {
      const r = await member(n).quorumRead(address(n), req("QGET", "/1/c"));
      expect(r.kind === "done" && r.result.ok && r.result.event.node.value).toBe("fresh");
    }
  });

  it("continues after every member is evicted, from storage alone", async () => {
    await allApplied();
    const before = await statuses();
    await abortAllDurableObjects();
    const after = await statuses();
    for (let i = 0; i < names.length; i++) {
      expect(after[i]!.applied).toBe(before[i]!.applied);
      expect(after[i]!.commit).toBe(before[i]!.commit);
      expect(after[i]!.term).toBe(before[i]!.term);
    }
    for (const n of names) expect(await valueOn(n, "/1/a")).toBe("x");
    const l = await leader();
    const reply = await member(l.name).propose(address(l.name), "req-5", req("PUT", "/1/d", "after"));
    expect(reply.kind).toBe("done");
  });

  it("installs a snapshot on a member that fell behind the compacted log", async () => {
    const l = await leader();
    const lagging = names.find((n) => n !== l.name)!;
    const others = names.filter((n) => n !== lagging);
    await Promise.all(names.map((n) => member(n).setFaults(address(n), { groups: [others, [lagging]] })));
    for (let i = 0; i < 100; i++) {
      const r = await member(l.name).propose(address(l.name), `load-${i}`, req("PUT", `/1/load/k${i}`, `v${i}`));
      expect(r.kind).toBe("done");
    }
    const leaderStatus = await member(l.name).status(address(l.name));
    expect(leaderStatus.firstIndex).toBeGreaterThan(40);
    expect((await member(lagging).status(address(lagging))).applied).toBeLessThan(leaderStatus.firstIndex);
    await Promise.all(names.map((n) => member(n).setFaults(address(n), { groups: null })));
    const caughtUp = await eventually("the lagging member caught up", async () => {
      const s = await member(lagging).status(address(lagging));
      return s.applied >= leaderStatus.applied ? s : false;
    });
    expect(caughtUp.firstIndex).toBeGreaterThan(1);
    expect(await valueOn(lagging, "/1/load/k99")).toBe("v99");
    expect(await valueOn(lagging, "/1/a")).toBe("x");
  });

  it("quiesces when idle — no ticks, no alarm armed — and wakes on the next request", async () => {
    await eventually("every member quiesced with no alarm", async () => (await statuses()).every((s) => s.quiesced && s.alarmAtMs === null), 30_000);
    const l = await leader();
    const reply = await member(l.name).propose(address(l.name), "req-6", req("PUT", "/1/wake", "up"));
    expect(reply.kind).toBe("done");
    await eventually("the write reached every member", async () => {
      for (const n of names) if ((await valueOn(n, "/1/wake")) !== "up") return false;
      return true;
    });
  });

  it("wakes from an eviction in its sleep without an election: the same leader leads the same term", async () => {
    await eventually("every member quiesced with no alarm", async () => (await statuses()).every((s) => s.quiesced && s.alarmAtMs === null), 30_000);
    const before = await leader();
    const [first, second] = names.filter((n) => n !== before.name) as [string, string];
    await abortAllDurableObjects();
    // A follower restarted from storage knows whom it slept under, at once.
    expect(await member(first).propose(address(first), "req-7", req("PUT", "/1/woken", "yes"))).toEqual({ kind: "notLeader", leader: before.name });
    const reply = await member(before.name).propose(address(before.name), "req-7", req("PUT", "/1/woken", "yes"));
    expect(reply.kind === "done" && reply.raftTerm).toBe(before.term);
    const read = await member(second).quorumRead(address(second), req("QGET", "/1/woken"));
    expect(read.kind === "done" && read.result.ok && read.result.event.node.value).toBe("yes");
    expect((await statuses()).map((s) => [s.term, s.leaderName])).toEqual(names.map(() => [before.term, before.name]));
  });
});
