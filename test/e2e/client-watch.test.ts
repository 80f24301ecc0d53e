/**
 * The SDK's watcher on the local cluster: across etcd's 401 (history cleared) it re-reads and
 * resumes, and across a leader crash it delivers every event once, in order.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EtcdClient, type WatchItem } from "../../client/index.js";
import { TestCluster } from "./cluster-helpers.js";

let etcd: EtcdClient;
let cluster: TestCluster;
const p = `/client-watch-${crypto.randomUUID().slice(0, 8)}`;

beforeAll(() => {
  cluster = TestCluster.connect(inject("clusterUrl"));
  etcd = new EtcdClient({ endpoints: [cluster.url] });
});
afterAll(async () => {
  await etcd.delete(p, { recursive: true }).catch(() => undefined);
});

/** `count` writes, `parallel` at a time: enough of them push older events out of etcd's 1000-event history. */
async function writeMany(prefix: string, count: number, parallel = 16): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < count) await etcd.set(`${prefix}/k${next++ % 50}`, "x");
  }));
}

describe("client watcher", () => {
  it("meets 401 after history moved on, yields a resync with the current state, then the next event", async () => {
    const dir = `${p}/cleared`;
    await etcd.set(`${dir}/config`, "v1");
    const start = (await etcd.get(dir, { quorum: true })).etcdIndex;
    const watcher = etcd.watch(dir, { recursive: true, afterIndex: start });
    const items = watcher[Symbol.asyncIterator]();
    await etcd.set(`${dir}/config`, "v2"); // an event the watcher will never get as an event
    await writeMany(`${p}/noise`, 1010);
    await etcd.set(`${dir}/config`, "v3");
    const resync = (await items.next()).value as WatchItem;
    expect(resync).toMatchObject({ type: "resync", reason: "history-cleared", node: { nodes: [{ key: `${dir}/config`, value: "v3" }] } });
    const after = await etcd.set(`${dir}/config`, "v4");
    const next = (await items.next()).value as WatchItem;
    expect(next).toMatchObject({ type: "event", index: after.node.modifiedIndex, event: { node: { value: "v4" } } });
    watcher.stop();
  });

  it("delivers every event once and in order while the leader crashes", async () => {
    const dir = `${p}/crash`;
    const start = (await etcd.get("/", { quorum: true })).etcdIndex;
    const watcher = etcd.watch(dir, { recursive: true, afterIndex: start });
    const got: string[] = [];
    const indexes: number[] = [];
    const reading = (async () => {
      for await (const item of watcher) {
        expect(item.type).toBe("event");
        if (item.type === "event") got.push(item.event.node.value!), indexes.push(item.index);
        if (got.at(-1) === "v29") return;
      }
    })();
    const leader = await cluster.leader();
    for (let i = 0; i < 30; i++) {
      if (i === 10) await cluster.crash(leader.name);
      await etcd.set(`${dir}/k`, `v${i}`);
    }
    await reading;
    // A write retried across the crash may apply twice: two real events with the same value.
    expect(got.filter((v, i) => v !== got[i - 1])).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`));
    expect(indexes.every((x, i) => i === 0 || x > indexes[i - 1]!)).toBe(true);
    watcher.stop();
    await cluster.leader(); // the cluster is whole again for the next test
  });
});
