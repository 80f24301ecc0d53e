// Real etcd 3.4 processes bootstrap through the discovery Worker (spec §9, cases 168–173):
// the main cluster and the discovery Worker run under `wrangler dev`, the etcd members on
// loopback with --discovery <url>.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalCluster, type LocalCluster } from "../../../scripts/lib/local-cluster.js";
import { EtcdProcess } from "./etcd-process.js";

let dir = "";
let main: LocalCluster | null = null;
let discovery: LocalCluster | null = null;
const members: EtcdProcess[] = [];
let url = "";

async function etcd(name: string, opts: { fallback?: "proxy" | "exit"; discovery?: string; peerPort?: number; clientPort?: number; dataDir?: string } = {}): Promise<EtcdProcess> {
  const p = await EtcdProcess.start({ name, discovery: opts.discovery ?? url, dataDir: opts.dataDir ?? join(dir, name), ...opts });
  members.push(p);
  return p;
}

async function registered(): Promise<string[]> {
  const res = await fetch(`${url}?recursive=true`);
  const body = (await res.json()) as { node: { nodes?: { value: string }[] } };
  return (body.node.nodes ?? []).map((n) => n.value.split("=")[0]!).sort();
}

/** A request with the target sent byte for byte (fetch would resolve dot segments first). */
function raw(method: string, base: string, target: string, body = ""): Promise<{ status: number; location: string; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path: target, headers: { "Content-Type": "application/x-www-form-urlencoded" } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += String(d)));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? ""), body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "etcd-discovery-e2e-"));
  // A private dev registry: the discovery Worker binds the member DOs of *this* main Worker,
  // not of another `wrangler dev` (npm start, the e2e suite) running meanwhile.
  process.env.WRANGLER_REGISTRY_PATH = join(dir, "registry");
  [main, discovery] = await Promise.all([
    startLocalCluster({ persistTo: join(dir, "main") }),
    startLocalCluster({ config: "wrangler.discovery.toml", persistTo: join(dir, "discovery"), readyCheckPath: "/" }),
  ]);
});

