import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { address, api, eventually, form, leader, member, names, statuses } from "./helpers.js";

describe("member Durable Objects", () => {
  it("elect a leader from alarm ticks alone, after the first request wakes them", async () => {
    const res = await api("/v2/keys/");
    expect(res.status).toBe(200);
    const l = await leader();
    expect(names).toContain(l.name);
    expect(l.term).toBeGreaterThan(1);
  });

  it("replicate a write to every member's SQLite store", async () => {
    const res = await api("/v2/keys/message", form({ value: "Hello" }));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { node: { modifiedIndex: number } };
    await eventually("every member applied the write", async () => {
      const all = await statuses();
      return all.every((s) => s.applied >= all.find((x) => x.role === "StateLeader")!.applied);
    });
    for (const name of names) {
      const reply = await member(name).read(address(name), getReq("/1/message"));
      expect(reply.kind).toBe("done");
      if (reply.kind === "done" && reply.result.ok) {
        expect(reply.result.event.node.value).toBe("Hello");
        expect(reply.result.event.node.modifiedIndex).toBe(body.node.modifiedIndex);
      } else throw new Error(`read failed on ${name}: ${JSON.stringify(reply)}`);
    }
  });

  it("serve at once after every member is evicted: nothing is replayed, nothing is lost", async () => {
    const before = await statuses();
    await abortAllDurableObjects();
    const after = await statuses();
    for (let i = 0; i < names.length; i++) {
      expect(after[i]!.applied).toBe(before[i]!.applied);
      expect(after[i]!.term).toBe(before[i]!.term);
    }
    const res = await api("/v2/keys/message?quorum=true");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { node: { value: string } }).node.value).toBe("Hello");
  });

  it("install a snapshot on a member that fell behind the compacted log", async () => {
    const l = await leader();
    const lagging = names.find((n) => n !== l.name)!;
    const others = names.filter((n) => n !== lagging);
    const part = await api("/debug/partition", { method: "PUT", body: JSON.stringify({ groups: [others, [lagging]] }) });
    expect(part.status).toBe(200);
    for (let i = 0; i < 120; i++) {
      const res = await api(`/v2/keys/load/k${i}`, form({ value: `v${i}` }));
      expect(res.status).toBe(201);
    }
    const leaderStatus = await eventually("the leader compacted its log", async () => {
      const s = (await statuses()).find((x) => x.role === "StateLeader");
      return s && s.firstIndex > 40 ? s : false;
    });
    const behind = await member(lagging).status(address(lagging));
    expect(behind.applied).toBeLessThan(leaderStatus.firstIndex);
    await api("/debug/partition", { method: "DELETE" });
    const caughtUp = await eventually("the lagging member caught up by snapshot", async () => {
      const s = await member(lagging).status(address(lagging));
      return s.applied >= leaderStatus.applied ? s : false;
    });
    expect(caughtUp.firstIndex).toBeGreaterThan(1);
    const reply = await member(lagging).read(address(lagging), getReq("/1/load/k119"));
    expect(reply.kind === "done" && reply.result.ok && reply.result.event.node.value).toBe("v119");
  });

  it("quiesce when idle: no alarm stays armed on any member", async () => {
    await eventually("every member quiesced", async () => (await statuses()).every((s) => s.quiesced), 30_000);
  });
});

function getReq(path: string) {
  return {
    method: "GET" as const, path, val: "", dir: false, prevValue: "", prevIndex: 0, prevExist: null,
    expirationMs: 0, refresh: false, recursive: false, sorted: false, timeMs: 0,
  };
}
