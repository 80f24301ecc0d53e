/**
 * One member's counters for GET /metrics, kept in memory: they reset when the Durable Object
 * restarts, as etcd's reset when its process does. Pure (no Workers APIs): the member object
 * feeds it durations it measured; the front Worker renders the Prometheus text.
 *
 * @module
 */

/** etcd's bucket layouts: exponential, in seconds. */
export const walFsyncBucketsSeconds = exponential(0.001, 2, 14);
export const peerRoundTripBucketsSeconds = exponential(0.0001, 2, 16);

/** etcd warns when applying one batch takes longer than this (etcdserver's warnApplyDuration). */
export const slowApplyMs = 100;

export function exponential(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

/** A Prometheus histogram's state: cumulative counts per upper bound, plus sum and count. */
export interface HistogramData {
  bounds: number[];
  /** counts[i]: observations ≤ bounds[i] (not cumulative here; the renderer accumulates). */
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(private readonly bounds: number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(seconds: number): void {
    const i = this.bounds.findIndex((b) => seconds <= b);
    if (i >= 0) this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }

  data(): HistogramData {
    return { bounds: [...this.bounds], counts: [...this.counts], sum: this.sum, count: this.count };
  }
}

/** What a member answers the `metrics` RPC with (structured-clone friendly). */
export interface MemberMetrics {
  name: string;
  id: string;
  hasLeader: boolean;
  isLeader: boolean;
  leaderChangesSeen: number;
  /** Raft commit and applied index (etcd's proposals_committed/applied_total are these gauges). */
  committed: number;
  applied: number;
  proposalsPending: number;
  proposalsFailed: number;
  slowApplies: number;
  watchers: number;
  /** etcd_debugging_store_reads_total / writes_total by action, since this instance started. */
  reads: Record<string, number>;
  writes: Record<string, number>;
  expires: number;
  walFsync: HistogramData;
  /** Round trip to each peer, by peer member id. */
  peerRoundTrip: Record<string, HistogramData>;
  appendBatches: number;
  entriesAppended: number;
  requestsServed: number;
  alarmWakeups: number;
  quiesced: boolean;
  storageBytes: number;
}
