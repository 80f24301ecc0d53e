/**
 * In-memory member statistics, as etcd keeps them (reset on restart): append requests sent and
 * received (for /v2/stats/self) and, on the leader, per-follower round-trip latency and
 * success/failure counts of peer RPCs (for /v2/stats/leader). Latencies are in milliseconds.
 *
 * @module
 */
import { Histogram, peerRoundTripBucketsSeconds } from "./metrics.js";

export interface LatencyStats {
  current: number;
  average: number;
  standardDeviation: number;
  minimum: number;
  maximum: number;
}

export interface FollowerStats {
  latency: LatencyStats;
  counts: { fail: number; success: number };
}

class Follower {
  private n = 0;
  private sum = 0;
  private sumSq = 0;
  private current = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;
  fail = 0;
  success = 0;

  record(ms: number): void {
    this.success++;
    this.n++;
    this.current = ms;
    this.sum += ms;
    this.sumSq += ms * ms;
    this.min = Math.min(this.min, ms);
    this.max = Math.max(this.max, ms);
  }

  json(): FollowerStats {
    const average = this.n ? this.sum / this.n : 0;
    const variance = this.n ? Math.max(0, this.sumSq / this.n - average * average) : 0;
    return {
      latency: {
        current: this.current,
        average,
        standardDeviation: Math.sqrt(variance),
        // etcd initialises the minimum to 2^63 until the first success.
        minimum: this.n ? this.min : 9223372036854775808,
        maximum: this.max,
      },
      counts: { fail: this.fail, success: this.success },
    };
  }
}

export class PeerStats {
  sendAppendRequestCnt = 0;
  recvAppendRequestCnt = 0;
  readonly startTimeMs: number;
  private followers = new Map<string, Follower>();
  /** etcd_network_peer_round_trip_time_seconds, by peer id; kept across leadership changes. */
  readonly roundTrip = new Map<string, Histogram>();

  constructor(nowMs: number) {
    this.startTimeMs = nowMs;
  }

  follower(id: string): Follower {
    let f = this.followers.get(id);
    if (!f) this.followers.set(id, (f = new Follower()));
    return f;
  }

  observeRoundTrip(peerId: string, ms: number): void {
    let h = this.roundTrip.get(peerId);
    if (!h) this.roundTrip.set(peerId, (h = new Histogram(peerRoundTripBucketsSeconds)));
    h.observe(ms / 1000);
  }

  /** Forget followers after a leadership change: etcd's leader stats start fresh. */
  resetFollowers(): void {
    this.followers = new Map();
  }

  leaderJson(leaderId: string, voters: string[]): { leader: string; followers: Record<string, FollowerStats> } {
    const followers: Record<string, FollowerStats> = {};
    for (const id of voters) if (id !== leaderId) followers[id] = this.follower(id).json();
    return { leader: leaderId, followers };
  }
}
