/** A local copy of a directory's keys (relative path → value), kept current from watch items. */
import type { EtcdNode, EtcdResult } from "../types.js";
import type { WatchItem } from "../watcher.js";

const writes = new Set(["set", "create", "update", "compareAndSwap"]);
const removals = new Set(["delete", "expire", "compareAndDelete"]);

export class DirMirror {
  readonly values = new Map<string, string>();

  constructor(readonly dir: string) {}

  /** Applies one watch item; true if the copy changed. */
  apply(item: WatchItem): boolean {
    if (item.type === "resync") return this.reset(item.node);
    return this.event(item.event);
  }

  private reset(node: EtcdNode | null): boolean {
    const before = JSON.stringify([...this.values]);
    this.values.clear();
    if (node) this.flatten(node);
    return JSON.stringify([...this.values]) !== before;
  }

  private flatten(node: EtcdNode): void {
    if (!node.dir) {
      const rel = this.relative(node.key ?? "");
      if (rel !== null) this.values.set(rel, node.value ?? "");
    }
    for (const child of node.nodes ?? []) this.flatten(child);
  }

  private event(e: EtcdResult): boolean {
    const rel = this.relative(e.node.key ?? "");
    if (writes.has(e.action) && !e.node.dir && rel !== null) {
      const changed = this.values.get(rel) !== e.node.value;
      this.values.set(rel, e.node.value ?? "");
      return changed;
    }
    if (!removals.has(e.action)) return false;
    // A removed directory takes its whole subtree with it; one at or above ours empties the copy.
    let changed = false;
    for (const k of [...this.values.keys()]) {
      if (rel === null || rel === "" || k === rel || k.startsWith(`${rel}/`)) changed = this.values.delete(k) || changed;
    }
    return changed;
  }

  /** `key` relative to the directory ("" for the directory itself); null if outside it. */
  private relative(key: string): string | null {
    if (key === this.dir) return "";
    return key.startsWith(`${this.dir}/`) ? key.slice(this.dir.length + 1) : null;
  }
}
