/**
 * /metrics without a cluster: the text renderer (counted histograms, label escaping, absent
 * members), ETCD_METRICS parsing and guarding, and the per-member deadline of a scrape.
 */
import { describe, expect, it } from "vitest";
import { gatherMembers, metricsRoutes, parseMetricsMode } from "../../src/front/metrics.js";
import { renderMetrics } from "../../src/front/metrics-text.js";
import type { MemberRouter } from "../../src/front/router.js";
import { Credentials } from "../../src/http/credentials.js";
import { Histogram, type MemberMetrics } from "../../src/member/metrics.js";

function member(name: string): MemberMetrics {
  const h = new Histogram([0.001, 0.002, 0.004]);
  h.observe(0.0015);
  h.observe(0.003);
  h.observe(5);
  return {
    name, id: "1", hasLeader: true, isLeader: false, leaderChangesSeen: 1, committed: 9, applied: 9,
    proposalsPending: 0, proposalsFailed: 0, slowApplies: 0, watchers: 2, reads: { get: 3 }, writes: { set: 4 },
    expires: 0, walFsync: h.data(), peerRoundTrip: {}, appendBatches: 2, entriesAppended: 5, requestsServed: 7,
    alarmWakeups: 1, quiesced: false, storageBytes: 4096,
  };
}

describe("renderMetrics", () => {
  it("renders cumulative buckets, +Inf, sum and count, labelled by member", () => {
    const text = renderMetrics([member("a")]);
    expect(text).toContain('etcd_disk_wal_fsync_duration_seconds_bucket{member="a",le="0.001"} 0\n');
    expect(text).toContain('etcd_disk_wal_fsync_duration_seconds_bucket{member="a",le="0.002"} 1\n');
    expect(text).toContain('etcd_disk_wal_fsync_duration_seconds_bucket{member="a",le="0.004"} 2\n');
    expect(text).toContain('etcd_disk_wal_fsync_duration_seconds_bucket{member="a",le="+Inf"} 3\n');
    expect(text).toContain('etcd_disk_wal_fsync_duration_seconds_count{member="a"} 3\n');
    expect(text).toContain('etcd_debugging_store_writes_total{member="a",action="set"} 4\n');
    expect(text).toContain("# TYPE etcd_server_has_leader gauge\n");
  });

  it("escapes label values and leaves out families no member has", () => {
    const text = renderMetrics([member('x"y\\z')]);
    expect(text).toContain('etcd_server_has_leader{member="x\\"y\\\\z"} 1');
    expect(text).not.toContain("etcd_network_peer_round_trip_time_seconds");
    expect(renderMetrics([])).toBe("\n");
  });
});

describe("ETCD_METRICS", () => {
  it("is public by default, and only public, root or off", () => {
    expect(parseMetricsMode(undefined)).toBe("public");
    expect(parseMetricsMode(" root ")).toBe("root");
    expect(parseMetricsMode("off")).toBe("off");
    expect(() => parseMetricsMode("yes")).toThrow(/ETCD_METRICS/);
  });

  const router = {
    config: { members: [{ name: "a" }] },
    stub: () => ({ metrics: async () => member("a") }),
    address: (name: string) => ({ token: "t", name }),
  } as unknown as MemberRouter;
  const authOn = new Credentials(async () => ({ enabled: true, user: null }));
  const request = (method = "GET") => ({ raw: new Request("http://x/metrics", { method }), method, path: "/metrics", rawQuery: "" });

  it("off registers no route (the mux answers 404)", () => {
    expect(metricsRoutes(router, authOn, "off")).toEqual({});
  });

  it("root refuses a caller without root credentials while auth is on; public does not ask", async () => {
    const root = await metricsRoutes(router, authOn, "root")["/metrics"]!(request());
    expect(root.status).toBe(401);
    const open = await metricsRoutes(router, authOn, "public")["/metrics"]!(request());
    expect(open.status).toBe(200);
    expect(await open.text()).toContain('etcd_server_has_leader{member="a"} 1');
  });
});

describe("gatherMembers", () => {
  it("leaves out a member that does not answer within the deadline, and one that fails", async () => {
    const router = { config: { members: [{ name: "up" }, { name: "hung" }, { name: "down" }] } } as unknown as MemberRouter;
    const started = Date.now();
    const answers = await gatherMembers(
      router,
      (name) => (name === "up" ? Promise.resolve(name) : name === "down" ? Promise.reject(new Error("gone")) : new Promise<string>(() => {})),
      50,
    );
    expect(answers).toEqual(["up", null, null]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
