/**
 * Runtime membership changes on the member Durable Objects: a fourth member added while the
 * cluster runs starts from the leader's first message and catches up; one change at a time;
 * a removed member stops serving.
 */
import { describe, expect, it } from "vitest";
import { computeMemberId } from "../../src/cluster/ids.js";
import { peerUrlFor } from "../../src/cluster/config.js";
import type { V2Request } from "../../src/store/types.js";
import { address, eventually, leader, member, names, token } from "./helpers.js";

const put = (path: string, val: string): V2Request => ({
  method: "PUT", path, val, dir: false, prevValue: "", prevIndex: 0, prevExist: null,
  expirationMs: 0, refresh: false, recursive: false, sorted: false, timeMs: 0,
});

const newName = "infra3";
const newPeer = peerUrlFor(newName, token);
const newId = computeMemberId([newPeer], token, "1");

describe("membership changes", () => {
  it("adds a member that catches up and counts in the quorum", async () => {
    await member("infra0").status(address("infra0"));
    const l = await leader();
    for (let i = 0; i < 5; i++) await member(l.name).propose(address(l.name), `pre-${i}`, put(`/1/pre/k${i}`, String(i)));
    const ctx = { name: newName, peerURLs: [newPeer], requestId: "add-1" };
    const reply = await member(l.name).changeMembership(address(l.name), "addNode", newId, ctx);
    expect(reply.kind).toBe("done");
    const added = { token, name: newName, id: newId };
    const s = await eventually("the new member caught up", async () => {
      const st = await member(newName).status(added);
      const ls = await member(l.name).status(address(l.name));
      return st.applied >= ls.applied && st.voters.length === 4 ? st : false;
    });
    expect(s.voters).toContain(newId);
    const got = await member(newName).read(added, { ...put("/1/pre/k4", ""), method: "GET" });
    expect(got.kind === "done" && got.result.ok && got.result.event.node.value).toBe("4");
    const listed = await member(l.name).members(address(l.name));
    expect(listed.members.map((m) => m.name).sort()).toEqual([...names, newName].sort());
  });

  it("refuses a second change while one is in flight", async () => {
    const l = await leader();
    const ctx = (r: string) => ({ name: "infra4", peerURLs: [peerUrlFor("infra4", token)], requestId: r });
    const id4 = computeMemberId([peerUrlFor("infra4", token)], token, "1");
    const [a, b] = await Promise.all([
      member(l.name).changeMembership(address(l.name), "addNode", id4, ctx("add-2")),
      member(l.name).changeMembership(address(l.name), "addNode", id4, ctx("add-3")),
    ]);
    const kinds = [a.kind, b.kind].sort();
    expect(kinds).toContain("refused");
    // Undo: remove infra4 again so the rest of the file sees a 4-member cluster.
    const done = a.kind === "done" || b.kind === "done";
    if (done) expect((await member(l.name).changeMembership(address(l.name), "removeNode", id4, { name: "", peerURLs: [], requestId: "rm-4" })).kind).toBe("done");
  });

  it("removes a member, which then refuses to serve", async () => {
    const l = await leader();
    const reply = await member(l.name).changeMembership(address(l.name), "removeNode", newId, { name: "", peerURLs: [], requestId: "rm-1" });
    expect(reply.kind).toBe("done");
    const added = { token, name: newName, id: newId };
    await eventually("the removed member knows it was removed", async () => {
      const r = await member(newName).propose(added, "after-rm", put("/1/x", "y"));
      return r.kind === "removed";
    });
    const again = await member(l.name).changeMembership(address(l.name), "removeNode", newId, { name: "", peerURLs: [], requestId: "rm-2" });
    expect(again).toMatchObject({ kind: "refused", status: 410 });
  });
});
