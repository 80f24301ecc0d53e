/**
 * What one token's registry holds, and what a write would add: the numbers behind
 * DISCOVERY_TOKEN_KEYS_MAX and DISCOVERY_TOKEN_BYTES_MAX. Pure.
 *
 * A key is any node under the token directory (file or directory); its bytes are those of its
 * path below the token directory plus its value (UTF-8). Hidden nodes (`_…`) never appear in a
 * v2 listing, so client writes may not create them (`hiddenSegment`) and the only hidden nodes,
 * the ones /new wrote, are counted as a constant (`configUsage`).
 *
 * @module
 */

/** A node as the v2 keys API renders it. */
export interface ListedNode {
  key: string;
  dir?: boolean;
  value?: string;
  nodes?: ListedNode[];
}

export interface Usage {
  keys: number;
  bytes: number;
}

export interface RegistryUsage extends Usage {
  /** Path below the token directory → value bytes (a file) or null (a directory). */
  nodes: Map<string, number | null>;
}

const utf8 = new TextEncoder();
const bytesOf = (s: string) => utf8.encode(s).byteLength;

/** `_config` and `_config/size` (a size of at most two digits), written by /new. */
export const configUsage: Usage = { keys: 2, bytes: bytesOf("/_config") + bytesOf("/_config/size") + 2 };

/** etcd names an in-order key by its index, zero-padded to 20 digits (`%020v`). */
const inOrderNameBytes = 20;

/** The usage of a recursive listing of the token directory `dir` (whose key is `dirKey`). */
export function registryUsage(dir: ListedNode, dirKey: string): RegistryUsage {
  const usage: RegistryUsage = { keys: configUsage.keys, bytes: configUsage.bytes, nodes: new Map() };
  const walk = (n: ListedNode) => {
    for (const child of n.nodes ?? []) {
      if (!child.key.startsWith(dirKey + "/")) throw new Error(`registryUsage: ${child.key} is not under ${dirKey}`);
      const rel = child.key.slice(dirKey.length);
      const valueBytes = child.dir === true ? 0 : bytesOf(child.value ?? "");
      usage.keys += 1;
      usage.bytes += bytesOf(rel) + valueBytes;
      usage.nodes.set(rel, child.dir === true ? null : valueBytes);
      walk(child);
    }
  };
  walk(dir);
  return usage;
}

/** The first path segment that names a hidden node, or null. */
export function hiddenSegment(keyPath: string): string | null {
  return keyPath.split("/").find((s) => s.startsWith("_")) ?? null;
}

/**
 * An upper bound on what a PUT or POST of `value` at `keyPath` (below the token directory,
 * decoded and clean) adds: every missing node on the path, the in-order child a POST makes,
 * and the value (less the value it replaces). Negative when a PUT shrinks a value.
 */
export function writeCost(usage: RegistryUsage, method: "PUT" | "POST", keyPath: string, value: string): Usage {
  const segments = keyPath.split("/").filter((s) => s !== "");
  if (segments.length === 0) throw new Error("writeCost: the token directory itself is read only");
  const valueBytes = bytesOf(value);
  const cost: Usage = { keys: 0, bytes: 0 };
  let rel = "";
  for (const [i, segment] of segments.entries()) {
    rel += "/" + segment;
    const existing = usage.nodes.get(rel);
    const last = i === segments.length - 1;
    if (existing === undefined) {
      cost.keys += 1;
      cost.bytes += bytesOf(rel) + (last && method === "PUT" ? valueBytes : 0);
    } else if (last && method === "PUT" && existing !== null) {
      cost.bytes += valueBytes - existing;
    }
  }
  if (method === "POST") {
    cost.keys += 1;
    cost.bytes += bytesOf(rel) + 1 + inOrderNameBytes + valueBytes;
  }
  return cost;
}

export type QuotaVerdict = { ok: true } | { ok: false; limit: "keys" | "bytes"; would: number; max: number };

/** A write that adds nothing is always allowed, so a full registry can still shrink. */
export function checkQuota(usage: Usage, cost: Usage, max: Usage): QuotaVerdict {
  if (cost.keys > 0 && usage.keys + cost.keys > max.keys) return { ok: false, limit: "keys", would: usage.keys + cost.keys, max: max.keys };
  if (cost.bytes > 0 && usage.bytes + cost.bytes > max.bytes) return { ok: false, limit: "bytes", would: usage.bytes + cost.bytes, max: max.bytes };
  return { ok: true };
}
