/**
 * Turns wall-clock time (read by the Durable Object) into raft ticks. Whether a member ticks at
 * all is raft's call: a quiesced member (src/raft/raft-quiesce.ts) needs no ticks and so no
 * alarm until an input wakes it; the clock follows, and restarts counting from the moment it
 * woke, so a long sleep is not taken for a burst of missed ticks.
 *
 * @module
 */

export interface Timing {
  tickMs: number;
  electionTicks: number;
  snapshotCount: number;
}

/** A burst of ticks after a long stall is capped: raft only needs to know "a long time". */
const ticksPerAlarmMax = 64;

export class Clock {
  private lastTickAtMs: number;
  private asleep = false;

  constructor(readonly timing: Timing, nowMs: number) {
    this.lastTickAtMs = nowMs;
  }

  /** Follows raft's quiescence; call before reading ticks or deadlines. */
  follow(quiesced: boolean, nowMs: number): void {
    if (this.asleep && !quiesced) this.lastTickAtMs = nowMs;
    this.asleep = quiesced;
  }

  /** Ticks due since the last call. */
  dueTicks(nowMs: number): number {
    if (this.asleep) return 0;
    const n = Math.floor((nowMs - this.lastTickAtMs) / this.timing.tickMs);
    if (n <= 0) return 0;
    if (n > ticksPerAlarmMax) {
      this.lastTickAtMs = nowMs;
      return Math.min(n, ticksPerAlarmMax, this.timing.electionTicks * 3);
    }
    this.lastTickAtMs += n * this.timing.tickMs;
    return n;
  }

  /** When the next tick is due, or null while asleep. Followers that know a leader tick in strides to save alarms. */
  nextTickAtMs(isLeader: boolean): number | null {
    if (this.asleep) return null;
    const stride = isLeader ? 1 : Math.max(1, Math.floor(this.timing.electionTicks / 4));
    return this.lastTickAtMs + stride * this.timing.tickMs;
  }
}
