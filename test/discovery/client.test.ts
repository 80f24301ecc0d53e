import { afterEach, expect, it } from "vitest";
import { joinDiscovery, type DiscoveryFetchFn, type JoinOptions } from "../../src/discovery/client.js";
import { rawTargetOf } from "../../src/http/app.js";
import { waitFor } from "../../scripts/lib/local-cluster.js";
import { origin, testDiscovery, type TestDiscovery } from "./helpers.js";

let d: TestDiscovery;
afterEach(() => d?.close());

/** fetch onto the in-process discovery service, recording every request. */
function fetchVia(log: string[]): DiscoveryFetchFn {
  return async (url, init) => {
    const req = new Request(url, init);
    log.push(`${req.method} ${rawTargetOf(url)}`);
    return d.call(req.method, rawTargetOf(url), init?.body === undefined ? undefined : String(init.body));
  };
}

const noSleep = async () => {};

async function newUrl(size: number): Promise<string> {
  return (await d.call("GET", `/new?size=${size}`)).text();
}

function member(url: string, n: number, log: string[] = []): JoinOptions {
  return { url, memberId: `${n}`.repeat(16), name: `m${n}`, peerURLs: [`http://127.0.0.1:${2380 + n}`], fetch: fetchVia(log), sleep: noSleep };
}

it("sends etcd's exact request sequence and waits for the others (§9.2, case 169)", async () => {
  d = testDiscovery();
  const url = await newUrl(2);
  const tok = url.slice(origin.length + 1);
  const log: string[] = [];
  const first = joinDiscovery(member(url, 1, log));
  // The second member registers only once the first is watching.
  await waitFor(async () => log.some((l) => l.includes("recursive=true&wait=true")), 5_000);
  const second = await joinDiscovery(member(url, 2));
  const one = await first;
  expect(one).toEqual({ ok: true, size: 2, initialCluster: "m1=http://127.0.0.1:2381,m2=http://127.0.0.1:2382" });
  expect(second).toEqual(one);
  const id = "1".repeat(16);
  expect(log.slice(0, 7).map((l) => l.replace(/waitIndex=\d+/, "waitIndex=N"))).toEqual([
    `GET /${tok}/_config/size?quorum=false&recursive=false&sorted=false`,
    `GET /${tok}?quorum=false&recursive=false&sorted=false`,
    `PUT /${tok}/${id}?prevExist=false`,
    `GET /${tok}/${id}?recursive=false&wait=true&waitIndex=N`,
    `GET /${tok}/_config/size?quorum=false&recursive=false&sorted=false`,
    `GET /${tok}?quorum=false&recursive=false&sorted=false`,
    `GET /${tok}?recursive=true&wait=true&waitIndex=N`,
  ]);
});

it("three join concurrently and agree; a fourth finds the cluster full without registering", async () => {
  d = testDiscovery();
  const url = await newUrl(3);
  const results = await Promise.all([1, 2, 3].map((n) => joinDiscovery(member(url, n))));
  for (const r of results) expect(r).toEqual(results[0]);
  expect(results[0]).toMatchObject({ ok: true, size: 3 });
  const log: string[] = [];
  const fourth = await joinDiscovery(member(url, 4, log));
  expect(fourth).toMatchObject({ ok: false, reason: "full", message: "discovery: cluster is full" });
  expect(fourth.ok === false && fourth.reason === "full" ? fourth.peers.length : 0).toBe(3);
  expect(log.some((l) => l.startsWith("PUT"))).toBe(false);
});

it("a member registering twice is a duplicate id (case 173)", async () => {
  d = testDiscovery();
  const url = await newUrl(1);
  expect(await joinDiscovery(member(url, 1))).toMatchObject({ ok: true, initialCluster: "m1=http://127.0.0.1:2381" });
  // Same id, empty data dir: the registry already has it, so it is not "full" but a duplicate.
  expect(await joinDiscovery(member(url, 1))).toMatchObject({ ok: false, reason: "duplicateId", message: "discovery: found duplicate id" });
});

it("two ids under one name are a duplicate name", async () => {
  d = testDiscovery();
  const url = await newUrl(2);
  const a = joinDiscovery(member(url, 1));
  const b = await joinDiscovery({ ...member(url, 2), name: "m1" });
  expect(b).toMatchObject({ ok: false, reason: "duplicateName" });
  expect(await a).toMatchObject({ ok: false, reason: "duplicateName" });
});

it("an unknown token fails with etcd's error text; a bad size and a non-JSON endpoint too", async () => {
  d = testDiscovery();
  await newUrl(1); // the registry directory exists, the token does not
  const unknown = await joinDiscovery(member(`${origin}/0123456789abcdef0123456789abcdef`, 1));
  expect(unknown).toMatchObject({ ok: false, reason: "keys" });
  expect(unknown.ok ? "" : unknown.message).toMatch(/^100: Key not found \(\/_etcd\/registry\/0123456789abcdef0123456789abcdef\) \[\d+\]$/);

  const url = await newUrl(3);
  const tok = url.slice(origin.length + 1);
  await d.keys("PUT", `/v2/keys/_etcd/registry/${tok}/_config/size`, "value=three");
  expect(await joinDiscovery(member(url, 1))).toMatchObject({ ok: false, reason: "badSize", message: "discovery: size key is bad" });

  const html: DiscoveryFetchFn = async () => new Response("<html>", { status: 200 });
  expect(await joinDiscovery({ ...member(url, 1), fetch: html })).toMatchObject({ ok: false, reason: "badEndpoint" });
});

it("transport failures are retried with back-off, then reported", async () => {
  d = testDiscovery();
  const url = await newUrl(1);
  const waits: number[] = [];
  let failures = 2;
  const flaky: DiscoveryFetchFn = async (u, init) => {
    if (failures-- > 0) throw new TypeError("fetch failed");
    return fetchVia([])(u, init);
  };
  const ok = await joinDiscovery({ ...member(url, 1), fetch: flaky, sleep: async (ms) => void waits.push(ms) });
  expect(ok).toMatchObject({ ok: true });
  expect(waits).toEqual([1_000, 2_000]);
  const down: DiscoveryFetchFn = async () => {
    throw new TypeError("fetch failed");
  };
  expect(await joinDiscovery({ ...member(url, 2), fetch: down, retriesMax: 3 })).toMatchObject({ ok: false, reason: "unreachable" });
});
