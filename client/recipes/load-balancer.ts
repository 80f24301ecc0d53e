/**
 * Client-side load balancing: round-robin over the live instances of a service, kept current by
 * watching the ServiceRegistry (an instance whose TTL runs out stops getting picked).
 *
 * @module
 */
import type { Instance, ServiceRegistry } from "./service-registry.js";

export class LoadBalancer {
  private instances: Instance[] = [];
  private turn = 0;
  private readonly stopper = new AbortController();
  private readonly changed = new Set<() => void>();
  private loop: Promise<void> | null = null;

  constructor(private readonly registry: ServiceRegistry, readonly service: string) {}

  /** Starts following the registry; resolves once the first list is in. */
  async start(): Promise<void> {
    let ready!: () => void;
    const first = new Promise<void>((r) => (ready = r));
    this.loop = (async () => {
      try {
        for await (const list of this.registry.watch(this.service, { signal: this.stopper.signal })) {
          this.instances = list;
          ready();
          for (const fn of this.changed) fn();
        }
      } finally {
        ready();
      }
    })();
    await first;
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop?.catch(() => undefined);
  }

  get live(): readonly Instance[] {
    return this.instances;
  }

  /** The next instance in turn; null when none is live. */
  next(): Instance | null {
    if (this.instances.length === 0) return null;
    const pick = this.instances[this.turn % this.instances.length]!;
    this.turn = (this.turn + 1) % this.instances.length;
    return pick;
  }

  /** Resolves when `test` holds for the live instances (checked now and on every change). */
  until(test: (live: readonly Instance[]) => boolean, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!test(this.instances)) return;
        this.changed.delete(check);
        resolve();
      };
      signal?.addEventListener("abort", () => (this.changed.delete(check), reject(signal.reason)), { once: true });
      this.changed.add(check);
      check();
    });
  }
}
