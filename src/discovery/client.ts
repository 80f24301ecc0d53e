/**
 * The joining side of etcd's discovery protocol (spec §9.2), as etcd 3.4's discovery client
 * runs it: read the size, check the registry, register this member (`prevExist=false`),
 * confirm, check again, then watch the registry until `size` members are known. The result is
 * the initial cluster string (`name=url,…`). Pure over an injected fetch and sleep.
 *
 * @module
 */

export type DiscoveryFetchFn = (url: string, init?: RequestInit) => Promise<Response>;

export interface JoinOptions {
  /** The discovery URL (`<origin>/<token>`). */
  url: string;
  /** This member's id (lowercase hex) and its `name=peerURL` entries. */
  memberId: string;
  name: string;
  peerURLs: string[];
  fetch: DiscoveryFetchFn;
  sleep: (ms: number) => Promise<void>;
  /** Transport failures retried per request before giving up (etcd retries forever). */
  retriesMax?: number;
  /** Watch replies handled before giving up waiting for the other members. */
  watchRepliesMax?: number;
}

export type JoinFailure =
  /** `size` others registered first. `peers` are their entries, for a proxy fallback. */
  | { ok: false; reason: "full"; message: string; peers: string[] }
  | { ok: false; reason: "duplicateId" | "duplicateName" | "badSize" | "badEndpoint" | "keys" | "unreachable"; message: string };

export type JoinResult = { ok: true; initialCluster: string; size: number } | JoinFailure;

interface RegistryNode {
  key: string;
  value?: string;
  createdIndex: number;
}

const readQuery = "quorum=false&recursive=false&sorted=false";
export const joinDefaults = { retriesMax: 8, backoffBaseMs: 1_000, backoffMaxMs: 256_000, watchRepliesMax: 10_000 } as const;

class Stop extends Error {
  constructor(readonly failure: JoinFailure) {
    super(failure.message);
  }
}

function fail(reason: Exclude<JoinFailure["reason"], "full">, message: string): never {
  throw new Stop({ ok: false, reason, message });
}

const baseName = (key: string) => key.slice(key.lastIndexOf("/") + 1);

export async function joinDiscovery(opts: JoinOptions): Promise<JoinResult> {
  try {
    return await join(opts);
  } catch (e) {
    if (e instanceof Stop) return e.failure;
    throw e;
  }
}

async function join(opts: JoinOptions): Promise<JoinResult> {
  const base = opts.url.replace(/\/+$/, "");
  const self = opts.memberId;
  const retriesMax = opts.retriesMax ?? joinDefaults.retriesMax;

  /** One request; transport failures are retried with etcd's 2^k s back-off. */
  async function call(url: string, init?: RequestInit): Promise<{ res: Response; body: unknown }> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      let text: string;
      try {
        res = await opts.fetch(url, init);
        text = await res.text();
      } catch (e) {
        if (attempt >= retriesMax) fail("unreachable", `discovery: ${String(e)}`);
        await opts.sleep(Math.min(joinDefaults.backoffMaxMs, joinDefaults.backoffBaseMs * 2 ** attempt));
        continue;
      }
      if (text === "" && res.status === 200) return { res, body: null };
      try {
        return { res, body: JSON.parse(text) as unknown };
      } catch {
        fail("badEndpoint", "discovery: bad discovery endpoint");
      }
    }
  }

  function keysError(body: unknown): never {
    const e = body as { errorCode?: number; message?: string; cause?: string; index?: number } | null;
    if (!e || typeof e.errorCode !== "number") fail("badEndpoint", "discovery: bad discovery endpoint");
    fail("keys", `${e.errorCode}: ${e.message ?? ""} (${e.cause ?? ""}) [${e.index ?? 0}]`);
  }

  /** etcd's checkCluster: the size and the registered members, ordered by creation. */
  async function checkCluster(): Promise<{ size: number; nodes: RegistryNode[]; index: number }> {
    const sized = await call(`${base}/_config/size?${readQuery}`);
    if (sized.res.status !== 200) keysError(sized.body);
    const value = (sized.body as { node?: { value?: string } }).node?.value ?? "";
    if (!/^[0-9]+$/.test(value) || Number(value) < 1) fail("badSize", "discovery: size key is bad");
    const size = Number(value);
    const listed = await call(`${base}?${readQuery}`);
    if (listed.res.status !== 200) keysError(listed.body);
    const index = Number(listed.res.headers.get("X-Etcd-Index") ?? "0");
    const children = ((listed.body as { node?: { nodes?: RegistryNode[] } }).node?.nodes ?? []).filter((n) => baseName(n.key) !== "_config");
    const nodes = children.sort((a, b) => a.createdIndex - b.createdIndex);
    // Full when this member is not among the first `size` registered.
    for (let i = 0; i < nodes.length; i++) {
      if (baseName(nodes[i]!.key) === self) break;
      if (i >= size - 1) {
        const peers = nodes.slice(0, size).map((n) => n.value ?? "");
        throw new Stop({ ok: false, reason: "full", message: "discovery: cluster is full", peers });
      }
    }
    return { size, nodes, index };
  }

  await checkCluster();
  const value = opts.peerURLs.map((u) => `${opts.name}=${u}`).sort().join(",");
  const registered = await call(`${base}/${self}?prevExist=false`, {
    method: "PUT",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: `value=${encodeURIComponent(value)}`,
  });
  if (registered.res.status === 412) fail("duplicateId", "discovery: found duplicate id");
  if (registered.res.status !== 201) keysError(registered.body);
  const createdIndex = (registered.body as { node?: { createdIndex?: number } }).node?.createdIndex ?? 0;
  // etcd confirms the write is visible before reading the registry again.
  const confirmed = await call(`${base}/${self}?recursive=false&wait=true&waitIndex=${createdIndex}`);
  if (confirmed.res.status !== 200) keysError(confirmed.body);

  const { size, nodes, index } = await checkCluster();
  const all = nodes.slice(0, size);
  let after = index;
  const watchRepliesMax = opts.watchRepliesMax ?? joinDefaults.watchRepliesMax;
  for (let replies = 0; all.length < size; replies++) {
    if (replies >= watchRepliesMax) fail("unreachable", "discovery: gave up waiting for the other members");
    const watched = await call(`${base}?recursive=true&wait=true&waitIndex=${after + 1}`);
    if (watched.body === null) continue; // an empty watch reply is simply re-issued
    if (watched.res.status !== 200) keysError(watched.body);
    const event = watched.body as { action?: string; node?: RegistryNode & { modifiedIndex?: number } };
    const node = event.node;
    if (!node) fail("badEndpoint", "discovery: bad discovery endpoint");
    after = node.modifiedIndex ?? after + 1;
    // etcd appends every event's node; only new registrations can be members.
    if (event.action === "create" && node.value !== undefined && !node.key.includes("/_config")) all.push(node);
  }
  const initialCluster = all.map((n) => n.value ?? "").join(",");
  const names = new Set(initialCluster.split(",").map((e) => e.slice(0, Math.max(0, e.indexOf("=")))));
  if (names.size !== size) fail("duplicateName", "discovery: found duplicate name");
  return { ok: true, initialCluster, size };
}
