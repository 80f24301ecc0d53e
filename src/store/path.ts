/**
 * Internal store paths ("/1/foo"): cleaning, splitting, hidden names, ordering.
 *
 * @module
 */

/** Go `path.Clean(path.Join("/", p))`: rooted, no "//", no "." / "..", no trailing slash. */
export function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return "/" + out.join("/");
}

/** Go `path.Join(dir, name)` for an already clean dir and a plain name. */
export function joinPath(dir: string, name: string): string {
  return dir === "/" ? "/" + name : dir + "/" + name;
}

/** Parent of a clean, non-root path ("/a" → "/", "/a/b" → "/a"). */
export function parentPath(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

export function baseName(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

/** The path components of a clean path ("/" → []). */
export function components(p: string): string[] {
  return p === "/" ? [] : p.slice(1).split("/");
}

/** etcd `node.IsHidden`: the last segment starts with "_". */
export function isHiddenPath(p: string): boolean {
  return baseName(p).startsWith("_");
}

/** True when `p` is `ancestor` itself or lies below it (segment-wise). */
export function isAtOrBelow(p: string, ancestor: string): boolean {
  if (ancestor === "/") return true;
  return p === ancestor || p.startsWith(ancestor + "/");
}

/**
 * Byte-wise UTF-8 order, as Go compares strings (etcd sorts listings that way). UTF-16 code
 * unit order differs only when surrogates meet U+E000–U+FFFF, so fix those up.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

function utf8Rank(c: number): number {
  if (c >= 0xd800 && c <= 0xdfff) return c + 0x2000;
  if (c >= 0xe000) return c - 0x800;
  return c;
}
