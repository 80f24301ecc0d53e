/**
 * Path walks over the backend (etcd `store.walk`, `internalGet`, `checkDir`), each costing at
 * most one `getNode` per path component, and only one in the common case.
 *
 * @module
 */
import type { NodeRecord, StoreBackend } from "./backend.js";
import { EcodeKeyNotFound, EcodeNotDir, v2Error } from "./errors.js";
import { components, joinPath } from "./path.js";
import type { V2Error } from "./types.js";

export type Lookup = { ok: true; node: NodeRecord } | { ok: false; error: V2Error };

function root(backend: StoreBackend): NodeRecord {
  const r = backend.getNode("/");
  if (r === undefined || !r.dir) throw new Error("store root is missing");
  return r;
}

/**
 * The node at a clean path. Errors as etcd's walk reports them: 104 with the first component
 * that is a key, or 100 with the first missing prefix.
 */
export function lookup(backend: StoreBackend, path: string, index: number): Lookup {
  // Every ancestor of an existing node is a directory, so a hit needs no walk.
  const hit = backend.getNode(path);
  if (hit !== undefined) return { ok: true, node: hit };
  let cur = root(backend);
  for (const name of components(path)) {
    if (!cur.dir) return { ok: false, error: v2Error(EcodeNotDir, cur.path, index) };
    const childPath = joinPath(cur.path, name);
    const child = backend.getNode(childPath);
    if (child === undefined) return { ok: false, error: v2Error(EcodeKeyNotFound, childPath, index) };
    cur = child;
  }
  return { ok: true, node: cur };
}

/**
 * The directory at `dirPath`, creating missing directories as permanent dirs stamped with
 * `createdIndex` (no events). 104 with the first component that is a key.
 */
export function ensureDir(
  backend: StoreBackend,
  dirPath: string,
  createdIndex: number,
  index: number,
): Lookup {
  const hit = backend.getNode(dirPath);
  if (hit !== undefined) {
    return hit.dir ? { ok: true, node: hit } : { ok: false, error: v2Error(EcodeNotDir, hit.path, index) };
  }
  let cur = root(backend);
  let creating = false;
  for (const name of components(dirPath)) {
    const childPath = joinPath(cur.path, name);
    const child = creating ? undefined : backend.getNode(childPath);
    if (child !== undefined) {
      if (!child.dir) return { ok: false, error: v2Error(EcodeNotDir, child.path, index) };
      cur = child;
      continue;
    }
    creating = true;
    cur = {
      path: childPath,
      dir: true,
      value: "",
      createdIndex,
      modifiedIndex: createdIndex,
      expirationMs: null,
    };
    backend.putNode(cur);
  }
  return { ok: true, node: cur };
}
