import { describe, expect, it } from "vitest";
import { parseClusterConfig, peerUrlFor } from "../../src/cluster/config.js";

describe("cluster configuration", () => {
  it("defaults to infra0..infra2 with peer URLs that name their Durable Objects", () => {
    const c = parseClusterConfig({});
    expect(c.members.map((m) => m.name)).toEqual(["infra0", "infra1", "infra2"]);
    expect(c.members[0]!.peerURL).toBe(peerUrlFor("infra0", "etcd-cluster"));
    expect(c.state).toBe("new");
  });

  it("derives member and cluster ids deterministically, different per token", () => {
    const a = parseClusterConfig({ ETCD_INITIAL_CLUSTER_TOKEN: "a" });
    const again = parseClusterConfig({ ETCD_INITIAL_CLUSTER_TOKEN: "a" });
    const b = parseClusterConfig({ ETCD_INITIAL_CLUSTER_TOKEN: "b" });
    expect(again.members.map((m) => m.id)).toEqual(a.members.map((m) => m.id));
    expect(again.clusterId).toBe(a.clusterId);
    expect(b.clusterId).not.toBe(a.clusterId);
    expect(b.members[0]!.id).not.toBe(a.members[0]!.id);
    expect(a.members.every((m) => /^[0-9a-f]{1,16}$/.test(m.id))).toBe(true);
  });

  it("takes location hints from peer URLs and refuses bad input", () => {
    const c = parseClusterConfig({ ETCD_INITIAL_CLUSTER: "n1=https://n1.t.peers.invalid:2380?hint=weur,n2" });
    expect(c.members.map((m) => m.locationHint)).toEqual(["weur", ""]);
    expect(() => parseClusterConfig({ ETCD_INITIAL_CLUSTER: "a,a" })).toThrow(/duplicate/);
    expect(() => parseClusterConfig({ ETCD_INITIAL_CLUSTER: "n=https://n.t:2380?hint=mars" })).toThrow(/hint/);
    expect(() => parseClusterConfig({ ETCD_INITIAL_CLUSTER_STATE: "maybe" })).toThrow(/new or existing/);
    expect(() => parseClusterConfig({ ETCD_HEARTBEAT_INTERVAL: "100", ETCD_ELECTION_TIMEOUT: "200" })).toThrow(/5 times/);
  });

  it("keeps etcd's 1000 events of history unless ETCD_EVENT_HISTORY_MAX raises it", () => {
    expect(parseClusterConfig({}).eventHistoryMax).toBe(1000);
    expect(parseClusterConfig({ ETCD_EVENT_HISTORY_MAX: "100000" }).eventHistoryMax).toBe(100_000);
    expect(() => parseClusterConfig({ ETCD_EVENT_HISTORY_MAX: "999" })).toThrow(/between 1000/);
    expect(() => parseClusterConfig({ ETCD_EVENT_HISTORY_MAX: "1000001" })).toThrow(/between 1000/);
    expect(() => parseClusterConfig({ ETCD_EVENT_HISTORY_MAX: "lots" })).toThrow(/positive integer/);
  });
});
