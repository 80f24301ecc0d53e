/**
 * Callers waiting for something the apply loop will produce (etcd's pkg/wait): a proposal's
 * result by request id, or a linearizable read's index by context. Bounded and time-limited.
 *
 * @module
 */
export class Waiters<T> {
  private readonly pending = new Map<string, Array<(value: T) => void>>();

  constructor(private readonly waitersMax: number) {}

  get size(): number {
    return this.pending.size;
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** Resolves with the value, or with `onTimeout()` after timeoutMs. Throws when full. */
  wait(id: string, timeoutMs: number, onTimeout: () => T): Promise<T> {
    if (!this.pending.has(id) && this.pending.size >= this.waitersMax) throw new Error("too many pending requests");
    return new Promise<T>((resolve) => {
      const timer = setTimeout(() => {
        this.remove(id, done);
        resolve(onTimeout());
      }, timeoutMs);
      const done = (value: T) => {
        clearTimeout(timer);
        resolve(value);
      };
      const list = this.pending.get(id) ?? [];
      list.push(done);
      this.pending.set(id, list);
    });
  }

  trigger(id: string, value: T): void {
    const list = this.pending.get(id);
    if (!list) return;
    this.pending.delete(id);
    for (const done of list) done(value);
  }

  /** Resolve every waiter (e.g. all proposals lost when leadership changed). */
  triggerAll(value: (id: string) => T): void {
    for (const id of [...this.pending.keys()]) this.trigger(id, value(id));
  }

  private remove(id: string, done: (value: T) => void): void {
    const list = this.pending.get(id);
    if (!list) return;
    const rest = list.filter((d) => d !== done);
    if (rest.length === 0) this.pending.delete(id);
    else this.pending.set(id, rest);
  }
}
