/**
 * Leader election: the leader is whoever holds the election key (a Lock whose value is the
 * candidate's name), with a TTL so a silent leader is replaced. Observers watch the key.
 *
 * @module
 */
import type { EtcdClient } from "../client.js";
import { ErrorCode, isEtcdError } from "../errors.js";
import { Lock, type LockHandle } from "./lock.js";
import { uniqueValue } from "./wait.js";

export interface Leader {
  /** The candidate's name. */
  name: string;
  /** Increases with every new leadership (the fencing token). */
  term: number;
}

export interface Leadership extends Leader {
  /** Aborts when leadership is lost (TTL not refreshed in time). */
  signal: AbortSignal;
  resign(): Promise<void>;
  /** Stops refreshing without resigning: leadership lapses after the TTL (a crash, for demos). */
  abandon(): Promise<void>;
}

/** The name part of a stored value `name#uuid`. */
function nameOf(value: string): string {
  const at = value.lastIndexOf("#");
  return at < 0 ? value : value.slice(0, at);
}

export class Election {
  private readonly lock: Lock;

  constructor(private readonly client: EtcdClient, readonly key: string, opts: { ttl?: number } = {}) {
    this.lock = new Lock(client, key, { ttl: opts.ttl ?? 10 });
  }

  /** Resolves when `name` leads. */
  async campaign(name: string, opts: { signal?: AbortSignal } = {}): Promise<Leadership> {
    const held: LockHandle = await this.lock.acquire({ signal: opts.signal, value: uniqueValue(name) });
    return { name, term: held.token, signal: held.signal, resign: () => held.release(), abandon: () => held.abandon() };
  }

  async leader(opts: { signal?: AbortSignal } = {}): Promise<Leader | null> {
    try {
      const { node } = await this.client.get(this.key, { quorum: true, signal: opts.signal });
      return { name: nameOf(node.value ?? ""), term: node.createdIndex! };
    } catch (e) {
      if (isEtcdError(e, ErrorCode.KeyNotFound)) return null;
      throw e;
    }
  }

  /** The current leader, then every change (null while there is none). */
  async *observe(opts: { signal?: AbortSignal } = {}): AsyncGenerator<Leader | null> {
    let last: string | undefined;
    for await (const item of this.client.watch(this.key, { snapshot: true, signal: opts.signal })) {
      // A delete, expire or compareAndDelete event carries the node without its value.
      const node = item.type === "resync" ? item.node : item.event.node;
      const leader = node?.value !== undefined ? { name: nameOf(node.value), term: node.createdIndex! } : null;
      const id = leader ? `${leader.term}` : "none";
      if (id === last) continue; // refreshes and re-reads that change nothing
      last = id;
      yield leader;
    }
  }
}
