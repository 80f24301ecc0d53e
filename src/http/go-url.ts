/**
 * Go's `net/url` and `net/http` path rules that etcd's behaviour depends on: percent-decoding
 * of the request path, `ServeMux` path cleaning, and re-escaping for a redirect `Location`.
 *
 * @module
 */

const utf8 = new TextEncoder();
// Go strings are bytes; a JS string gets U+FFFD for invalid UTF-8, which is exactly what Go's
// JSON encoder shows for those bytes.
const utf8Lossy = new TextDecoder();

/** Go `url.EscapeError` text: `invalid URL escape "%zz"`. */
export class EscapeError extends Error {}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Go `url.unescape`: `plusIsSpace` in query mode. Throws EscapeError on a bad escape. */
export function goUnescape(s: string, plusIsSpace: boolean): string {
  if (!s.includes("%") && !(plusIsSpace && s.includes("+"))) return s;
  const b = utf8.encode(s);
  const out = new Uint8Array(b.length);
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    if (c === 0x25) {
      if (i + 2 >= b.length || !isHex(b[i + 1] as number) || !isHex(b[i + 2] as number)) {
        const bad = utf8Lossy.decode(b.subarray(i, Math.min(i + 3, b.length)));
        throw new EscapeError(`invalid URL escape ${goQuote(bad)}`);
      }
      out[n++] = parseInt(String.fromCharCode(b[i + 1] as number, b[i + 2] as number), 16);
      i += 2;
    } else if (c === 0x2b && plusIsSpace) {
      out[n++] = 0x20;
    } else {
      out[n++] = c;
    }
  }
  return utf8Lossy.decode(out.subarray(0, n));
}

/** Go `strconv.Quote` for the short strings that appear in error causes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + '"';
}

/** Go `path.Clean`. */
export function goPathClean(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(seg);
  }
  const joined = out.join("/");
  if (rooted) return "/" + joined;
  return joined === "" ? "." : joined;
}

/** Go `http.cleanPath` (ServeMux): path.Clean, but a trailing slash is kept. */
export function muxCleanPath(p: string): string {
  if (p === "") return "/";
  if (!p.startsWith("/")) p = "/" + p;
  let np = goPathClean(p);
  if (p.endsWith("/") && np !== "/") np += "/";
  return np;
}

/** Go `url.PathEscape`-like escaping used by `url.URL.String()` for a path (encodePath mode). */
export function goEscapePath(p: string): string {
  let out = "";
  for (const byte of utf8.encode(p)) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~$&+,/:;=@]/.test(ch)) out += ch;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Go `html.EscapeString` as used by `http.Redirect`'s body. */
export function goHtmlEscape(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/'/g, "&#39;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&#34;");
}
