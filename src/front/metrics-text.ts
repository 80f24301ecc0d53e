/**
 * The Prometheus text exposition format (version 0.0.4) for the members' metrics: one series per
 * member, labelled `member="<name>"`. Pure: turns what members answered into text. A member that
 * did not answer has no series at all, so `etcd_server_has_leader` is absent for it (absent, not
 * 0: alert on `absent()` or on fewer series than members).
 *
 * Names are etcd's where the meaning carries over; this project's own start with `etcd_edge_`.
 *
 * @module
 */
import type { HistogramData, MemberMetrics } from "../member/metrics.js";

type Kind = "gauge" | "counter" | "histogram";

/** Counters are per member instance: a Durable Object restart resets them, as an etcd restart does. */
const perInstance = " Resets when the member restarts.";

interface Family {
  name: string;
  kind: Kind;
  help: string;
  samples(m: MemberMetrics): Array<{ labels?: Record<string, string>; value: number } | { labels?: Record<string, string>; histogram: HistogramData }>;
}

const b = (v: boolean) => (v ? 1 : 0);

const families: Family[] = [
  { name: "etcd_server_has_leader", kind: "gauge", help: "Whether or not a leader exists. 1 is existence, 0 is not.", samples: (m) => [{ value: b(m.hasLeader) }] },
  { name: "etcd_server_is_leader", kind: "gauge", help: "Whether or not this member is a leader. 1 if is, 0 otherwise.", samples: (m) => [{ value: b(m.isLeader) }] },
  { name: "etcd_server_leader_changes_seen_total", kind: "counter", help: "The number of leader changes seen." + perInstance, samples: (m) => [{ value: m.leaderChangesSeen }] },
  // etcd declares these two gauges; they are the raft commit and applied index, which never go
  // down, so counter is as true and keeps `promtool check metrics` free of lint.
  { name: "etcd_server_proposals_committed_total", kind: "counter", help: "The total number of consensus proposals committed (the raft commit index; etcd types it gauge).", samples: (m) => [{ value: m.committed }] },
  { name: "etcd_server_proposals_applied_total", kind: "counter", help: "The total number of consensus proposals applied (the raft applied index; etcd types it gauge).", samples: (m) => [{ value: m.applied }] },
  { name: "etcd_server_proposals_pending", kind: "gauge", help: "The current number of pending client proposals to commit.", samples: (m) => [{ value: m.proposalsPending }] },
  { name: "etcd_server_proposals_failed_total", kind: "counter", help: "The total number of client proposals that failed (timed out or lost to a leader change)." + perInstance, samples: (m) => [{ value: m.proposalsFailed }] },
  { name: "etcd_server_slow_apply_total", kind: "counter", help: "The number of Ready batches whose append and apply transaction took over 100ms." + perInstance, samples: (m) => [{ value: m.slowApplies }] },
  { name: "etcd_debugging_store_watchers", kind: "gauge", help: "Count of currently active watchers.", samples: (m) => [{ value: m.watchers }] },
  { name: "etcd_debugging_store_reads_total", kind: "counter", help: "Total number of reads action by (get/getRecursive), local to this member." + perInstance, samples: (m) => labelled(m.reads) },
  { name: "etcd_debugging_store_writes_total", kind: "counter", help: "Total number of writes (e.g. set/compareAndDelete) seen by this member." + perInstance, samples: (m) => labelled(m.writes) },
  { name: "etcd_debugging_store_expires_total", kind: "counter", help: "Total number of expired keys." + perInstance, samples: (m) => [{ value: m.expires }] },
  { name: "etcd_disk_wal_fsync_duration_seconds", kind: "histogram", help: "The latency distributions of one Ready's SQLite transaction plus storage sync (etcd's WAL fsync)." + perInstance, samples: (m) => [{ histogram: m.walFsync }] },
  {
    name: "etcd_network_peer_round_trip_time_seconds",
    kind: "histogram",
    help: "Round-trip-time histogram between peers (one raft message batch RPC), by peer member id." + perInstance,
    samples: (m) => Object.entries(m.peerRoundTrip).map(([to, histogram]) => ({ labels: { To: to }, histogram })),
  },
  { name: "etcd_edge_raft_append_batches_total", kind: "counter", help: "Group commits: Readies that appended log entries in one transaction." + perInstance, samples: (m) => [{ value: m.appendBatches }] },
  { name: "etcd_edge_raft_entries_appended_total", kind: "counter", help: "Log entries appended; divided by etcd_edge_raft_append_batches_total: entries per group commit." + perInstance, samples: (m) => [{ value: m.entriesAppended }] },
  { name: "etcd_edge_member_requests_total", kind: "counter", help: "Durable Object requests (RPCs and watch requests) this member served." + perInstance, samples: (m) => [{ value: m.requestsServed }] },
  { name: "etcd_edge_member_alarm_wakeups_total", kind: "counter", help: "Durable Object alarm wake-ups (raft ticks, TTL expiry)." + perInstance, samples: (m) => [{ value: m.alarmWakeups }] },
  { name: "etcd_edge_member_quiesced", kind: "gauge", help: "1 while this member's raft group is quiesced (no ticks, no alarm), 0 otherwise.", samples: (m) => [{ value: b(m.quiesced) }] },
  { name: "etcd_edge_member_storage_bytes", kind: "gauge", help: "Size of this member's SQLite database in bytes.", samples: (m) => [{ value: m.storageBytes }] },
];

function labelled(byAction: Record<string, number>): Array<{ labels: Record<string, string>; value: number }> {
  return Object.entries(byAction).map(([action, value]) => ({ labels: { action }, value }));
}

/** Prometheus label value escaping: backslash, double quote and newline. */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function num(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  return Number.isFinite(v) ? String(v) : "NaN";
}

/** Go's %g-style bucket bounds ("0.001", "0.002", …): JavaScript's shortest round-trip form. */
function bound(v: number): string {
  return String(Number(v.toPrecision(12)));
}

export function renderMetrics(members: MemberMetrics[]): string {
  const out: string[] = [];
  for (const f of families) {
    const lines: string[] = [];
    for (const m of members) {
      for (const s of f.samples(m)) {
        const labels = { member: m.name, ...s.labels };
        if ("value" in s) {
          lines.push(`${f.name}${labelText(labels)} ${num(s.value)}`);
          continue;
        }
        let cumulative = 0;
        s.histogram.bounds.forEach((le, i) => {
          cumulative += s.histogram.counts[i] ?? 0;
          lines.push(`${f.name}_bucket${labelText({ ...labels, le: bound(le) })} ${cumulative}`);
        });
        lines.push(`${f.name}_bucket${labelText({ ...labels, le: "+Inf" })} ${s.histogram.count}`);
        lines.push(`${f.name}_sum${labelText(labels)} ${num(s.histogram.sum)}`);
        lines.push(`${f.name}_count${labelText(labels)} ${s.histogram.count}`);
      }
    }
    if (lines.length === 0) continue;
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.kind}`, ...lines);
  }
  return out.join("\n") + "\n";
}
