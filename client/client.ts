/**
 * A typed etcd v2 client over fetch: keys, compare-and-swap/delete, in-order keys, TTLs,
 * quorum reads, members and stats. Runs on Node 20+, Workers, Deno and browsers.
 *
 * @module
 * @example
 * const etcd = new EtcdClient({ endpoints: ["http://127.0.0.1:8787"] });
 * await etcd.set("/app/mode", "blue", { ttl: 60 });
 * const { node } = await etcd.get("/app/mode");
 */
import { keysResult, jsonResult } from "./parse.js";
import { Transport, keyPath, type HttpRequest } from "./transport.js";
import type { CallOptions, ClientOptions, DeleteOptions, EtcdNode, EtcdResult, GetOptions, Member, SetOptions } from "./types.js";
import { Watcher, type WatchOptions } from "./watcher.js";

export class EtcdClient {
  readonly transport: Transport;

  constructor(opts: ClientOptions | string | string[]) {
    const o = typeof opts === "string" ? { endpoints: [opts] } : Array.isArray(opts) ? { endpoints: opts } : opts;
    this.transport = new Transport(o);
  }

  private async keys(req: HttpRequest): Promise<EtcdResult> {
    const r = keysResult(await this.transport.send(req));
    if (!r) throw new Error(`etcd: empty answer to ${req.method} ${req.path}`);
    return r;
  }

  get(key: string, opts: GetOptions = {}): Promise<EtcdResult> {
    const { recursive, sorted, quorum, signal } = opts;
    return this.keys({ method: "GET", path: keyPath(key), params: { recursive, sorted, quorum }, idempotent: true, signal });
  }

  /** The children of a directory, sorted by key; [] when the directory has none. */
  async list(dir: string, opts: GetOptions = {}): Promise<EtcdNode[]> {
    return (await this.get(dir, { sorted: true, ...opts })).node.nodes ?? [];
  }

  /** Every write: plain set, or create/update/CAS/refresh by the options (etcd's PUT). */
  set(key: string, value: string | undefined, opts: SetOptions = {}): Promise<EtcdResult> {
    const { ttl, prevValue, prevIndex, prevExist, dir, refresh, signal } = opts;
    const params = { value, ttl, prevValue, prevIndex, prevExist, dir, refresh };
    return this.keys({ method: "PUT", path: keyPath(key), params, idempotent: true, signal });
  }

  /** Fails with 105 (Key already exists) when the key is there. */
  create(key: string, value: string, opts: { ttl?: number } & CallOptions = {}): Promise<EtcdResult> {
    return this.set(key, value, { ...opts, prevExist: false });
  }

  /** Fails with 100 (Key not found) when the key is missing. Without a ttl any TTL is cleared. */
  update(key: string, value: string, opts: { ttl?: number } & CallOptions = {}): Promise<EtcdResult> {
    return this.set(key, value, { ...opts, prevExist: true });
  }

  /** Resets a key's TTL without changing its value or notifying watchers. */
  refresh(key: string, ttl: number, opts: { prevValue?: string } & CallOptions = {}): Promise<EtcdResult> {
    return this.set(key, undefined, { ...opts, ttl, refresh: true, prevExist: opts.prevValue === undefined ? true : undefined });
  }

  /** Fails with 101 (Compare failed) unless the key's value and/or modifiedIndex match. */
  compareAndSwap(key: string, value: string, cmp: { prevValue?: string; prevIndex?: number; ttl?: number } & CallOptions): Promise<EtcdResult> {
    if (cmp.prevValue === undefined && !cmp.prevIndex) throw new Error("compareAndSwap: prevValue or prevIndex is needed");
    return this.set(key, value, cmp);
  }

  mkdir(key: string, opts: { ttl?: number } & CallOptions = {}): Promise<EtcdResult> {
    return this.set(key, undefined, { ...opts, dir: true, prevExist: false });
  }

  delete(key: string, opts: DeleteOptions = {}): Promise<EtcdResult> {
    const { recursive, dir, prevValue, prevIndex, signal } = opts;
    return this.keys({ method: "DELETE", path: keyPath(key), params: { recursive, dir, prevValue, prevIndex }, idempotent: true, signal });
  }

  compareAndDelete(key: string, cmp: { prevValue?: string; prevIndex?: number } & CallOptions): Promise<EtcdResult> {
    if (cmp.prevValue === undefined && !cmp.prevIndex) throw new Error("compareAndDelete: prevValue or prevIndex is needed");
    return this.delete(key, cmp);
  }

  /**
   * A new key under `dir` named by its index (etcd's POST): keys sort in creation order.
   * Not retried after an ambiguous failure (it could create a second key); see transport.ts.
   */
  createInOrder(dir: string, value: string, opts: { ttl?: number } & CallOptions = {}): Promise<EtcdResult> {
    return this.keys({ method: "POST", path: keyPath(dir), params: { value, ttl: opts.ttl }, idempotent: false, signal: opts.signal });
  }

  /** One long poll: the first event at or after `waitIndex`; null if the server closed it empty. */
  async watchOnce(key: string, opts: { waitIndex?: number; recursive?: boolean } & CallOptions = {}): Promise<EtcdResult | null> {
    const params = { wait: true, waitIndex: opts.waitIndex, recursive: opts.recursive };
    return keysResult(await this.transport.send({ method: "GET", path: keyPath(key), params, idempotent: true, timeoutMs: 0, signal: opts.signal }));
  }

  /** Every event under `key`, in index order, across history loss and failover (watcher.ts). */
  watch(key: string, opts: WatchOptions = {}): Watcher {
    return new Watcher(this, key, opts);
  }

  async members(opts: CallOptions = {}): Promise<Member[]> {
    const a = await this.transport.send({ method: "GET", path: "/v2/members", idempotent: true, signal: opts.signal });
    return jsonResult<{ members: Member[] }>(a).members;
  }

  async leader(opts: CallOptions = {}): Promise<Member> {
    return jsonResult<Member>(await this.transport.send({ method: "GET", path: "/v2/members/leader", idempotent: true, signal: opts.signal }));
  }

  /** Use the members' client URLs as endpoints (etcd's client Sync). */
  async sync(opts: CallOptions = {}): Promise<string[]> {
    const urls = (await this.members(opts)).flatMap((m) => m.clientURLs);
    this.transport.setEndpoints(urls);
    return urls;
  }

  async stats(kind: "self" | "leader" | "store", opts: CallOptions = {}): Promise<Record<string, unknown>> {
    return jsonResult(await this.transport.send({ method: "GET", path: `/v2/stats/${kind}`, idempotent: true, signal: opts.signal }));
  }

  async version(opts: CallOptions = {}): Promise<{ etcdserver: string; etcdcluster: string }> {
    return jsonResult(await this.transport.send({ method: "GET", path: "/version", idempotent: true, signal: opts.signal }));
  }
}
