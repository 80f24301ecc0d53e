/**
 * GET /metrics end to end: valid Prometheus text (promtool check metrics), one series per member,
 * one leader, and counters that move after writes.
 */
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../../scripts/lib/local-cluster.js";
import { TestCluster, names } from "./cluster-helpers.js";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = TestCluster.connect(inject("clusterUrl"));
  await cluster.leader();
});

/** `name{labels} value` lines, as [name, labels, value]. */
function samples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

async function scrape(): Promise<string> {
  const res = await fetch(`${cluster.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

const sumOf = (text: string, name: string, labels: Record<string, string> = {}) =>
  samples(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);

describe("GET /metrics", () => {
  it("is valid Prometheus text by promtool, one series per member and one leader", async () => {
    let text = "";
    await waitFor(async () => {
      text = await scrape();
      const has = samples(text).filter((s) => s.name === "etcd_server_has_leader");
      return has.length === names.length && has.every((s) => s.value === 1);
    }, 20_000);
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(check.error).toBeUndefined();
    expect(check.stdout + check.stderr).toBe("");
    expect(check.status).toBe(0);

    const leaders = samples(text).filter((s) => s.name === "etcd_server_is_leader");
    expect(leaders.map((s) => s.labels.member).sort()).toEqual(names);
    expect(leaders.filter((s) => s.value === 1)).toHaveLength(1);
    for (const family of ["etcd_server_proposals_committed_total", "etcd_edge_member_storage_bytes", "etcd_disk_wal_fsync_duration_seconds_count", "etcd_edge_member_requests_total"]) {
      expect(samples(text).filter((s) => s.name === family).map((s) => s.labels.member).sort()).toEqual(names);
    }
  });

  it("counts writes, reads and group commits after a write", async () => {
    const key = `/e2e-metrics-${Date.now()}`;
    const before = await scrape();
    const put = await cluster.put(key, "v");
    expect(put.status).toBe(201);
    try {
      const got = await fetch(`${cluster.url}/v2/keys${key}`);
      expect(got.status).toBe(200);
      let after = "";
      // Every member applies the write; followers may apply it a heartbeat later.
      await waitFor(async () => {
        after = await scrape();
        return sumOf(after, "etcd_debugging_store_writes_total", { action: "set" }) >= sumOf(before, "etcd_debugging_store_writes_total", { action: "set" }) + names.length;
      }, 10_000);
      expect(sumOf(after, "etcd_debugging_store_reads_total", { action: "get" })).toBeGreaterThan(sumOf(before, "etcd_debugging_store_reads_total", { action: "get" }));
      expect(sumOf(after, "etcd_server_proposals_applied_total")).toBeGreaterThan(sumOf(before, "etcd_server_proposals_applied_total"));
      expect(sumOf(after, "etcd_edge_raft_entries_appended_total")).toBeGreaterThan(sumOf(before, "etcd_edge_raft_entries_appended_total"));
      expect(sumOf(after, "etcd_disk_wal_fsync_duration_seconds_count")).toBeGreaterThan(sumOf(before, "etcd_disk_wal_fsync_duration_seconds_count"));
    } finally {
      await fetch(`${cluster.url}/v2/keys${key}`, { method: "DELETE" });
    }
  });

  it("answers GET and HEAD only", async () => {
    const res = await fetch(`${cluster.url}/metrics`, { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("GET,HEAD");
    expect((await fetch(`${cluster.url}/metrics`, { method: "HEAD" })).status).toBe(200);
  });
});
