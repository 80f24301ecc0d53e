/**
 * The v3 store's backend in memory: the in-process server (src/http/v3-direct.ts) and tests.
 * Plain sorted scans: it serves one process's test loads, not production sizes.
 *
 * @module
 */
import { inRange, type HistoryRow, type V3Backend } from "./backend.js";
import type { KeyRange, KeyValue, Lease } from "./types.js";

export class MemoryV3Backend implements V3Backend {
  #rev = 1;
  #compact = 0;
  readonly #live = new Map<string, KeyValue>();
  #history: HistoryRow[] = [];
  readonly #leases = new Map<string, Lease>();

  revision(): number {
    return this.#rev;
  }
  setRevision(rev: number): void {
    this.#rev = rev;
  }
  compactRevision(): number {
    return this.#compact;
  }
  setCompactRevision(rev: number): void {
    this.#compact = rev;
  }

  get(key: string): KeyValue | undefined {
    return this.#live.get(key);
  }

  #sortedLive(r: KeyRange): KeyValue[] {
    return [...this.#live.values()].filter((kv) => inRange(r, kv.key)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  rangeLive(r: KeyRange, limit: number): KeyValue[] {
    const all = this.#sortedLive(r);
    return limit > 0 ? all.slice(0, limit) : all;
  }

  countLive(r: KeyRange): number {
    let n = 0;
    for (const key of this.#live.keys()) if (inRange(r, key)) n++;
    return n;
  }

  rangeAt(r: KeyRange, rev: number): KeyValue[] {
    const latest = new Map<string, HistoryRow>();
    for (const row of this.#history) if (row.revision <= rev && inRange(r, row.kv.key)) latest.set(row.kv.key, row);
    return [...latest.values()]
      .filter((row) => !row.tombstone)
      .map((row) => row.kv)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  put(row: HistoryRow): void {
    this.#live.set(row.kv.key, row.kv);
    this.#history.push(row);
  }

  remove(row: HistoryRow): void {
    this.#live.delete(row.kv.key);
    this.#history.push(row);
  }

  historyFrom(from: number, limit: number): HistoryRow[] {
    const out: HistoryRow[] = [];
    for (const row of this.#history) {
      if (row.revision < from) continue;
      out.push(row);
      if (out.length >= limit) break;
    }
    return out;
  }

  previous(key: string, revision: number, sub: number): HistoryRow | undefined {
    let found: HistoryRow | undefined;
    for (const row of this.#history) {
      if (row.revision > revision || (row.revision === revision && row.sub >= sub)) break;
      if (row.kv.key === key) found = row;
    }
    return found;
  }

  compact(rev: number): void {
    const latest = new Map<string, HistoryRow>();
    for (const row of this.#history) if (row.revision <= rev) latest.set(row.kv.key, row);
    this.#history = this.#history.filter((row) => row.revision > rev || (latest.get(row.kv.key) === row && !row.tombstone));
  }

  getLease(id: string): Lease | undefined {
    return this.#leases.get(id);
  }
  putLease(l: Lease): void {
    this.#leases.set(l.id, l);
  }
  deleteLease(id: string): void {
    this.#leases.delete(id);
  }
  leases(): Lease[] {
    return [...this.#leases.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }
  dueLeases(timeMs: number, limit: number): Lease[] {
    return [...this.#leases.values()]
      .filter((l) => l.expiresMs <= timeMs)
      .sort((a, b) => a.expiresMs - b.expiresMs)
      .slice(0, limit);
  }
  earliestLeaseExpiryMs(): number | null {
    let min: number | null = null;
    for (const l of this.#leases.values()) if (min === null || l.expiresMs < min) min = l.expiresMs;
    return min;
  }
  keysOfLease(id: string): string[] {
    return [...this.#live.values()].filter((kv) => kv.lease === id).map((kv) => kv.key).sort();
  }
}
