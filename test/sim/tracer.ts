/**
 * A simulator run's trace: a hash of every line (runs compare it to prove determinism), the last
 * lines for a failure report, and every line when asked (`--trace`). Shared by the raft and the
 * member simulator.
 *
 * @module
 */
import { hashString } from "./sim-hash.js";

/** Lines of trace a failing seed reports. */
export const traceTailLines = 40;

export class Tracer {
  tail: string[] = [];
  all: string[] | undefined;
  hash = 0;
  constructor(keepAll: boolean) {
    if (keepAll) this.all = [];
  }
  line(s: string): void {
    this.hash = hashString(s + "\n", this.hash);
    this.tail.push(s);
    if (this.tail.length > traceTailLines * 2) this.tail = this.tail.slice(-traceTailLines);
    this.all?.push(s);
  }
}
