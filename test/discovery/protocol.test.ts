// The joining member's request sequence (spec §9.2, cases 169–170, 173), replayed over the
// discovery service exactly as etcd 3.4's discovery client sends it.
import { afterEach, expect, it } from "vitest";
import { json, newToken, testDiscovery, type TestDiscovery } from "./helpers.js";

let d: TestDiscovery;
afterEach(() => d?.close());

const q = "quorum=false&recursive=false&sorted=false";
type Node = { key: string; value?: string; createdIndex: number; modifiedIndex: number };

async function register(tok: string, id: string, value: string): Promise<Response> {
  return d.call("PUT", `/${tok}/${id}?prevExist=false`, `value=${encodeURIComponent(value)}`);
}

it("two members find each other; a third finds the cluster full; a re-registration is a duplicate", async () => {
  d = testDiscovery();
  const tok = await newToken(d, 2);

  // A: steps 1–2.
  const size = await json(await d.call("GET", `/${tok}/_config/size?${q}`));
  expect((size["node"] as Node).value).toBe("2");
  const empty = await json(await d.call("GET", `/${tok}?${q}`));
  expect((empty["node"] as { nodes?: Node[] }).nodes ?? []).toEqual([]);
  // Step 3: register.
  const regA = await register(tok, "a1", "e1=http://127.0.0.1:2380");
  expect(regA.status).toBe(201);
  const createdA = ((await json(regA))["node"] as Node).createdIndex;
  // Step 4: the write is visible (answered from history at once).
  const seen = await json(await d.call("GET", `/${tok}/a1?recursive=false&wait=true&waitIndex=${createdA}`));
  expect(seen).toMatchObject({ action: "create", node: { value: "e1=http://127.0.0.1:2380" } });
  // Step 5: list again; step 6: one member short, so watch from the listing's index + 1.
  const listing = await d.call("GET", `/${tok}?${q}`);
  const index = Number(listing.headers.get("X-Etcd-Index"));
  expect(((await json(listing))["node"] as { nodes: Node[] }).nodes.map((n) => n.key)).toEqual([`/_etcd/registry/${tok}/a1`]);
  const watch = d.call("GET", `/${tok}?recursive=true&wait=true&waitIndex=${index + 1}`);

  // B registers; A's watch sees it.
  expect((await register(tok, "b2", "e2=http://127.0.0.1:2381")).status).toBe(201);
  const event = await json(await watch);
  expect(event).toMatchObject({ action: "create", node: { key: `/_etcd/registry/${tok}/b2`, value: "e2=http://127.0.0.1:2381" } });

  // C: the listing already has 2 others (cluster full, decided by the client from this).
  const full = await json(await d.call("GET", `/${tok}?${q}`));
  const nodes = (full["node"] as { nodes: Node[] }).nodes.sort((x, y) => x.createdIndex - y.createdIndex);
  expect(nodes.map((n) => n.value)).toEqual(["e1=http://127.0.0.1:2380", "e2=http://127.0.0.1:2381"]);

  // A again with an empty data dir: same id → 412 / 105.
  const dup = await register(tok, "a1", "e1=http://127.0.0.1:2380");
  expect(dup.status).toBe(412);
  expect(await json(dup)).toMatchObject({ errorCode: 105, message: "Key already exists" });
});

it("a token without a size key answers the size GET with 404 / 100 (case 168)", async () => {
  d = testDiscovery();
  const tok = await newToken(d);
  await d.keys("DELETE", `/v2/keys/_etcd/registry/${tok}/_config/size`);
  const res = await d.call("GET", `/${tok}/_config/size?${q}`);
  expect(res.status).toBe(404);
  expect((await json(res))["errorCode"]).toBe(100);
});
