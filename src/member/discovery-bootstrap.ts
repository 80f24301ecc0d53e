/**
 * Bootstrapping a member from an etcd discovery URL (ETCD_DISCOVERY, spec §9): the member
 * registers itself as etcd's discovery client does, waits until `size` members are known and
 * takes them as the initial cluster. A member that finds the cluster full does not join (etcd
 * would run it as a proxy; the front Worker already is one). DNS SRV records (ETCD_DISCOVERY_SRV)
 * name the initial cluster the same way, without registration.
 *
 * @module
 */
import { computeClusterId, computeMemberId } from "../cluster/ids.js";
import { peerUrlFor, type ClusterConfig, type MemberConfig } from "../cluster/config.js";
import { membersFromSrv } from "../cluster/dns-srv.js";
import { joinDiscovery } from "../discovery/client.js";
import { bootstrapMember } from "./bootstrap.js";
import type { MemberAddress } from "./rpc-types.js";
import { Meta } from "./sql.js";

export type DiscoveryOutcome = { kind: "member"; members: MemberConfig[] } | { kind: "full" } | { kind: "failed"; message: string };

export async function discoverInitialCluster(config: ClusterConfig, self: MemberAddress): Promise<DiscoveryOutcome> {
  const configured = config.members.find((m) => m.name === self.name);
  const peerURL = configured?.peerURL ?? peerUrlFor(self.name, config.token);
  const result = await joinDiscovery({
    url: config.discoveryUrl,
    memberId: computeMemberId([peerURL], config.token),
    name: self.name,
    peerURLs: [peerURL],
    fetch: (url, init) => fetch(url, init),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
  if (!result.ok) return result.reason === "full" ? { kind: "full" } : { kind: "failed", message: result.message };
  const members: MemberConfig[] = [];
  for (const entry of result.initialCluster.split(",")) {
    const eq = entry.indexOf("=");
    const name = entry.slice(0, eq);
    const url = entry.slice(eq + 1);
    members.push({ name, peerURL: url, locationHint: "", id: computeMemberId([url], config.token) });
  }
  return { kind: "member", members };
}

/** The initial cluster named by DNS SRV records; a member they do not name stays out, as in etcd. */
export async function srvInitialCluster(config: ClusterConfig, self: MemberAddress): Promise<DiscoveryOutcome> {
  const srv = await membersFromSrv(config.discoverySrv, self.token, config.dohUrl, (u, i) => fetch(u, i));
  if (!srv.ok) return { kind: "failed", message: srv.message };
  return srv.members.some((m) => m.name === self.name) ? { kind: "member", members: srv.members } : { kind: "full" };
}

/**
 * Find the initial cluster (discovery URL or SRV records), then write this member's first state:
 * a bootstrapped member, or — not among the initial members — one that stays out as removed.
 */
export async function bootstrapFromDiscovery(storage: DurableObjectStorage, config: ClusterConfig, self: MemberAddress): Promise<void> {
  const outcome = config.discoveryUrl ? await discoverInitialCluster(config, self) : await srvInitialCluster(config, self);
  if (outcome.kind === "failed") throw new Error(`discovery: ${outcome.message}`);
  const sql = storage.sql;
  // Another call may have bootstrapped this member while the lookups ran.
  if (new Meta(sql).str("name")) return;
  if (outcome.kind === "full") {
    const id = computeMemberId([peerUrlFor(self.name, self.token)], self.token);
    storage.transactionSync(() => {
      const meta = new Meta(sql);
      meta.set("name", self.name);
      meta.set("token", self.token);
      meta.set("id", id);
      meta.set("removed_members", JSON.stringify([id]));
    });
    return;
  }
  const discovered = { ...config, members: outcome.members, clusterId: computeClusterId(outcome.members.map((m) => m.id)) };
  storage.transactionSync(() => bootstrapMember(sql, discovered, self));
}
