import { describe, expect, it } from "vitest";
import { EtcdClient, type WatchItem } from "../../client/index.js";
import { fakeFetch, json } from "./fake-fetch.js";

const event = (action: string, key: string, index: number, value?: string) => json(200, { action, node: { key, value, modifiedIndex: index, createdIndex: index } }, index - 1);

async function take(it: AsyncIterable<WatchItem>, n: number): Promise<WatchItem[]> {
  const out: WatchItem[] = [];
  for await (const item of it) if (out.push(item) === n) break;
  return out;
}

describe("Watcher", () => {
  it("resumes from modifiedIndex + 1, retries network errors and empty answers from the same index", async () => {
    const f = fakeFetch((req, n) => {
      if (req.params.get("wait") !== "true") return json(404, { errorCode: 100, message: "Key not found", cause: "/w", index: 10 }, 10);
      return [event("set", "/w/a", 11, "1"), new TypeError("fetch failed"), json(200, ""), event("delete", "/w/a", 14)][n - 1] ?? "hang";
    });
    const etcd = new EtcdClient({ endpoints: ["http://a"], fetch: f.fetch });
    const items = await take(etcd.watch("/w", { recursive: true }), 2);
    expect(items.map((i) => [i.type, i.index])).toEqual([["event", 11], ["event", 14]]);
    expect(f.seen.slice(1).map((r) => r.params.get("waitIndex"))).toEqual(["11", "12", "12", "12"]);
    expect(f.seen[1]!.params.get("recursive")).toBe("true");
  });

  it("on 401 (event index cleared) re-reads by quorum, yields a resync marker and resumes from X-Etcd-Index + 1", async () => {
    const cleared = json(400, { errorCode: 401, message: "The event in requested index is outdated and cleared", cause: "the requested history has been cleared [1500/6]", index: 2499 }, 2499);
    const state = json(200, { action: "get", node: { key: "/w", dir: true, nodes: [{ key: "/w/a", value: "9", modifiedIndex: 2400 }] } }, 2500);
    const f = fakeFetch((req) => {
      if (req.params.get("quorum") === "true") return state;
      return { "6": cleared, "2501": event("set", "/w/b", 2501, "x") }[req.params.get("waitIndex")!] ?? "hang";
    });
    const etcd = new EtcdClient({ endpoints: ["http://a"], fetch: f.fetch });
    const [resync, next] = await take(etcd.watch("/w", { recursive: true, afterIndex: 5 }), 2);
    expect(resync).toMatchObject({ type: "resync", reason: "history-cleared", index: 2500, node: { nodes: [{ key: "/w/a", value: "9" }] } });
    expect(next).toMatchObject({ type: "event", index: 2501, event: { action: "set", node: { key: "/w/b" } } });
  });

  it("starts with a snapshot when asked, and ends quietly on stop() during a long poll", async () => {
    const f = fakeFetch((req) => (req.params.get("wait") ? "hang" : json(200, { action: "get", node: { key: "/k", value: "v", modifiedIndex: 3 } }, 8)));
    const w = new EtcdClient({ endpoints: ["http://a"], fetch: f.fetch }).watch("/k", { snapshot: true });
    const items: WatchItem[] = [];
    const done = (async () => {
      for await (const item of w) items.push(item);
    })();
    await expect.poll(() => f.seen.length).toBe(2);
    w.stop();
    await done;
    expect(items).toEqual([{ type: "resync", reason: "start", node: { key: "/k", value: "v", modifiedIndex: 3 }, index: 8 }]);
    expect(f.seen[1]!.params.get("waitIndex")).toBe("9");
  });

  it("throws errors that retrying cannot fix (auth) to the consumer", async () => {
    const denied = json(401, { errorCode: 110, message: "The request requires user authentication", cause: "Insufficient credentials", index: 0 });
    const f = fakeFetch(() => denied);
    const e = await take(new EtcdClient({ endpoints: ["http://a"], fetch: f.fetch }).watch("/k", { afterIndex: 1 }), 1).catch((x: unknown) => x);
    expect(e).toMatchObject({ errorCode: 110 });
    expect(f.seen).toHaveLength(1);
  });
});
