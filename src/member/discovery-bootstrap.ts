/**
 * Bootstrapping a member from an etcd discovery URL (ETCD_DISCOVERY, spec §9): the member
 * registers itself as etcd's discovery client does, waits until `size` members are known and
 * takes them as the initial cluster. A member that finds the cluster full does not join (etcd
 * would run it as a proxy; the front Worker already is one).
 *
 * @module
 */
import { computeMemberId } from "../cluster/ids.js";
import { peerUrlFor, type ClusterConfig, type MemberConfig } from "../cluster/config.js";
import { joinDiscovery } from "../discovery/client.js";
import type { MemberAddress } from "./rpc-types.js";

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
