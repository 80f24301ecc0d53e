/**
 * etcd's read-only proxy mode: a Worker started with ETCD_PROXY=readonly answers 501 with an
 * empty body to anything but GET (HEAD included), forwards GETs, and lists its endpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestCluster } from "./cluster-helpers.js";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start({ ETCD_PROXY: "readonly" });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("ETCD_PROXY=readonly", () => {
  it("refuses writes and HEAD with 501 and an empty body, changing nothing", async () => {
    for (const method of ["PUT", "POST", "DELETE", "HEAD"]) {
      const res = await fetch(`${cluster.url}/v2/keys/ro`, { method, body: method === "PUT" || method === "POST" ? "value=x" : undefined });
      expect(res.status, method).toBe(501);
      expect(await res.text()).toBe("");
    }
    expect((await fetch(`${cluster.url}/v2/keys/ro`)).status).toBe(404);
  });

  it("forwards GET and lists the endpoints it proxies to", async () => {
    const res = await fetch(`${cluster.url}/v2/keys/`);
    expect(res.status).toBe(200);
    const proxy = await fetch(`${cluster.url}/v2/config/local/proxy`);
    const body = (await proxy.json()) as { endpoints: string[] };
    expect(body.endpoints).toEqual(["infra0", "infra1", "infra2"].map((n) => `${cluster.url}/members/${n}`));
  });
});
