/**
 * Recovery from quorum loss on its own local cluster: two of three members are destroyed (their
 * storage wiped for good) while clients write; POST /admin/force-new-cluster makes the survivor a
 * one-member cluster with its data and re-adds the others under new ids.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../scripts/lib/local-cluster.js";
import { TestCluster, names, rootAuth, withAuthOn, writer, type DebugMember } from "./cluster-helpers.js";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start();
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

const json = { "Content-Type": "application/json" };

function forceNewCluster(body: string, headers: Record<string, string> = rootAuth): Promise<Response> {
  return fetch(`${cluster.url}/admin/force-new-cluster`, { method: "POST", body, headers: { ...json, ...headers } });
}

/** The keys under `dir` as `member` alone holds them (its applied state, no quorum). */
async function keysAt(member: string, dir: string): Promise<Set<string>> {
  const res = await fetch(`${cluster.url}/members/${member}/v2/keys${dir}?recursive=true`);
  if (res.status === 404) return new Set();
  const body = (await res.json()) as { node?: { nodes?: Array<{ key: string }> } };
  return new Set((body.node?.nodes ?? []).map((n) => n.key));
}

async function terms(): Promise<Record<string, number | undefined>> {
  return Object.fromEntries((await cluster.members()).map((m) => [m.name, m.term]));
}

describe("force-new-cluster", () => {
  it("refuses destroy and force-new-cluster without the root user while auth is on", async () => {
    await cluster.leader(60_000);
    await withAuthOn(cluster.url, async () => {
      const destroy = await fetch(`${cluster.url}/debug/members/infra0/destroy`, { method: "POST" });
      expect(destroy.status).toBe(401);
      expect(await destroy.text()).toBe('{"message":"Insufficient credentials"}');
      expect((await forceNewCluster('{"member":"infra0"}', {})).status).toBe(401);
      const wrong = { Authorization: `Basic ${Buffer.from("root:wrong").toString("base64")}` };
      expect((await forceNewCluster('{"member":"infra0"}', wrong)).status).toBe(401);
    });
    const all = await cluster.members();
    expect(all.filter((m) => m.error)).toEqual([]);
  });

  it("answers bad input with a clear error and changes nothing", async () => {
    await cluster.leader(60_000);
    const before = await terms();
    const cases: Array<[string, number, string]> = [
      ["not json", 400, "expected a JSON body"],
      ["{}", 400, "expected a JSON body"],
      ['{"member":7}', 400, "expected a JSON body"],
      ["null", 400, "expected a JSON body"],
      ['{"member":"infra0","force":"yes"}', 400, "expected a JSON body"],
      ['{"member":"infra9"}', 404, "no member infra9"],
      // A healthy cluster: every member holds its data and answers.
      ['{"member":"infra0"}', 409, "a quorum of the cluster"],
      [JSON.stringify({ member: "x".repeat(5_000) }), 413, "body larger than"],
    ];
    for (const [body, status, text] of cases) {
      const res = await forceNewCluster(body);
      expect(res.status, body).toBe(status);
      expect(((await res.json()) as { message: string }).message).toContain(text);
    }
    expect((await fetch(`${cluster.url}/admin/force-new-cluster`)).status).toBe(405);
    expect((await fetch(`${cluster.url}/debug/members/infra9/destroy`, { method: "POST" })).status).toBe(404);
    expect(await terms()).toEqual(before);
  });

  it("recovers from the loss of two of three members, keeping what the survivor had", async () => {
    const leader = await cluster.leader(60_000);
    const survivor = names.find((n) => n !== leader.name)!;
    const lost = names.filter((n) => n !== survivor);
    const oldIds = Object.fromEntries((await cluster.members()).map((m) => [m.name, m.id]));

    // Writes acknowledged while the cluster was healthy, then applied by the survivor.
    const calm = writer(cluster, "/fnc/calm");
    await waitFor(async () => calm.acked.length >= 30, 60_000);
    await calm.stop();
    await waitFor(async () => {
      const had = await keysAt(survivor, "/fnc/calm");
      return calm.acked.every((k) => had.has(k));
    }, 30_000);

    // Under load: lose the leader and the other follower for good.
    const load = writer(cluster, "/fnc/load");
    await waitFor(async () => load.acked.length >= 5, 60_000);
    for (const name of lost) {
      const res = await fetch(`${cluster.url}/debug/members/${name}/destroy`, { method: "POST", headers: rootAuth });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.json()).toEqual({ destroyed: name });
    }
    await load.stop();
    const statuses: DebugMember[] = await cluster.members();
    expect(statuses.filter((m) => m.error).map((m) => m.name).sort()).toEqual([...lost].sort());

    // No quorum: a write is refused (etcd's request timeout), and stays refused.
    const refused = await cluster.put("/fnc/no-quorum", "x");
    expect(refused.status).not.toBe(201);
    const survivorHad = new Set([...(await keysAt(survivor, "/fnc/calm")), ...(await keysAt(survivor, "/fnc/load"))]);
    for (const k of calm.acked) expect(survivorHad.has(k), k).toBe(true);

    // Recover.
    const res = await forceNewCluster(JSON.stringify({ member: survivor }));
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const answer = JSON.parse(text) as { survivor: { name: string; id: string }; term: number; added: Array<{ name: string; id: string }>; pending: string[]; removed: string[] };
    expect(answer.survivor).toEqual({ name: survivor, id: oldIds[survivor] });
    expect(answer.pending).toEqual([]);
    expect(answer.added.map((a) => a.name).sort()).toEqual([...lost].sort());
    for (const a of answer.added) expect(a.id).not.toBe(oldIds[a.name]);
    expect(answer.removed.sort()).toEqual(lost.map((n) => oldIds[n]).sort());

    // Everything the survivor had is there, through a quorum of the new cluster.
    for (const dir of ["/fnc/calm", "/fnc/load"]) {
      const q = await fetch(`${cluster.url}/v2/keys${dir}?recursive=true&quorum=true`);
      expect(q.status).toBe(200);
      const have = new Set((((await q.json()) as { node: { nodes?: Array<{ key: string }> } }).node.nodes ?? []).map((n) => n.key));
      for (const k of survivorHad) if (k.startsWith(dir + "/")) expect(have.has(k), k).toBe(true);
    }

    // Writes again, and three members, all started, each holding the new write.
    let after: Response | null = null;
    await waitFor(async () => (after = await cluster.put("/fnc/after", "recovered")).status === 201, 30_000);
    expect(after!.status).toBe(201);
    const members = (await (await fetch(`${cluster.url}/v2/members`)).json()) as { members: Array<{ id: string; name: string }> };
    expect(members.members.map((m) => m.name).sort()).toEqual([...names].sort());
    for (const m of members.members) if (m.name !== survivor) expect(m.id).not.toBe(oldIds[m.name]);
    for (const name of names) {
      await waitFor(async () => (await fetch(`${cluster.url}/members/${name}/v2/keys/fnc/after`)).status === 200, 30_000);
    }
    const debug = await cluster.members();
    expect(debug.filter((m) => m.error)).toEqual([]);
    expect(debug.filter((m) => m.role === "StateLeader")).toHaveLength(1);
    expect(Math.min(...debug.map((m) => m.term ?? 0))).toBeGreaterThan(leader.term ?? 0);
    const stats = (await (await fetch(`${cluster.url}/v2/stats/leader`)).json()) as { followers: Record<string, unknown> };
    expect(Object.keys(stats.followers)).toHaveLength(2);
    for (const id of Object.keys(stats.followers)) expect(members.members.map((m) => m.id)).toContain(id);
  }, 240_000);
});
