/**
 * The v3 gateway on the local cluster through a leader crash: acknowledged writes survive, a
 * watch opened before the crash sees every revision once, in order, and lease expiry keeps
 * working under the new leader.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../../scripts/lib/local-cluster.js";
import { TestCluster } from "./cluster-helpers.js";

let cluster: TestCluster;
beforeAll(() => {
  cluster = TestCluster.connect(inject("clusterUrl"));
});

const b64 = (s: string) => Buffer.from(s).toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

async function post(path: string, body: unknown): Promise<any> {
  const r = await fetch(`${cluster.url}${path}`, { method: "POST", body: JSON.stringify(body) });
  const json = await r.json();
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** A watch stream's parsed lines as they arrive (the proxy may split a line across chunks). */
function watch(body: unknown): { lines: any[]; close(): void } {
  const lines: any[] = [];
  const ac = new AbortController();
  void (async () => {
    const r = await fetch(`${cluster.url}/v3/watch`, { method: "POST", body: JSON.stringify(body), signal: ac.signal });
    const reader = r.body!.getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += new TextDecoder().decode(value);
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        lines.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    }
  })().catch(() => undefined);
  return { lines, close: () => ac.abort() };
}

describe("v3 on the local cluster", () => {
  it("survives a leader crash: acknowledged writes kept, a watch sees every revision once, leases still expire", async () => {
    const p = `/v3-failover-${process.pid}/`;
    const start = Number((await post("/v3/kv/range", { key: b64(p) })).header.revision);
    const w = watch({ create_request: { key: b64(p), range_end: b64(p.slice(0, -1) + "0"), start_revision: start + 1 } });
    for (let i = 0; i < 10; i++) await post("/v3/kv/put", { key: b64(`${p}k${i}`), value: b64(`v${i}`) });
    const old = await cluster.leader();
    await cluster.crash(old.name);
    for (let i = 10; i < 20; i++) await post("/v3/kv/put", { key: b64(`${p}k${i}`), value: b64(`v${i}`) });
    const all = await post("/v3/kv/range", { key: b64(p), range_end: b64(p.slice(0, -1) + "0") });
    expect(Number(all.count)).toBe(20);

    await waitFor(async () => w.lines.flatMap((l) => l.result.events ?? []).length >= 20, 30_000);
    w.close();
    const events = w.lines.flatMap((l) => l.result.events ?? []);
    expect(events.map((e: any) => unb64(e.kv.key))).toEqual(Array.from({ length: 20 }, (_, i) => `${p}k${i}`));
    const revisions = events.map((e: any) => Number(e.kv.mod_revision));
    expect(new Set(revisions).size).toBe(20);
    expect([...revisions].sort((a, b) => a - b)).toEqual(revisions);

    const grant = await post("/v3/lease/grant", { TTL: 2 });
    await post("/v3/kv/put", { key: b64(`${p}leased`), value: b64("x"), lease: grant.ID });
    await waitFor(async () => (await post("/v3/kv/range", { key: b64(`${p}leased`) })).count === undefined, 20_000);
    expect((await post("/v3/lease/timetolive", { ID: grant.ID })).TTL).toBe("-1");
  });
});
