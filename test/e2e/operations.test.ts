/**
 * Cluster operations end to end: membership changes with real etcdctl while clients write,
 * admin protection, stats, backup and restore.
 */
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../../scripts/lib/local-cluster.js";
import { TestCluster, etcdctlTimeouts, rootAuth, rootPassword, withAuthOn, writer } from "./cluster-helpers.js";

let cluster: TestCluster;

beforeAll(() => {
  cluster = TestCluster.connect(inject("clusterUrl"));
});

function etcdctl(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync("etcdctl", ["--endpoints", cluster.url, ...etcdctlTimeouts, ...args], { env: { ...process.env, ETCDCTL_API: "2" }, encoding: "utf8", timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout.trim(), err: r.stderr.trim() };
}

describe("membership through etcdctl", () => {
  it("lists members and checks each one's health through its client URL", () => {
    const list = etcdctl("member", "list");
    expect(list.code, list.err).toBe(0);
    expect(list.out.split("\n")).toHaveLength(3);
    const health = etcdctl("cluster-health");
    expect(health.out).toContain("cluster is healthy");
  });

  it("refuses member changes, backup and debug routes without the root user while auth is on", async () => {
    await withAuthOn(cluster.url, async () => {
      const res = await fetch(`${cluster.url}/v2/members`, { method: "POST", body: '{"peerURLs":["https://x.etcd-cluster.peers.invalid:2380"]}', headers: { "Content-Type": "application/json" } });
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('{"message":"Insufficient credentials"}');
      const ctl = etcdctl("member", "add", "x", "https://x.etcd-cluster.peers.invalid:2380");
      expect(ctl.code).not.toBe(0);
      expect((await fetch(`${cluster.url}/admin/backup`)).status).toBe(401);
      expect((await fetch(`${cluster.url}/admin/restore`, { method: "POST", body: "x" })).status).toBe(401);
      expect((await fetch(`${cluster.url}/debug/members`)).status).toBe(401);
      expect((await fetch(`${cluster.url}/debug/members/infra0/crash`, { method: "POST" })).status).toBe(401);
      expect((await fetch(`${cluster.url}/debug/partition`, { method: "DELETE" })).status).toBe(401);
      expect((await fetch(`${cluster.url}/debug/members`, { headers: rootAuth })).status).toBe(200);
      expect((await fetch(`${cluster.url}/v2/members`)).status).toBe(200);
    });
  });

  it("answers a malformed member request with etcd's message and changes nothing", async () => {
    const post = (body: string, type = "application/json") =>
      fetch(`${cluster.url}/v2/members`, { method: "POST", body, headers: { ...rootAuth, "Content-Type": type } });
    expect(await (await post("{}", "application/x-www-form-urlencoded")).text()).toBe(
      '{"message":"Bad Content-Type application/x-www-form-urlencoded, accept application/json"}',
    );
    expect(await (await post('{"peerURLs":[]}')).text()).toBe('{"message":"no valid URLs given"}');
    expect(await (await post('{"peerURLs":["ftp://a:1"]}')).text()).toBe('{"message":"URL scheme must be http, https, unix, or unixs: ftp://a:1"}');
    expect(await (await post('{"peerURLs":["http://a"]}')).text()).toBe('{"message":"URL address does not have the form \\"host:port\\": http://a"}');
    expect(await (await post('{"peerURLs":["http://a:1/p"]}')).text()).toBe('{"message":"URL must not contain a path: http://a:1/p"}');
    expect(etcdctl("member", "list").out.split("\n")).toHaveLength(3);
  });

  it("adds a member and removes another while clients write, losing no acknowledged write", async () => {
    const w = writer(cluster, "/ops/churn");
    try {
      const add = etcdctl("--username", `root:${rootPassword}`, "member", "add", "infra3", "https://infra3.etcd-cluster.peers.invalid:2380");
      expect(add.code, add.err).toBe(0);
      expect(add.out).toContain('Added member named infra3');
      await waitFor(async () => etcdctl("cluster-health").out.includes("cluster is healthy") && etcdctl("member", "list").out.split("\n").length === 4, 30_000);
      const infra1 = etcdctl("member", "list").out.split("\n").find((l) => l.includes("name=infra1"))!.split(":")[0]!;
      const rm = etcdctl("--username", `root:${rootPassword}`, "member", "remove", infra1);
      expect(rm.code, rm.err).toBe(0);
      await waitFor(async () => etcdctl("member", "list").out.split("\n").length === 3, 30_000);
    } finally {
      await w.stop();
    }
    expect(w.acked.length).toBeGreaterThan(0);
    for (const key of w.acked) {
      const res = await fetch(`${cluster.url}/v2/keys${key}?quorum=true`);
      expect(res.status, key).toBe(200);
    }
    const names = etcdctl("member", "list").out;
    expect(names).toContain("name=infra3");
    expect(names).not.toContain("name=infra1");
    expect(etcdctl("cluster-health").out).toContain("cluster is healthy");
  });
});

describe("member update", () => {
  it("updates a member's peer URLs (its name, and Durable Object, stay)", () => {
    const line = etcdctl("member", "list").out.split("\n").find((l) => l.includes("name=infra0"))!;
    const id = line.split(":")[0]!;
    const peer = /peerURLs=(\S+)/.exec(line)![1]!;
    const same = etcdctl("--username", `root:${rootPassword}`, "member", "update", id, peer);
    expect(same.code, same.err).toBe(0);
    expect(same.out).toContain(`Updated member with ID ${id}`);
    const hinted = `${peer}?hint=weur`;
    const moved = etcdctl("--username", `root:${rootPassword}`, "member", "update", id, hinted);
    expect(moved.code, moved.err).toBe(0);
    const after = etcdctl("member", "list").out.split("\n").find((l) => l.startsWith(`${id}:`))!;
    expect(after).toContain(`peerURLs=${hinted}`);
    expect(after).toContain("name=infra0");
    const taken = etcdctl("member", "list").out.split("\n").find((l) => l.includes("name=infra2"))!;
    const clash = etcdctl("--username", `root:${rootPassword}`, "member", "update", id, /peerURLs=(\S+)/.exec(taken)![1]!);
    expect(clash.code).not.toBe(0);
    expect(etcdctl("--username", `root:${rootPassword}`, "member", "update", id, peer).code).toBe(0);
    expect(etcdctl("cluster-health").out).toContain("cluster is healthy");
  });
});

describe("stats", () => {
  it("serves /v2/stats/leader from the leader and /v2/stats/self from a member", async () => {
    const leader = await fetch(`${cluster.url}/v2/stats/leader`);
    expect(leader.status).toBe(200);
    const body = (await leader.json()) as { leader: string; followers: Record<string, { counts: { success: number } }> };
    expect(Object.keys(body.followers).length).toBeGreaterThanOrEqual(2);
    const self = (await (await fetch(`${cluster.url}/v2/stats/self`)).json()) as Record<string, unknown>;
    expect(Object.keys(self).slice(0, 5)).toEqual(["name", "id", "state", "startTime", "leaderInfo"]);
  });
});

describe("backup and restore", () => {
  it("restores the cluster to a backup taken earlier (force-new-cluster)", async () => {
    expect((await cluster.put("/ops/backup/kept", "before")).status).toBe(201);
    const backup = await fetch(`${cluster.url}/admin/backup`, { headers: rootAuth });
    expect(backup.status).toBe(200);
    const bytes = new Uint8Array(await backup.arrayBuffer());
    expect((await cluster.put("/ops/backup/lost", "after")).status).toBe(201);
    const restore = await fetch(`${cluster.url}/admin/restore`, { method: "POST", body: bytes, headers: rootAuth });
    expect(restore.status, await restore.clone().text()).toBe(200);
    await waitFor(async () => (await fetch(`${cluster.url}/v2/keys/ops/backup/kept?quorum=true`)).status === 200, 30_000);
    expect((await fetch(`${cluster.url}/v2/keys/ops/backup/lost?quorum=true`)).status).toBe(404);
    expect((await cluster.put("/ops/backup/new", "works")).status).toBe(201);
    const bad = await fetch(`${cluster.url}/admin/restore`, { method: "POST", body: "not a backup", headers: rootAuth });
    expect(bad.status).toBe(400);
  });
});
