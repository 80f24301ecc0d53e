/**
 * One member's counters for GET /metrics, kept in memory: they reset when the Durable Object
 * restarts, as etcd's reset when its process does. Pure (no Workers APIs): the member object
 * feeds it durations it measured; the front Worker renders the Prometheus text.
 *
 * @module
 */
import { NONE } from "../raft/types.js";
import type { StoreStats } from "../store/types.js";
import type { MemberStatus } from "./rpc-types.js";

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

/** What the member object has at hand when asked; see Member.metrics. */
export interface MetricsSources {
  status: MemberStatus;
  counters: { leaderChangesSeen: number; proposalsFailed: number; slowApplies: number; proposalsPending: number };
  store: StoreStats;
  watchers: number;
  walFsync: Histogram;
  peerRoundTrip: ReadonlyMap<string, Histogram>;
  requestsServed: number;
  alarmWakeups: number;
  storageBytes: number;
}

export function memberMetrics(src: MetricsSources): MemberMetrics {
  const { status: s, counters: c, store: st } = src;
  const peerRoundTrip: MemberMetrics["peerRoundTrip"] = {};
  for (const [id, h] of src.peerRoundTrip) peerRoundTrip[id] = h.data();
  return {
    name: s.name,
    id: s.id,
    hasLeader: s.leader !== NONE,
    isLeader: s.role === "StateLeader",
    leaderChangesSeen: c.leaderChangesSeen,
    committed: s.commit,
    applied: s.applied,
    proposalsPending: c.proposalsPending,
    proposalsFailed: c.proposalsFailed,
    slowApplies: c.slowApplies,
    watchers: src.watchers,
    // etcd counts success and failure alike, by action.
    reads: { get: st.getsSuccess + st.getsFail },
    writes: {
      set: st.setsSuccess + st.setsFail,
      delete: st.deleteSuccess + st.deleteFail,
      update: st.updateSuccess + st.updateFail,
      create: st.createSuccess + st.createFail,
      compareAndSwap: st.compareAndSwapSuccess + st.compareAndSwapFail,
      compareAndDelete: st.compareAndDeleteSuccess + st.compareAndDeleteFail,
    },
    expires: st.expireCount,
    walFsync: src.walFsync.data(),
    peerRoundTrip,
    appendBatches: s.appendBatches,
    entriesAppended: s.entriesAppended,
    requestsServed: src.requestsServed,
    alarmWakeups: src.alarmWakeups,
    quiesced: s.quiesced,
    storageBytes: src.storageBytes,
  };
}
