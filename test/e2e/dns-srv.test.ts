/**
 * Bootstrapping from DNS SRV records (ETCD_DISCOVERY_SRV) through DNS-over-HTTPS, against a
 * stub resolver this test serves on loopback: three records name three of the four configured
 * members; those three form the cluster, the fourth stays out.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestCluster } from "./cluster-helpers.js";

let resolver: Server;
let cluster: TestCluster;
const lookups: string[] = [];

beforeAll(async () => {
  resolver = createServer((req, res) => {
    const name = new URL(req.url ?? "/", "http://x").searchParams.get("name") ?? "";
    lookups.push(name);
    const records = name === "_etcd-server-ssl._tcp.edge.test" ? ["infra0", "infra1", "infra2"].map((n) => `0 0 2380 ${n}.edge-srv.peers.invalid.`) : [];
    res.setHeader("Content-Type", "application/dns-json");
    res.end(JSON.stringify({ Status: 0, Answer: records.map((data) => ({ name, type: 33, TTL: 300, data })) }));
  });
  await new Promise<void>((r) => resolver.listen(0, "127.0.0.1", () => r()));
  const address = resolver.address();
  const port = typeof address === "object" && address ? address.port : 0;
  cluster = await TestCluster.start({
    ETCD_INITIAL_CLUSTER: "infra0,infra1,infra2,infra3",
    ETCD_INITIAL_CLUSTER_TOKEN: "edge-srv",
    ETCD_DISCOVERY_SRV: "edge.test",
    ETCD_DOH_URL: `http://127.0.0.1:${port}/dns-query`,
  });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await new Promise((r) => resolver?.close(r));
});

describe("ETCD_DISCOVERY_SRV", () => {
  it("forms the cluster named by the SRV records and serves it", async () => {
    expect(lookups).toContain("_etcd-server-ssl._tcp.edge.test");
    const members = (await (await fetch(`${cluster.url}/v2/members`)).json()) as { members: Array<{ name: string; peerURLs: string[] }> };
    expect(members.members.map((m) => m.name).sort()).toEqual(["infra0", "infra1", "infra2"]);
    expect(members.members[0]!.peerURLs[0]).toMatch(/^https:\/\/infra\d\.edge-srv\.peers\.invalid:2380$/);
    const put = await cluster.put("/srv/k", "v");
    expect(put.status).toBe(201);
  });
});
