import { describe, expect, it } from "vitest";
import { EtcdClient, Lock } from "../../client/index.js";
import { fakeFetch, json } from "./fake-fetch.js";

describe("Lock and Lease paths that a live cluster rarely shows", () => {
  it("a create that was applied but timed out, retried into 'Key already exists', is recognised as ours", async () => {
    let sent = "";
    const f = fakeFetch((req, n) => {
      if (req.method === "PUT" && n === 0) return (sent = req.params.get("value")!), "hang";
      if (req.method === "PUT") return json(412, { errorCode: 105, message: "Key already exists", cause: "/l", index: 7 }, 7);
      if (req.method === "GET") return json(200, { action: "get", node: { key: "/l", value: sent, modifiedIndex: 6, createdIndex: 6 } }, 7);
      return json(200, { action: "compareAndDelete", node: { key: "/l" } }, 8);
    });
    const etcd = new EtcdClient({ endpoints: ["http://a"], fetch: f.fetch, timeoutMs: 30, backoffMsMin: 1 });
    const held = await new Lock(etcd, "/l", { ttl: 5 }).acquire();
    expect(held.token).toBe(6);
    expect(held.value).toBe(sent);
    await held.release();
    const del = f.seen.at(-1)!;
    expect([del.method, del.params.get("prevValue")]).toEqual(["DELETE", sent]);
  });

  it("signals the holder when a refresh finds the key taken over (Compare failed)", async () => {
    const f = fakeFetch((req) => {
      if (req.params.get("refresh") === "true") return json(412, { errorCode: 101, message: "Compare failed", cause: "[x != y]", index: 9 }, 9);
      return json(201, { action: "create", node: { key: "/l", value: req.params.get("value"), modifiedIndex: 3, createdIndex: 3 } }, 3);
    });
    const held = await new Lock(new EtcdClient({ endpoints: ["http://a"], fetch: f.fetch }), "/l", { ttl: 1 }).acquire();
    await expect.poll(() => held.signal.aborted, { timeout: 3_000 }).toBe(true);
    expect(String(held.signal.reason)).toContain("Compare failed");
    const refresh = f.seen[1]!;
    expect(Object.fromEntries(refresh.params)).toEqual({ ttl: "1", prevValue: held.value, refresh: "true" });
  });
});
