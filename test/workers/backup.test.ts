/**
 * Backup and in-place restore (force-new-cluster) on the member Durable Objects.
 */
import { describe, expect, it } from "vitest";
import { parseClusterConfig } from "../../src/cluster/config.js";
import type { RestorePlan } from "../../src/member/backup.js";
import type { V2Request } from "../../src/store/types.js";
import { address, eventually, leader, member, names, statuses, testEnv } from "./helpers.js";

const req = (method: V2Request["method"], path: string, val = ""): V2Request => ({
  method, path, val, dir: false, prevValue: "", prevIndex: 0, prevExist: null,
  expirationMs: 0, refresh: false, recursive: false, sorted: false, timeMs: 0,
});

async function valueOn(name: string, path: string): Promise<string | null> {
  const r = await member(name).read(address(name), req("GET", path));
  if (r.kind !== "done") throw new Error(`read on ${name}: ${r.kind}`);
  return r.result.ok ? (r.result.event.node.value ?? null) : null;
}

describe("backup and restore", () => {
  it("restores every member to the backup and keeps serving", async () => {
    await member("infra0").status(address("infra0"));
    let l = await leader();
    await member(l.name).propose(address(l.name), "b-1", req("PUT", "/1/kept", "before"));
    const b = await member(l.name).backup(address(l.name));
    expect(b.kind).toBe("done");
    if (b.kind !== "done") return;
    await member(l.name).propose(address(l.name), "b-2", req("PUT", "/1/lost", "after"));
    await member(l.name).propose(address(l.name), "b-3", req("PUT", "/1/kept", "changed"));

    const config = parseClusterConfig(testEnv);
    const before = await statuses();
    const plan: RestorePlan = {
      term: Math.max(...before.map((s) => s.term)) + 1,
      index: Math.max(...before.map((s) => s.lastIndex)) + 1,
      members: config.members.map((m) => ({ id: m.id, name: m.name, peerURL: m.peerURL })),
    };
    for (const n of names) expect(await member(n).restore(address(n), b.backup, plan)).toEqual({ ok: true });

    l = await leader();
    expect(l.term).toBeGreaterThan(plan.term - 1);
    for (const n of names) {
      expect(await valueOn(n, "/1/kept")).toBe("before");
      expect(await valueOn(n, "/1/lost")).toBeNull();
    }
    const w = await member(l.name).propose(address(l.name), "b-4", req("PUT", "/1/new", "works"));
    expect(w.kind).toBe("done");
    await eventually("the new write reached every member", async () => {
      for (const n of names) if ((await valueOn(n, "/1/new")) !== "works") return false;
      return true;
    });
    const listed = await member(l.name).members(address(l.name));
    expect(listed.members.map((m) => m.name).sort()).toEqual([...names].sort());
  });
});
