/**
 * A bounded ring of in-flight MsgApp (etcd-raft tracker/inflights.go): the last index and
 * byte size of each unacknowledged append to one follower. Full at maxInflightMsgs messages
 * or maxInflightBytes bytes.
 *
 * @module
 */
import { assert } from "./util.js";

export class Inflights {
  private start = 0;
  private count = 0;
  private bytes = 0;
  private readonly indexes: number[];
  private readonly sizes: number[];

  constructor(
    readonly maxInflightMsgs: number,
    readonly maxInflightBytes: number,
  ) {
    assert(maxInflightMsgs > 0, "maxInflightMsgs must be > 0");
    this.indexes = new Array<number>(maxInflightMsgs).fill(0);
    this.sizes = new Array<number>(maxInflightMsgs).fill(0);
  }

  /** Records a sent append whose last entry is index; indexes must increase. */
  add(index: number, bytes: number): void {
    assert(!this.full(), "cannot add into a full inflights");
    let next = this.start + this.count;
    if (next >= this.maxInflightMsgs) next -= this.maxInflightMsgs;
    this.indexes[next] = index;
    this.sizes[next] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** Acknowledges every append with last index ≤ to. */
  freeLE(to: number): void {
    if (this.count === 0 || to < this.indexes[this.start]!) return;
    let idx = this.start;
    let i = 0;
    let bytes = 0;
    for (; i < this.count; i++) {
      if (to < this.indexes[idx]!) break;
      bytes += this.sizes[idx]!;
      idx++;
      if (idx >= this.maxInflightMsgs) idx -= this.maxInflightMsgs;
    }
    this.count -= i;
    this.bytes -= bytes;
    this.start = idx;
    if (this.count === 0) this.start = 0;
  }

  /** Frees the oldest slot; used when a heartbeat response shows the follower is alive. */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.freeLE(this.indexes[this.start]!);
  }

  full(): boolean {
    return this.count === this.maxInflightMsgs || (this.maxInflightBytes !== 0 && this.bytes >= this.maxInflightBytes);
  }

  size(): number {
    return this.count;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
  }
}
