/**
 * End-to-end: a real local 3-member cluster (wrangler dev → workerd), driven over HTTP.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../../scripts/lib/local-cluster.js";
import { TestCluster, names } from "./cluster-helpers.js";

let cluster: TestCluster;

beforeAll(() => {
  cluster = TestCluster.connect(inject("clusterUrl"));
});

describe("a local 3-member cluster", () => {
  it("accepts writes through every member's client URL and serves them from every member", async () => {
    for (const name of names) {
      const res = await cluster.put(`/e2e/through-${name}`, name, `${cluster.url}/members/${name}`);
      expect(res.status).toBe(201);
    }
    for (const name of names) {
      const res = await fetch(`${cluster.url}/members/${name}/v2/keys/e2e/through-infra2?quorum=true`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { node: { value: string } }).node.value).toBe("infra2");
    }
  });

  it("elects a new leader after the leader crashes and loses no acknowledged write", async () => {
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await cluster.put(`/e2e/failover/k${i}`, `v${i}`);
      if (res.status === 201) acked.push(`k${i}`);
    }
    expect(acked.length).toBe(20);
    const old = await cluster.leader();
    const crashedAt = Date.now();
    await cluster.crash(old.name);
    // Writes keep going through the front Worker while a new leader is elected.
    const res = await cluster.put("/e2e/failover/after", "yes");
    expect(res.status).toBe(201);
    const failoverMs = Date.now() - crashedAt;
    console.log(`failover: first write acknowledged ${failoverMs} ms after the leader crashed`);
    for (const k of acked) {
      const got = await fetch(`${cluster.url}/v2/keys/e2e/failover/${k}?quorum=true`);
      expect(got.status).toBe(200);
    }
  });

  it("brings a crashed member back from its storage and it catches up", async () => {
    const l = await cluster.leader();
    const follower = names.find((n) => n !== l.name)!;
    await cluster.crash(follower);
    for (let i = 0; i < 10; i++) expect((await cluster.put(`/e2e/catchup/k${i}`, `v${i}`)).status).toBe(201);
    await waitFor(async () => {
      const res = await fetch(`${cluster.url}/members/${follower}/v2/keys/e2e/catchup/k9`);
      return res.status === 200;
    }, 20_000);
  });

  it("keeps serving in the majority during a partition; the minority refuses quorum reads", async () => {
    const l = await cluster.leader();
    const minority = names.find((n) => n !== l.name)!;
    const majority = names.filter((n) => n !== minority);
    await cluster.partition([majority, [minority]]);
    try {
      expect((await cluster.put("/e2e/partition/k", "majority")).status).toBe(201);
      const q = await fetch(`${cluster.url}/members/${minority}/v2/keys/e2e/partition/k?quorum=true`);
      // The minority cannot confirm a quorum: etcd answers 500 / errorCode 300 after the request timeout.
      expect(q.status).toBe(500);
      expect(((await q.json()) as { errorCode: number }).errorCode).toBe(300);
      const fresh = await fetch(`${cluster.url}/v2/keys/e2e/partition/k?quorum=true`);
      expect(((await fresh.json()) as { node: { value: string } }).node.value).toBe("majority");
    } finally {
      await cluster.heal();
    }
    await waitFor(async () => (await fetch(`${cluster.url}/members/${minority}/v2/keys/e2e/partition/k`)).status === 200, 20_000);
  });

  it("refuses a value too large for a Durable Object SQLite row, and writes nothing", async () => {
    const before = await fetch(`${cluster.url}/v2/keys/`);
    const index = before.headers.get("x-etcd-index");
    const res = await cluster.put("/e2e/huge", "x".repeat(2_000_000));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errorCode: number; cause: string };
    expect(body.errorCode).toBe(209);
    expect(body.cause).toContain("the limit is 1000000");
    expect((await fetch(`${cluster.url}/v2/keys/e2e/huge?quorum=true`)).status).toBe(404);
    const after = await fetch(`${cluster.url}/v2/keys/?quorum=true`);
    expect(after.headers.get("x-etcd-index")).toBe(index);
  });

  it("never serves a stale quorum read: each one sees the write acknowledged before it", async () => {
    for (let i = 0; i < 15; i++) {
      expect((await cluster.put("/e2e/linear", String(i))).status).toBe(200 + (i === 0 ? 1 : 0));
      const name = names[i % names.length];
      const res = await fetch(`${cluster.url}/members/${name}/v2/keys/e2e/linear?quorum=true`);
      expect(((await res.json()) as { node: { value: string } }).node.value).toBe(String(i));
    }
  });
});
