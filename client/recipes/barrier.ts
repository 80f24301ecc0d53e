/**
 * A barrier: while its key exists, everyone calling `wait` blocks; deleting the key (or its TTL
 * running out, so a crashed holder cannot block others forever) lets them all through.
 *
 * @module
 */
import type { EtcdClient } from "../client.js";
import { ErrorCode, isEtcdError } from "../errors.js";
import { waitUntilGone } from "./wait.js";

export class Barrier {
  constructor(private readonly client: EtcdClient, readonly key: string) {}

  /** Raises the barrier; with `ttl` it falls by itself after that many seconds. */
  async hold(opts: { ttl?: number; signal?: AbortSignal } = {}): Promise<void> {
    await this.client.set(this.key, "held", opts);
  }

  async release(signal?: AbortSignal): Promise<void> {
    await this.client.delete(this.key, { signal }).catch((e) => {
      if (!isEtcdError(e, ErrorCode.KeyNotFound)) throw e;
    });
  }

  /** Resolves once the barrier is down (at once if it is not up). */
  async wait(signal?: AbortSignal): Promise<void> {
    try {
      const r = await this.client.get(this.key, { quorum: true, signal });
      await waitUntilGone(this.client, this.key, r.etcdIndex, signal);
    } catch (e) {
      if (!isEtcdError(e, ErrorCode.KeyNotFound)) throw e;
    }
  }
}
