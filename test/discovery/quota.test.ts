import { describe, expect, it } from "vitest";
import { checkQuota, configUsage, hiddenSegment, registryUsage, writeCost, type ListedNode } from "../../src/discovery/quota.js";

const dirKey = "/_etcd/registry/0123456789abcdef0123456789abcdef";
const listing: ListedNode = {
  key: dirKey,
  dir: true,
  nodes: [
    { key: `${dirKey}/m1`, value: "e1=http://127.0.0.1:2380" },
    { key: `${dirKey}/d`, dir: true, nodes: [{ key: `${dirKey}/d/x`, value: "é" }] },
  ],
};

describe("registryUsage", () => {
  it("counts every node below the token plus /new's hidden _config/size", () => {
    expect(configUsage).toEqual({ keys: 2, bytes: 8 + 13 + 2 });
    const u = registryUsage(listing, dirKey);
    expect(u.keys).toBe(2 + 3);
    // "/m1" + value, "/d", "/d/x" + "é" (2 bytes in UTF-8)
    expect(u.bytes).toBe(configUsage.bytes + 3 + 24 + 2 + 4 + 2);
    expect([...u.nodes]).toEqual([["/m1", 24], ["/d", null], ["/d/x", 2]]);
  });

  it("an empty registry is just _config", () => {
    expect(registryUsage({ key: dirKey, dir: true }, dirKey)).toMatchObject({ keys: 2, bytes: configUsage.bytes });
  });

  it("asserts the listing is the token's", () => {
    expect(() => registryUsage({ key: dirKey, nodes: [{ key: "/elsewhere/k", value: "" }] }, dirKey)).toThrow(/not under/);
  });
});

describe("writeCost", () => {
  const u = registryUsage(listing, dirKey);
  it("a new key: one node, its path and value", () => {
    expect(writeCost(u, "PUT", "/m2", "e2=http://127.0.0.1:2381")).toEqual({ keys: 1, bytes: 3 + 24 });
  });
  it("every missing directory on the path counts too", () => {
    expect(writeCost(u, "PUT", "/a/b/c", "v")).toEqual({ keys: 3, bytes: 2 + 4 + 6 + 1 });
    expect(writeCost(u, "PUT", "/d/y", "v")).toEqual({ keys: 1, bytes: 4 + 1 });
  });
  it("replacing a value costs the difference (negative when it shrinks)", () => {
    expect(writeCost(u, "PUT", "/m1", "e1=http://127.0.0.1:2380,e1=http://10.0.0.1:2380")).toEqual({ keys: 0, bytes: 24 });
    expect(writeCost(u, "PUT", "/m1", "")).toEqual({ keys: 0, bytes: -24 });
  });
  it("a POST makes a 20-digit in-order child", () => {
    expect(writeCost(u, "POST", "/d", "v")).toEqual({ keys: 1, bytes: 2 + 1 + 20 + 1 });
    expect(writeCost(u, "POST", "/q", "v")).toEqual({ keys: 2, bytes: 2 + 2 + 1 + 20 + 1 });
  });
  it("the token directory itself is not a write target", () => {
    expect(() => writeCost(u, "PUT", "/", "v")).toThrow(/read only/);
  });
});

describe("checkQuota", () => {
  const max = { keys: 10, bytes: 100 };
  it("allows up to the limits, refuses past them, keys first", () => {
    expect(checkQuota({ keys: 9, bytes: 90 }, { keys: 1, bytes: 10 }, max)).toEqual({ ok: true });
    expect(checkQuota({ keys: 10, bytes: 50 }, { keys: 1, bytes: 1 }, max)).toEqual({ ok: false, limit: "keys", would: 11, max: 10 });
    expect(checkQuota({ keys: 5, bytes: 95 }, { keys: 1, bytes: 6 }, max)).toEqual({ ok: false, limit: "bytes", would: 101, max: 100 });
  });
  it("a write that adds nothing passes even over the limits (a full registry can shrink)", () => {
    expect(checkQuota({ keys: 12, bytes: 120 }, { keys: 0, bytes: -5 }, max)).toEqual({ ok: true });
  });
});

describe("hiddenSegment", () => {
  it("finds a hidden name anywhere on the path", () => {
    expect(hiddenSegment("/_config/size")).toBe("_config");
    expect(hiddenSegment("/a/_b/c")).toBe("_b");
    expect(hiddenSegment("/a/b_c")).toBeNull();
  });
});
