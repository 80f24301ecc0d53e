/**
 * Notifications through a directory: `notify` adds an in-order message key (with a TTL, so old
 * messages clean themselves up) under `<dir>/<topic>/messages`; listeners watch that directory
 * and see every message in order. Workers report progress as TTL keys under
 * `<dir>/<topic>/reports/<worker>`: a worker that dies stops reporting and its report expires.
 *
 * @module
 */
import type { EtcdClient } from "../client.js";
import { ErrorCode, isEtcdError } from "../errors.js";

export interface Message {
  index: number;
  message: string;
}

export class Notifier {
  constructor(private readonly client: EtcdClient, readonly dir = "/notify") {}

  async notify(topic: string, message: string, opts: { ttl?: number; signal?: AbortSignal } = {}): Promise<Message> {
    const { node } = await this.client.createInOrder(`${this.dir}/${topic}/messages`, message, { ttl: opts.ttl ?? 60, signal: opts.signal });
    return { index: node.createdIndex!, message };
  }

  /**
   * Messages created after `afterIndex` (default: now), in order. After a history loss the
   * directory is re-read and messages not yet seen are delivered from it.
   */
  async *listen(topic: string, opts: { afterIndex?: number; signal?: AbortSignal } = {}): AsyncGenerator<Message> {
    let seen = opts.afterIndex ?? -1;
    const dir = `${this.dir}/${topic}/messages`;
    for await (const item of this.client.watch(dir, { recursive: true, afterIndex: opts.afterIndex, signal: opts.signal })) {
      if (seen < 0) seen = item.index - 1;
      if (item.type === "resync") {
        for (const n of item.node?.nodes ?? []) {
          if (n.createdIndex! > seen && !n.dir) yield { index: n.createdIndex!, message: n.value ?? "" };
        }
        seen = Math.max(seen, item.index);
      } else if (item.event.action === "create" && item.index > seen) {
        seen = item.index;
        yield { index: item.index, message: item.event.node.value ?? "" };
      }
    }
  }

  /** Sets this worker's report; it expires after `ttl` seconds unless reported again. */
  async report(topic: string, worker: string, status: string, opts: { ttl?: number; signal?: AbortSignal } = {}): Promise<void> {
    await this.client.set(`${this.dir}/${topic}/reports/${worker}`, status, { ttl: opts.ttl ?? 30, signal: opts.signal });
  }

  /** The live reports: worker → status. */
  async reports(topic: string, opts: { signal?: AbortSignal } = {}): Promise<Record<string, string>> {
    try {
      const nodes = await this.client.list(`${this.dir}/${topic}/reports`, { quorum: true, signal: opts.signal });
      return Object.fromEntries(nodes.map((n) => [n.key!.slice(n.key!.lastIndexOf("/") + 1), n.value ?? ""]));
    } catch (e) {
      if (isEtcdError(e, ErrorCode.KeyNotFound)) return {};
      throw e;
    }
  }
}
