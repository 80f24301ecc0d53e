/**
 * StoreBackend over Maps: tests and single-process mode. Keeps a parent→children index and an
 * expiration index ordered by (expirationMs, path), like the SQLite tables' indexes.
 *
 * @module
 */
import type { HistoryRecord, NodeRecord, StoreBackend } from "./backend.js";
import { compareKeys, parentPath } from "./path.js";

interface ExpiryEntry {
  expirationMs: number;
  path: string;
}

function compareExpiry(a: ExpiryEntry, b: ExpiryEntry): number {
  return a.expirationMs - b.expirationMs || compareKeys(a.path, b.path);
}

export class MemoryBackend implements StoreBackend {
  #nodes = new Map<string, NodeRecord>();
  #children = new Map<string, Set<string>>();
  /** Sorted ascending by (expirationMs, path). */
  #expiry: ExpiryEntry[] = [];
  #index = 0;
  #history: HistoryRecord[] = [];
  /** Sorted path list for scanNodes; rebuilt lazily after a mutation. */
  #sortedPaths: string[] | null = null;

  getNode(path: string): NodeRecord | undefined {
    const n = this.#nodes.get(path);
    return n === undefined ? undefined : { ...n };
  }

  putNode(node: NodeRecord): void {
    const old = this.#nodes.get(node.path);
    if (old === undefined && node.path !== "/") {
      const parent = parentPath(node.path);
      const siblings = this.#children.get(parent);
      if (siblings === undefined) throw new Error(`putNode ${node.path}: parent ${parent} is missing`);
      siblings.add(node.path);
      this.#sortedPaths = null;
    }
    if (old !== undefined) {
      if (old.dir && !node.dir && (this.#children.get(node.path)?.size ?? 0) > 0) {
        throw new Error(`putNode ${node.path}: replacing a non-empty directory with a key`);
      }
      this.#unindexExpiry(old);
    }
    if (node.dir) {
      if (!this.#children.has(node.path)) this.#children.set(node.path, new Set());
    } else {
      this.#children.delete(node.path);
    }
    this.#nodes.set(node.path, { ...node });
    this.#indexExpiry(node);
  }

  children(path: string): NodeRecord[] {
    const kids = this.#children.get(path);
    if (kids === undefined) return [];
    const out: NodeRecord[] = [];
    for (const p of kids) {
      const n = this.#nodes.get(p);
      if (n !== undefined) out.push({ ...n });
    }
    return out;
  }

  hasChildren(path: string): boolean {
    return (this.#children.get(path)?.size ?? 0) > 0;
  }

  removeTree(path: string): void {
    const n = this.#nodes.get(path);
    if (n === undefined) return;
    const kids = this.#children.get(path);
    if (kids !== undefined) for (const k of [...kids]) this.removeTree(k);
    this.#children.delete(path);
    this.#unindexExpiry(n);
    this.#nodes.delete(path);
    this.#children.get(parentPath(path))?.delete(path);
    this.#sortedPaths = null;
  }

  expiredBy(timeMs: number, limit: number): NodeRecord[] {
    const out: NodeRecord[] = [];
    for (const e of this.#expiry) {
      if (e.expirationMs > timeMs || out.length >= limit) break;
      const n = this.#nodes.get(e.path);
      if (n !== undefined) out.push({ ...n });
    }
    return out;
  }

  earliestExpirationMs(): number | null {
    return this.#expiry[0]?.expirationMs ?? null;
  }

  getIndex(): number {
    return this.#index;
  }

  setIndex(index: number): void {
    this.#index = index;
  }

  appendHistory(record: HistoryRecord, historyMax: number): void {
    const last = this.#history[this.#history.length - 1];
    if (last !== undefined && record.index <= last.index) {
      throw new Error(`appendHistory: index ${record.index} after ${last.index}`);
    }
    this.#history.push({ index: record.index, key: record.key, data: record.data });
    const excess = this.#history.length - historyMax;
    if (excess > 0) this.#history.splice(0, excess);
  }

  historyFrom(from: number, limit: number): HistoryRecord[] {
    const first = this.#history[0];
    if (first === undefined) return [];
    // Indexes are contiguous in practice, but search rather than assume it.
    let i = Math.max(0, from - first.index);
    while (i > 0 && (this.#history[i - 1]?.index ?? -1) >= from) i--;
    while (i < this.#history.length && (this.#history[i]?.index ?? Infinity) < from) i++;
    return this.#history.slice(i, i + limit);
  }

  historyStartIndex(): number {
    return this.#history[0]?.index ?? 0;
  }

  historyLastIndex(): number {
    return this.#history[this.#history.length - 1]?.index ?? 0;
  }

  scanNodes(afterPath: string, limit: number): NodeRecord[] {
    if (this.#sortedPaths === null) this.#sortedPaths = [...this.#nodes.keys()].sort(compareKeys);
    const paths = this.#sortedPaths;
    let lo = 0;
    let hi = paths.length;
    if (afterPath !== "") {
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareKeys(paths[mid] as string, afterPath) <= 0) lo = mid + 1;
        else hi = mid;
      }
    }
    const out: NodeRecord[] = [];
    for (let i = lo; i < paths.length && out.length < limit; i++) {
      const n = this.#nodes.get(paths[i] as string);
      if (n !== undefined) out.push({ ...n });
    }
    return out;
  }

  clear(): void {
    this.#nodes.clear();
    this.#children.clear();
    this.#expiry = [];
    this.#index = 0;
    this.#history = [];
    this.#sortedPaths = null;
  }

  #indexExpiry(n: NodeRecord): void {
    if (n.expirationMs === null) return;
    const e = { expirationMs: n.expirationMs, path: n.path };
    this.#expiry.splice(this.#expiryPosition(e), 0, e);
  }

  #unindexExpiry(n: NodeRecord): void {
    if (n.expirationMs === null) return;
    const e = { expirationMs: n.expirationMs, path: n.path };
    const i = this.#expiryPosition(e);
    const found = this.#expiry[i];
    if (found === undefined || compareExpiry(found, e) !== 0) {
      throw new Error(`expiry index lost ${n.path}`);
    }
    this.#expiry.splice(i, 1);
  }

  /** First position whose entry is ≥ e. */
  #expiryPosition(e: ExpiryEntry): number {
    let lo = 0;
    let hi = this.#expiry.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareExpiry(this.#expiry[mid] as ExpiryEntry, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
