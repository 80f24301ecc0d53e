/**
 * Turns wall-clock time (read by the Durable Object) into raft ticks, and decides when a
 * member may stop ticking. An idle cluster quiesces: the leader stops heartbeating once every
 * follower has its whole log, followers stop their election timers when told, and nothing
 * runs until the next request or message wakes them.
 *
 * @module
 */
import type { Message } from "../raft/types.js";

export interface Timing {
  tickMs: number;
  electionTicks: number;
  snapshotCount: number;
}

/** Ticks a leader must see settled (all followers matched) before it quiesces. */
const quiesceAfterTicks = 3;
/** A burst of ticks after a long sleep is capped: raft only needs to know "a long time". */
const ticksPerAlarmMax = 64;

export class Clock {
  quiesced = false;
  private lastTickAtMs: number;
  private settledTicks = 0;

  constructor(readonly timing: Timing, nowMs: number) {
    this.lastTickAtMs = nowMs;
  }

  /** Ticks due since the last call. Followers that know a leader tick in strides to save alarms. */
  dueTicks(nowMs: number, _isLeader: boolean): number {
    if (this.quiesced) return 0;
    const n = Math.floor((nowMs - this.lastTickAtMs) / this.timing.tickMs);
    if (n <= 0) return 0;
    if (n > ticksPerAlarmMax) {
      this.lastTickAtMs = nowMs;
      return Math.min(n, ticksPerAlarmMax, this.timing.electionTicks * 3);
    }
    this.lastTickAtMs += n * this.timing.tickMs;
    return n;
  }

  nextTickAtMs(isLeader: boolean): number | null {
    if (this.quiesced) return null;
    const stride = isLeader ? 1 : Math.max(1, Math.floor(this.timing.electionTicks / 4));
    return this.lastTickAtMs + stride * this.timing.tickMs;
  }

  wake(nowMs: number): void {
    this.settledTicks = 0;
    if (!this.quiesced) return;
    this.quiesced = false;
    this.lastTickAtMs = nowMs;
  }

  quiesce(): void {
    this.quiesced = true;
    this.settledTicks = 0;
  }

  /** Records whether the leader is settled; true exactly when it should quiesce now. */
  noteSettled(settled: boolean): boolean {
    this.settledTicks = settled ? this.settledTicks + 1 : 0;
    if (this.settledTicks < quiesceAfterTicks) return false;
    this.quiesce();
    return true;
  }

  /** A leader is not woken by the acks of its own final heartbeats; anything else wakes. */
  wakesOn(m: Message, isLeader: boolean): boolean {
    if (!isLeader) return true;
    return !(m.type === "MsgHeartbeatResp" || (m.type === "MsgAppResp" && !m.reject));
  }
}
