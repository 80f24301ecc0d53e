/** Waiting on keys, shared by the recipes. */
import type { EtcdClient } from "../client.js";
import type { EtcdResult } from "../types.js";

const gone = new Set(["delete", "expire", "compareAndDelete"]);

/** True if the event removes `key` (its own delete/expire, or a directory above it going). */
export function removes(event: EtcdResult, key: string): boolean {
  const k = event.node.key ?? "";
  return gone.has(event.action) && (k === key || key.startsWith(`${k}/`));
}

/** Resolves once `key` is gone: an event after `afterIndex` removes it, or a re-read finds nothing. */
export async function waitUntilGone(client: EtcdClient, key: string, afterIndex: number, signal?: AbortSignal): Promise<void> {
  const watcher = client.watch(key, { afterIndex, signal });
  try {
    for await (const item of watcher) {
      if (item.type === "resync" ? item.node === null : removes(item.event, key)) return;
    }
    signal?.throwIfAborted();
  } finally {
    watcher.stop();
  }
}

/**
 * A value no other acquisition shares: the recipes compare-and-delete by it. (getRandomValues,
 * not randomUUID, which browsers offer only to secure contexts.)
 */
export function uniqueValue(owner: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `${owner}#${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
