/**
 * Service discovery: each instance is a TTL key `<dir>/<service>/<id>` = its address, kept alive
 * by heartbeats (TTL refreshes); a crashed instance disappears when its TTL runs out. Clients list
 * the live instances or watch them change.
 *
 * @module
 */
import type { EtcdClient } from "../client.js";
import { ErrorCode, isEtcdError } from "../errors.js";
import { sleep } from "../signals.js";
import { DirMirror } from "./dir-mirror.js";
import { Lease } from "./lease.js";

export interface Instance {
  id: string;
  value: string;
}

export interface Registration {
  key: string;
  /** Stops the heartbeats and removes the instance. */
  deregister(): Promise<void>;
  /** Stops the heartbeats only: the instance expires after its TTL, as if it had crashed. */
  abandon(): Promise<void>;
}

export class ServiceRegistry {
  readonly ttl: number;

  constructor(private readonly client: EtcdClient, readonly dir = "/services", opts: { ttl?: number } = {}) {
    this.ttl = opts.ttl ?? 10;
  }

  /** Registers and keeps the instance alive; if its key is lost (expired) it is written again. */
  async register(service: string, id: string, value: string): Promise<Registration> {
    const key = `${this.dir}/${service}/${id}`;
    const stopped = new AbortController();
    const sentMs = Date.now();
    await this.client.set(key, value, { ttl: this.ttl });
    let lease = new Lease(this.client, key, value, this.ttl, sentMs);
    const heartbeats = (async () => {
      while (!stopped.signal.aborted) {
        await new Promise<void>((resolve) => {
          if (lease.lost || stopped.signal.aborted) return resolve();
          lease.signal.addEventListener("abort", () => resolve(), { once: true });
          stopped.signal.addEventListener("abort", () => resolve(), { once: true });
        });
        if (stopped.signal.aborted) return;
        const again = Date.now();
        try {
          await this.client.set(key, value, { ttl: this.ttl, signal: stopped.signal });
          lease = new Lease(this.client, key, value, this.ttl, again);
        } catch {
          await sleep(500, stopped.signal).catch(() => undefined);
        }
      }
    })();
    const silence = async () => {
      stopped.abort();
      await heartbeats;
      await lease.stop();
    };
    return {
      key,
      abandon: silence,
      deregister: async () => {
        await silence();
        await this.client.compareAndDelete(key, { prevValue: value }).catch((e) => {
          if (!isEtcdError(e, ErrorCode.KeyNotFound) && !isEtcdError(e, ErrorCode.TestFailed)) throw e;
        });
      },
    };
  }

  async instances(service: string, opts: { signal?: AbortSignal } = {}): Promise<Instance[]> {
    try {
      const nodes = await this.client.list(`${this.dir}/${service}`, { quorum: true, signal: opts.signal });
      return nodes.filter((n) => !n.dir).map((n) => ({ id: n.key!.slice(n.key!.lastIndexOf("/") + 1), value: n.value ?? "" }));
    } catch (e) {
      if (isEtcdError(e, ErrorCode.KeyNotFound)) return [];
      throw e;
    }
  }

  /** The live instances (sorted by id) now and after every change. */
  async *watch(service: string, opts: { signal?: AbortSignal } = {}): AsyncGenerator<Instance[]> {
    const mirror = new DirMirror(`${this.dir}/${service}`);
    let first = true;
    for await (const item of this.client.watch(mirror.dir, { recursive: true, snapshot: true, signal: opts.signal })) {
      if (!mirror.apply(item) && !first) continue;
      first = false;
      yield [...mirror.values].filter(([id]) => !id.includes("/")).sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, value]) => ({ id, value }));
    }
  }
}
