/**
 * Go `mime.ParseMediaType`, as far as `Request.ParseForm` depends on it: the lowercased media
 * type, and the error text etcd reports (code 210) for a malformed Content-Type.
 *
 * @module
 */

const tspecials = '()<>@,;:\\"/[]?=';

function isTokenChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return code > 0x20 && code < 0x80 && !tspecials.includes(c);
}

function consumeToken(v: string): [string, string] {
  let i = 0;
  while (i < v.length && isTokenChar(v[i] as string)) i++;
  return [v.slice(0, i), v.slice(i)];
}

function consumeValue(v: string): [string, string] {
  if (v === "") return ["", ""];
  if (v[0] !== '"') return consumeToken(v);
  let out = "";
  for (let i = 1; i < v.length; i++) {
    const c = v[i] as string;
    if (c === '"') return [out, v.slice(i + 1)];
    if (c === "\\" && i + 1 < v.length && tspecials.includes(v[i + 1] as string)) {
      out += v[++i];
      continue;
    }
    if (c === "\r" || c === "\n") return ["", v];
    out += c;
  }
  return ["", v];
}

const trimLeftSpace = (s: string) => s.replace(/^\s+/, "");

/** [key, value, rest]; key "" = no parameter could be read. */
function consumeParam(v: string): [string, string, string] {
  let rest = trimLeftSpace(v);
  if (!rest.startsWith(";")) return ["", "", v];
  rest = trimLeftSpace(rest.slice(1));
  let param: string;
  [param, rest] = consumeToken(rest);
  param = param.toLowerCase();
  if (param === "") return ["", "", v];
  rest = trimLeftSpace(rest);
  if (!rest.startsWith("=")) return ["", "", v];
  rest = trimLeftSpace(rest.slice(1));
  const [value, rest2] = consumeValue(rest);
  if (value === "" && rest2 === rest) return ["", "", v];
  return [param, value, rest2];
}

function checkMediaType(s: string): string | null {
  const [typ, rest] = consumeToken(s);
  if (typ === "") return "mime: no media type";
  if (rest === "") return null;
  if (!rest.startsWith("/")) return "mime: expected slash after first token";
  const [sub, rest2] = consumeToken(rest.slice(1));
  if (sub === "") return "mime: expected token after slash";
  if (rest2 !== "") return "mime: unexpected content after media subtype";
  return null;
}

/** The media type ("" on some errors, as Go returns) and Go's error text or null. */
export function goParseMediaType(v: string): { type: string; error: string | null } {
  const semi = v.indexOf(";");
  const base = semi < 0 ? v : v.slice(0, semi);
  const type = base.toLowerCase().trim();
  const bad = checkMediaType(type);
  if (bad !== null) return { type: "", error: bad };
  const seen = new Set<string>();
  let rest = v.slice(base.length);
  while (rest.length > 0) {
    rest = trimLeftSpace(rest);
    if (rest === "") break;
    const [key, , next] = consumeParam(rest);
    if (key === "") {
      if (rest.trim() === ";") break;
      return { type, error: "mime: invalid media parameter" };
    }
    if (seen.has(key)) return { type: "", error: "mime: duplicate parameter name" };
    seen.add(key);
    rest = next;
  }
  return { type, error: null };
}
