/**
 * NodeRecord → NodeExtern, as etcd's `node.Repr` and `NodeExtern.loadInternalNode` build them.
 *
 * @module
 */
import type { NodeRecord, StoreBackend } from "./backend.js";
import { compareKeys, isHiddenPath } from "./path.js";
import type { NodeExtern } from "./types.js";

/** etcd `node.Repr`: a dir lists its (visible) children only when `recursive`. */
export function repr(
  backend: StoreBackend,
  n: NodeRecord,
  recursive: boolean,
  sorted: boolean,
): NodeExtern {
  if (!n.dir) return reprFlat(n);
  const out = dirHeader(n);
  if (recursive) out.nodes = listChildren(backend, n.path, true, sorted);
  return out;
}

/** etcd `loadInternalNode` (GET): a dir always lists one level; deeper only when recursive. */
export function reprForGet(
  backend: StoreBackend,
  n: NodeRecord,
  recursive: boolean,
  sorted: boolean,
): NodeExtern {
  if (!n.dir) return repr(backend, n, false, false);
  const out = dirHeader(n);
  out.nodes = listChildren(backend, n.path, recursive, sorted);
  return out;
}

/** The non-recursive representation used for prevNode. */
export function reprFlat(n: NodeRecord): NodeExtern {
  if (n.dir) return dirHeader(n);
  return {
    key: n.path,
    value: n.value,
    dir: false,
    expirationMs: n.expirationMs,
    modifiedIndex: n.modifiedIndex,
    createdIndex: n.createdIndex,
  };
}

function dirHeader(n: NodeRecord): NodeExtern {
  return {
    key: n.path,
    dir: true,
    expirationMs: n.expirationMs,
    modifiedIndex: n.modifiedIndex,
    createdIndex: n.createdIndex,
  };
}

function listChildren(
  backend: StoreBackend,
  path: string,
  recursive: boolean,
  sorted: boolean,
): NodeExtern[] {
  const out: NodeExtern[] = [];
  for (const child of backend.children(path)) {
    if (isHiddenPath(child.path)) continue;
    out.push(repr(backend, child, recursive, sorted));
  }
  if (sorted) out.sort((a, b) => compareKeys(a.key, b.key));
  return out;
}
