/**
 * A FIFO queue: `enqueue` adds an in-order key (its name is its index, so keys sort by arrival);
 * `dequeue` takes the first key with compare-and-delete on its modifiedIndex, so each item goes
 * to exactly one consumer. An empty queue is waited on with a watch, not polled.
 *
 * @module
 */
import type { EtcdClient } from "../client.js";
import { ErrorCode, isEtcdError } from "../errors.js";
import type { EtcdNode } from "../types.js";

export interface QueueItem {
  key: string;
  value: string;
  index: number;
}

export class Queue {
  constructor(private readonly client: EtcdClient, readonly dir: string) {}

  async enqueue(value: string, opts: { ttl?: number; signal?: AbortSignal } = {}): Promise<QueueItem> {
    const { node } = await this.client.createInOrder(this.dir, value, opts);
    return { key: node.key!, value, index: node.createdIndex! };
  }

  /** The oldest item, removed from the queue; null if the queue is empty now. */
  async tryDequeue(signal?: AbortSignal): Promise<QueueItem | null> {
    return (await this.take(signal)).item;
  }

  /** The oldest item, waiting for one if the queue is empty. */
  async dequeue(signal?: AbortSignal): Promise<QueueItem> {
    for (;;) {
      const { item, index } = await this.take(signal);
      if (item) return item;
      // Wait for any write under the directory after the read that found it empty.
      const watcher = this.client.watch(this.dir, { recursive: true, afterIndex: index, signal });
      for await (const _ of watcher) break;
      signal?.throwIfAborted();
    }
  }

  private async take(signal?: AbortSignal): Promise<{ item: QueueItem | null; index: number }> {
    let nodes: EtcdNode[];
    let index: number;
    try {
      const r = await this.client.get(this.dir, { sorted: true, quorum: true, signal });
      nodes = r.node.nodes ?? [];
      index = r.etcdIndex;
    } catch (e) {
      if (!isEtcdError(e, ErrorCode.KeyNotFound)) throw e;
      return { item: null, index: e.index };
    }
    for (const n of nodes) {
      if (n.dir) continue;
      try {
        await this.client.compareAndDelete(n.key!, { prevIndex: n.modifiedIndex!, signal });
        return { item: { key: n.key!, value: n.value ?? "", index: n.createdIndex! }, index };
      } catch (e) {
        // Another consumer took it first: try the next one.
        if (!isEtcdError(e, ErrorCode.KeyNotFound) && !isEtcdError(e, ErrorCode.TestFailed)) throw e;
      }
    }
    return { item: null, index };
  }
}
