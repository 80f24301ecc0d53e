/**
 * A destroyed member (a lost machine) and force-new-cluster on the member Durable Objects, through
 * the real Worker routes.
 */
import { describe, expect, it } from "vitest";
import type { Message } from "../../src/raft/types.js";
import type { V2Request } from "../../src/store/types.js";
import { address, api, eventually, leader, member, names, token } from "./helpers.js";

const req = (method: V2Request["method"], path: string, val = ""): V2Request => ({
  method, path, val, dir: false, prevValue: "", prevIndex: 0, prevExist: null,
  expirationMs: 0, refresh: false, recursive: false, sorted: false, timeMs: 0,
});

const post = (path: string, body?: string) => api(path, { method: "POST", body, headers: { "Content-Type": "application/json" } });

async function valueOn(name: string, path: string): Promise<string | null> {
  const r = await member(name).read(address(name), req("GET", path));
  if (r.kind !== "done") throw new Error(`read on ${name}: ${r.kind}`);
  return r.result.ok ? (r.result.event.node.value ?? null) : null;
}

describe("destroy and force-new-cluster", () => {
  it("keeps a destroyed member dead: it refuses even a vote, and a live member cannot be re-provisioned", async () => {
    const l = await leader();
    const victim = names.find((n) => n !== l.name)!;
    const victimId = (await member(victim).status(address(victim))).id;
    const res = await post(`/debug/members/${victim}/destroy`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ destroyed: victim });

    // An emptied member that answered under its old id could vote twice in one term.
    const vote: Message = { type: "MsgVote", to: victimId, from: l.id, term: l.term + 5, logTerm: l.term, index: 1_000_000, entries: [], commit: 0, reject: false, rejectHint: 0 };
    const refusal = (e: unknown) => `refused: ${String(e)}`;
    expect(await member(victim).peer({ token, name: victim, id: victimId }, { from: { token, name: l.name, id: l.id }, messages: [vote] }).then(() => "answered", refusal)).toMatch(/^refused: .*destroyed/);
    expect(await member(victim).status(address(victim)).then(() => "answered", refusal)).toMatch(/^refused: .*destroyed/);
    expect(await member(victim).lifecycle(address(victim))).toEqual({ destroyed: true, id: "" });
    expect((await member(l.name).rejoinAs(address(l.name), "1234", "5678")).ok).toBe(false);

    // Two of three still make a quorum; the Worker moves past the destroyed member.
    const w = await member(l.name).propose(address(l.name), "d-1", req("PUT", "/1/d/after", "still"), null);
    expect(w.kind).toBe("done");
    const read = await api("/v2/keys/d/after?quorum=true");
    expect(read.status).toBe(200);
  });

  it("re-forms the cluster around one survivor, fencing a member that still holds data", async () => {
    await eventually("a write", async () => (await api("/v2/keys/d/kept", { method: "PUT", body: new URLSearchParams({ value: "kept" }), headers: { "Content-Type": "application/x-www-form-urlencoded" } })).status === 201);
    const alive = [];
    for (const n of names) {
      const s = await member(n).lifecycle(address(n));
      if (!s.destroyed) alive.push(n);
    }
    expect(alive).toHaveLength(2);
    const [survivor, fenced] = alive as [string, string];
    await eventually("the survivor applied the write", async () => (await valueOn(survivor, "/1/d/kept")) === "kept");
    const before = await member(survivor).status(address(survivor));
    const fencedId = (await member(fenced).status(address(fenced))).id;

    expect((await post("/admin/force-new-cluster", JSON.stringify({ member: names.find((n) => !alive.includes(n)) }))).status).toBe(409);
    const refused = await post("/admin/force-new-cluster", JSON.stringify({ member: survivor }));
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("a quorum of the cluster");
    expect((await member(fenced).lifecycle(address(fenced))).destroyed).toBe(false);
    const res = await post("/admin/force-new-cluster", JSON.stringify({ member: survivor, force: true }));
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const answer = JSON.parse(text) as { term: number; added: Array<{ name: string; id: string }>; pending: string[]; removed: string[] };
    expect(answer.pending).toEqual([]);
    expect(answer.term).toBeGreaterThan(before.term);
    expect(answer.removed).toContain(fencedId);
    expect(answer.added.find((a) => a.name === fenced)?.id).not.toBe(fencedId);

    const l = await leader();
    expect(l.voters).toHaveLength(3);
    // A message from the old cluster (a fenced id, a higher term) is refused, not stepped.
    const stale: Message = { type: "MsgVote", to: l.id, from: fencedId, term: l.term + 10, logTerm: l.term + 10, index: 1_000_000, entries: [], commit: 0, reject: false, rejectHint: 0 };
    expect(await member(l.name).peer({ token, name: l.name, id: l.id }, { from: { token, name: fenced, id: fencedId }, messages: [stale] })).toEqual({ removed: true });
    expect((await member(l.name).status(address(l.name))).term).toBe(l.term);
    const w = await member(l.name).propose(address(l.name), "d-2", req("PUT", "/1/d/new", "works"), null);
    expect(w.kind).toBe("done");
    await eventually("every member has the old and the new write", async () => {
      for (const n of names) if ((await valueOn(n, "/1/d/kept")) !== "kept" || (await valueOn(n, "/1/d/new")) !== "works") return false;
      return true;
    });
  });
});
