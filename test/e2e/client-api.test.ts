/**
 * The client SDK against the local cluster: every keys operation, typed errors, members, stats
 * and Basic auth. Keys live under a prefix of this file's own, deleted at the end.
 */
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { EtcdClient, EtcdError, ErrorCode } from "../../client/index.js";
import { rootPassword, withAuthOn } from "./cluster-helpers.js";

let etcd: EtcdClient;
const p = `/client-api-${crypto.randomUUID().slice(0, 8)}`;

beforeAll(() => {
  etcd = new EtcdClient({ endpoints: [inject("clusterUrl")] });
});
afterAll(async () => {
  await etcd.delete(p, { recursive: true }).catch(() => undefined);
});

describe("client SDK keys operations", () => {
  it("sets, gets, lists, updates, compares and deletes with etcd's semantics", async () => {
    const set = await etcd.set(`${p}/a`, "1");
    expect(set).toMatchObject({ action: "set", node: { key: `${p}/a`, value: "1" } });
    expect(set.etcdIndex).toBe(set.node.modifiedIndex);
    expect((await etcd.get(`${p}/a`, { quorum: true })).node.value).toBe("1");
    const created = await etcd.create(`${p}/b`, "x");
    expect(created.action).toBe("create");
    await expect(etcd.create(`${p}/b`, "y")).rejects.toMatchObject({ errorCode: ErrorCode.NodeExist, cause: `${p}/b`, status: 412 });
    await expect(etcd.update(`${p}/nope`, "y")).rejects.toMatchObject({ errorCode: ErrorCode.KeyNotFound });
    expect((await etcd.update(`${p}/b`, "y")).prevNode?.value).toBe("x");
    await expect(etcd.compareAndSwap(`${p}/b`, "z", { prevValue: "x" })).rejects.toMatchObject({ errorCode: 101, cause: "[x != y]" });
    const cas = await etcd.compareAndSwap(`${p}/b`, "z", { prevValue: "y" });
    await expect(etcd.compareAndDelete(`${p}/b`, { prevIndex: cas.node.modifiedIndex! - 1 })).rejects.toBeInstanceOf(EtcdError);
    expect((await etcd.compareAndDelete(`${p}/b`, { prevIndex: cas.node.modifiedIndex! })).action).toBe("compareAndDelete");
    await etcd.mkdir(`${p}/d`);
    await expect(etcd.delete(`${p}/d/missing`)).rejects.toMatchObject({ errorCode: 100 });
    expect((await etcd.list(p)).map((n) => [n.key, n.dir ?? false])).toEqual([[`${p}/a`, false], [`${p}/d`, true]]);
  });

  it("creates in-order keys that sort by creation", async () => {
    const made = [];
    for (const v of ["j1", "j2", "j3"]) made.push((await etcd.createInOrder(`${p}/q`, v)).node);
    expect(made[0]!.key).toMatch(/\/q\/\d{20}$/);
    expect((await etcd.list(`${p}/q`)).map((n) => n.value)).toEqual(["j1", "j2", "j3"]);
  });

  it("keeps a TTL key alive by refresh without notifying watchers, and lets it expire", async () => {
    const r = await etcd.set(`${p}/t`, "v", { ttl: 2 });
    expect(r.node.ttl).toBeGreaterThan(0);
    const watcher = etcd.watch(`${p}/t`, { afterIndex: r.etcdIndex });
    const first = watcher[Symbol.asyncIterator]().next();
    const refreshed = await etcd.refresh(`${p}/t`, 2);
    expect(refreshed.node.value).toBe("v");
    const item = await first;
    // The first event the watcher sees is the expiry, not the refresh.
    expect(item.value).toMatchObject({ type: "event", event: { action: "expire", node: { key: `${p}/t` } } });
    watcher.stop();
  });

  it("lists members and reads stats and version", async () => {
    const members = await etcd.members();
    expect(members.map((m) => m.name).sort()).toEqual(["infra0", "infra1", "infra2"]);
    expect((await etcd.stats("store")).getsSuccess).toBeTypeOf("number");
    expect((await etcd.version()).etcdcluster).toMatch(/^3\./);
  });

  it("sends Basic credentials while auth is on, and types the denial of a wrong password", async () => {
    await withAuthOn(inject("clusterUrl"), async () => {
      const root = new EtcdClient({ endpoints: [inject("clusterUrl")], auth: { username: "root", password: rootPassword } });
      expect((await root.set(`${p}/auth`, "ok")).node.value).toBe("ok");
      const wrong = new EtcdClient({ endpoints: [inject("clusterUrl")], auth: { username: "root", password: "wrong" } });
      await wrong.get(`${p}/auth`).then(
        () => expect.fail("a wrong password was accepted"),
        (e: unknown) => expect(e).toMatchObject({ errorCode: ErrorCode.Unauthorized, status: 401 }),
      );
    });
  });
});
