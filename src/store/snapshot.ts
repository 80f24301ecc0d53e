/**
 * Save / restore of the whole store (nodes + etcd index + history) in compact cbor-x pages.
 * A page is [version, seq, last, index, history|null, nodes]; page 0 carries the index and
 * the history, every page carries ≤ nodesPerPageMax nodes in path order (parents first).
 * The caller must not mutate the backend while pages are being produced.
 *
 * @module
 */
import { decode, encode } from "cbor-x";
import type { HistoryRecord, StoreBackend } from "./backend.js";
import { nodeRecordToTuple, tupleToNodeRecord, type NodeRecordTuple } from "./event-codec.js";
import { historyEventsMax } from "./history.js";

const snapshotVersion = 1;
export const snapshotNodesPerPageDefault = 1000;

type HistoryTuple = [number, string, Uint8Array];
type Page = [number, number, boolean, number, HistoryTuple[] | null, NodeRecordTuple[]];

/** The store as pages of at most `nodesPerPageMax` nodes each (at least one page). */
export function* snapshotPages(
  backend: StoreBackend,
  nodesPerPageMax = snapshotNodesPerPageDefault,
): Generator<Uint8Array> {
  if (!(nodesPerPageMax >= 1)) throw new Error("snapshotPages: nodesPerPageMax must be ≥ 1");
  const index = backend.getIndex();
  const history: HistoryTuple[] = [];
  const start = backend.historyStartIndex();
  if (start > 0) {
    for (const r of backend.historyFrom(start, historyEventsMax)) history.push([r.index, r.key, r.data]);
  }
  let after = "";
  for (let seq = 0; ; seq++) {
    const nodes = backend.scanNodes(after, nodesPerPageMax);
    const last = nodes.length < nodesPerPageMax;
    const page: Page = [snapshotVersion, seq, last, index, seq === 0 ? history : null, nodes.map(nodeRecordToTuple)];
    yield encode(page);
    if (last) return;
    after = nodes[nodes.length - 1]?.path ?? after;
  }
}

/** The whole store as one buffer. */
export function saveSnapshot(backend: StoreBackend): Uint8Array {
  const [only] = snapshotPages(backend, Number.MAX_SAFE_INTEGER);
  if (only === undefined) throw new Error("saveSnapshot: no page");
  return only;
}

/** Replaces the backend's content with a snapshot's, page by page, in order. */
export class SnapshotRestorer {
  readonly #backend: StoreBackend;
  readonly #historyMax: number;
  #nextSeq = 0;
  #done = false;

  constructor(backend: StoreBackend, historyMax = historyEventsMax) {
    this.#backend = backend;
    this.#historyMax = historyMax;
  }

  get done(): boolean {
    return this.#done;
  }

  /** Applies one page; returns true after the last one. */
  apply(pageBytes: Uint8Array): boolean {
    const [version, seq, last, index, history, nodes] = decode(pageBytes) as Page;
    if (version !== snapshotVersion) throw new Error(`snapshot: unsupported version ${version}`);
    if (this.#done || seq !== this.#nextSeq) throw new Error(`snapshot: page ${seq} out of order`);
    const b = this.#backend;
    if (seq === 0) {
      b.clear();
      b.setIndex(index);
      for (const [i, key, data] of history ?? []) {
        const r: HistoryRecord = { index: i, key, data: new Uint8Array(data) };
        b.appendHistory(r, this.#historyMax);
      }
    }
    for (const t of nodes) b.putNode(tupleToNodeRecord(t));
    this.#nextSeq++;
    this.#done = last;
    return last;
  }
}

export function restoreSnapshot(backend: StoreBackend, data: Uint8Array): void {
  const r = new SnapshotRestorer(backend);
  if (!r.apply(data)) throw new Error("restoreSnapshot: not a complete snapshot");
}
