/**
 * Keeps a TTL key alive: refreshes it every ttl/3 with `prevValue` = its owner's value, so a
 * refresh never revives a key someone else now holds. `signal` aborts when the key is lost: a
 * refresh answered "Key not found" / "Compare failed", or no refresh has succeeded for a whole
 * TTL (the key may have expired while the cluster was unreachable).
 *
 * @module
 */
import type { EtcdClient } from "../client.js";
import { ErrorCode, isEtcdError } from "../errors.js";
import { sleep } from "../signals.js";

export class Lease {
  private readonly lostCtl = new AbortController();
  private readonly stopCtl = new AbortController();
  private lastOkMs: number;
  private readonly loop: Promise<void>;

  constructor(
    private readonly client: EtcdClient,
    readonly key: string,
    readonly value: string,
    readonly ttlSeconds: number,
    /** When the write that set the TTL was sent: the TTL runs from no later than that. */
    sentMs = Date.now(),
  ) {
    if (ttlSeconds < 1) throw new Error("Lease: ttl must be at least 1 s");
    this.lastOkMs = sentMs;
    this.loop = this.run();
  }

  /** Aborts (reason: an Error saying why) once the key can no longer be trusted to be ours. */
  get signal(): AbortSignal {
    return this.lostCtl.signal;
  }

  get lost(): boolean {
    return this.lostCtl.signal.aborted;
  }

  /** Stops refreshing; the key stays until deleted or expired. */
  async stop(): Promise<void> {
    this.stopCtl.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const periodMs = (this.ttlSeconds * 1000) / 3;
    let wait = periodMs;
    while (!this.stopCtl.signal.aborted && !this.lost) {
      try {
        await sleep(wait, this.stopCtl.signal);
      } catch {
        return;
      }
      const sinceOkMs = Date.now() - this.lastOkMs;
      if (sinceOkMs >= this.ttlSeconds * 1000) return this.lose(`no refresh for ${sinceOkMs} ms (ttl ${this.ttlSeconds} s)`);
      const sentMs = Date.now();
      try {
        await this.client.refresh(this.key, this.ttlSeconds, { prevValue: this.value, signal: this.stopCtl.signal });
        this.lastOkMs = sentMs;
        wait = periodMs;
      } catch (e) {
        if (this.stopCtl.signal.aborted) return;
        if (isEtcdError(e, ErrorCode.KeyNotFound) || isEtcdError(e, ErrorCode.TestFailed)) return this.lose(`refresh: ${(e as Error).message}`);
        wait = Math.min(periodMs, 250); // a transient failure: try again soon, within the TTL
      }
    }
  }

  private lose(why: string): void {
    this.lostCtl.abort(new Error(`lease on ${this.key} lost: ${why}`));
  }
}
