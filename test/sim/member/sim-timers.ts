/**
 * Simulated `setTimeout`/`clearTimeout` for the member simulator: `Replica` bounds how long a
 * client waits (`Waiters`) with timers, and a seeded run must fire them on simulated time, in
 * a fixed order. Installed for the duration of one run, then the real ones come back.
 *
 * @module
 */
interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export class SimTimers {
  private timers: Timer[] = [];
  private nextId = 1;
  private now = 0;
  private saved: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout } | null = null;

  constructor(nowMs: number) {
    this.now = nowMs;
  }

  install(): void {
    this.saved = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
    const g = globalThis as unknown as Record<string, unknown>;
    g.setTimeout = (fn: () => void, ms?: number): number => {
      const id = this.nextId++;
      this.timers.push({ id, at: this.now + (ms ?? 0), fn });
      return id;
    };
    g.clearTimeout = (id: unknown): void => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  uninstall(): void {
    if (!this.saved) return;
    globalThis.setTimeout = this.saved.setTimeout;
    globalThis.clearTimeout = this.saved.clearTimeout;
    this.saved = null;
  }

  /** Fires every timer due by `nowMs`, earliest first (ties in creation order). */
  advanceTo(nowMs: number): void {
    this.now = nowMs;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= nowMs).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) return;
      this.timers = this.timers.filter((t) => t !== due);
      due.fn();
    }
  }
}
