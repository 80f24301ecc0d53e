/**
 * Our own cluster bootstrapping from a discovery URL (ETCD_DISCOVERY): a second local cluster
 * whose members register with the discovery Worker (as etcd members do) and form the cluster
 * of the first `size` registrations; a member beyond the size stays out.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalCluster, type LocalCluster } from "../../../scripts/lib/local-cluster.js";

let dir = "";
let registry: LocalCluster | null = null;
let discovery: LocalCluster | null = null;
let cluster: LocalCluster | null = null;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "etcd-own-discovery-"));
  const registryEnv = { WRANGLER_REGISTRY_PATH: join(dir, "registry") };
  [registry, discovery] = await Promise.all([
    startLocalCluster({ persistTo: join(dir, "main"), env: registryEnv }),
    startLocalCluster({ config: "wrangler.discovery.toml", persistTo: join(dir, "discovery"), readyCheckPath: "/", env: registryEnv }),
  ]);
  const url = await (await fetch(`${discovery.url}/new?size=2`)).text();
  cluster = await startLocalCluster({
    persistTo: join(dir, "b"),
    // Its own dev registry: this cluster is also named etcd-edge.
    env: { WRANGLER_REGISTRY_PATH: join(dir, "registry-b") },
    vars: { ETCD_DISCOVERY: url, ETCD_INITIAL_CLUSTER_TOKEN: "edge-b", ETCD_DEBUG: "1" },
  });
}, 180_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), discovery?.stop(), registry?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("ETCD_DISCOVERY", () => {
  it("forms the cluster from the first `size` registrations and serves it", async () => {
    const members = (await (await fetch(`${cluster!.url}/v2/members`)).json()) as { members: Array<{ name: string }> };
    expect(members.members).toHaveLength(2);
    const put = await fetch(`${cluster!.url}/v2/keys/discovered`, { method: "PUT", body: "value=yes", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(put.status).toBe(201);
    const get = await fetch(`${cluster!.url}/v2/keys/discovered?quorum=true`);
    expect(((await get.json()) as { node: { value: string } }).node.value).toBe("yes");
  });

  it("keeps the member beyond the size out of the cluster", async () => {
    const debug = (await (await fetch(`${cluster!.url}/debug/members`)).json()) as { members: Array<{ name: string; role?: string }> };
    const voters = (await (await fetch(`${cluster!.url}/v2/members`)).json()) as { members: Array<{ name: string }> };
    const out = debug.members.map((m) => m.name).filter((n) => !voters.members.some((v) => v.name === n));
    expect(out).toHaveLength(1);
  });
});