afterAll(async () => {
  await Promise.all(members.map((m) => m.stop()));
  await discovery?.stop();
  await main?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("real etcd 3.4 members bootstrap through the discovery Worker", () => {
  it("GET /new?size=3 gives a token URL; a bad size is a 400", async () => {
    expect((await fetch(`${discovery!.url}/new?size=x`)).status).toBe(400);
    const res = await fetch(`${discovery!.url}/new?size=3`);
    expect(res.status).toBe(200);
    url = await res.text();
    expect(url).toMatch(new RegExp(`^${discovery!.url}/[0-9a-f]{32}$`));
  });

  it("three members register and form one 3-member cluster", async () => {
    const three = await Promise.all(["e1", "e2", "e3"].map((n) => etcd(n)));
    try {
      for (const m of three) {
        await m.waitUntil("lists all three members", async () => (await m.memberNames()).join() === "e1,e2,e3", 60_000);
      }
    } catch (e) {
      const registry = await fetch(`${url}?recursive=true`).then((r) => r.text()).catch((err: unknown) => String(err));
      const others = three.map((m) => `--- ${m.name}\n${m.output().slice(-3000)}`).join("\n");
      throw new Error(`${String(e)}\n--- registry\n${registry}\n${others}\n--- discovery Worker\n${discovery!.output().slice(-5000)}\n--- main Worker\n${main!.output().slice(-5000)}`);
    }
    expect(await registered()).toEqual(["e1", "e2", "e3"]);
    // One cluster: a write through one member is read back through another.
    const put = await fetch(`${three[0]!.clientURL}/v2/keys/discovered`, {
      method: "PUT", body: "value=yes", headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(put.status).toBe(201);
    const got = await fetch(`${three[2]!.clientURL}/v2/keys/discovered?quorum=true`);
    expect(((await got.json()) as { node: { value: string } }).node.value).toBe("yes");
  });

  it("a fourth member finds the cluster full and falls back to a proxy, without registering", async () => {
    const e4 = await etcd("e4");
    await e4.waitUntil("proxies the keys API", async () => {
      const res = await e4.get("/v2/keys/discovered");
      return res?.status === 200 && res.body.includes('"value":"yes"');
    }, 30_000);
    expect(e4.output()).toContain("falling back to proxy");
    const proxy = await e4.get("/v2/config/local/proxy");
    expect(proxy?.status).toBe(200);
    expect((JSON.parse(proxy!.body) as { endpoints: string[] }).endpoints).toHaveLength(3);
    expect(await registered()).toEqual(["e1", "e2", "e3"]);
  });

  it("with --discovery-fallback exit, a fourth member exits: cluster is full", async () => {
    const e5 = await etcd("e5", { fallback: "exit" });
    expect(await e5.exit(30_000)).not.toBe(0);
    expect(e5.output()).toContain("discovery: cluster is full");
    expect(await registered()).toEqual(["e1", "e2", "e3"]);
  });

  it("a member restarted with an empty data dir is refused as a duplicate", async () => {
    const e1 = members.find((m) => m.name === "e1")!;
    await e1.stop();
    const again = await etcd("e1", { peerPort: e1.peerPort, clientPort: e1.clientPort, dataDir: join(dir, "e1-empty") });
    expect(await again.exit(30_000)).not.toBe(0);
    expect(again.output()).toMatch(/duplicate id|previously registered/);
  });

  it("no request reaches outside a token's directory", async () => {
    const tok = url.slice(url.lastIndexOf("/") + 1);
    // workerd resolves literal dot segments before the Worker runs; encoded ones reach it and
    // are cleaned before the token is chosen. Either way the write lands in a token or nowhere.
    for (const target of [`/${tok}/../../evil1`, `/${tok}/%2e%2e/%2e%2e/evil2`, `/${tok}/..%2F..%2Fevil3`, `/${tok}/..%2f..%2fv2%2fkeys%2fevil4`, "/_etcd/evil5", "/v2/keys/evil6"]) {
      const res = await raw("PUT", discovery!.url, `${target}?prevExist=false`, "value=evil");
      expect([301, 404], `${target}: ${res.status} ${res.body}`).toContain(res.status);
    }
    for (const target of ["/v2/keys/", "/_etcd/registry", `/${tok.toUpperCase()}`, `/${tok}/..%2f`]) {
      const res = await raw("GET", discovery!.url, target);
      expect([301, 404], target).toContain(res.status);
      if (res.status === 404) expect(JSON.parse(res.body)).toMatchObject({ errorCode: 100 });
    }
    // "/<token>/.." is "/" by the time the Worker runs: the index text, not a listing.
    const up = await raw("GET", discovery!.url, `/${tok}/..`);
    expect(up.body).not.toContain("registry");
    // The token directory itself cannot be removed or changed (etcd's "Root is read only").
    expect((await raw("DELETE", discovery!.url, `/${tok}?dir=true&recursive=true`)).status).toBe(400);
    // What the main cluster holds: nothing visible, and only token directories under /_etcd.
    expect(await (await fetch(`${main!.url}/v2/keys/?recursive=true`)).text()).not.toContain("evil");
    const etcdDir = (await (await fetch(`${main!.url}/v2/keys/_etcd?recursive=true`)).json()) as { node: { nodes: { key: string; nodes?: { key: string }[] }[] } };
    expect(etcdDir.node.nodes.map((n) => n.key)).toEqual(["/_etcd/registry"]);
    for (const t of etcdDir.node.nodes[0]!.nodes ?? []) expect(t.key).toMatch(/^\/_etcd\/registry\/[0-9a-f]{32}$/);
    expect(await registered()).toEqual(["e1", "e2", "e3"]);
  });

  it("a write past the token's byte cap is 403 / errorCode 103 and writes nothing", async () => {
    const big = await raw("PUT", discovery!.url, `${new URL(url).pathname}/big?prevExist=false`, `value=${"v".repeat(70_000)}`);
    expect(big.status, big.body).toBe(403);
    expect(JSON.parse(big.body)).toMatchObject({ errorCode: 103, cause: expect.stringContaining("DISCOVERY_TOKEN_BYTES_MAX (65536)") });
    expect((await fetch(`${url}/big`)).status).toBe(404);
    expect(await registered()).toEqual(["e1", "e2", "e3"]);
  });

  it("a burst of /new from one client is cut off by the rate-limiting binding with a 429", async () => {
    // A client of its own (miniflare keeps a CF-Connecting-IP the request brings), so the
    // other tests' /new calls do not count. Bad sizes count too and cost no Raft write.
    const headers = { "CF-Connecting-IP": `198.51.100.${1 + Math.floor(Math.random() * 250)}` };
    const statuses: number[] = [];
    // 21 calls: even if a minute window ends mid-burst, one window sees more than 10.
    for (let i = 0; i < 21; i++) {
      const res = await fetch(`${discovery!.url}/new?size=0`, { headers });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get("Retry-After")).toBe("60");
        expect(await res.text()).toContain("too many /new requests from this client: at most 10 a minute");
        break;
      }
      await res.arrayBuffer();
    }
    expect(statuses.at(-1), statuses.join()).toBe(429);
    expect(statuses.filter((s) => s === 400).length).toBeGreaterThanOrEqual(10);
    // Another client still gets a token.
    expect((await fetch(`${discovery!.url}/new?size=1`, { headers: { "CF-Connecting-IP": "192.0.2.200" } })).status).toBe(200);
  });

  it("an unknown token: the member exits on the size GET's 404 / 100", async () => {
    const unknown = `${discovery!.url}/0123456789abcdef0123456789abcdef`;
    const e6 = await etcd("e6", { discovery: unknown });
    expect(await e6.exit(30_000)).not.toBe(0);
    expect(e6.output()).toContain("Key not found");
  });
});
