/**
 * Go's `Request.ParseForm` as etcd's keys API sees it (spec §1.7): the url-encoded body (PUT and
 * POST only) then the query; every name keeps all its values, body values first; the first error
 * wins, body errors before query errors.
 *
 * @module
 */
import { goParseMediaType } from "./go-mime.js";
import { EscapeError, goUnescape } from "./go-url.js";

/** Go's cap on an url-encoded form body (`10 << 20`). Larger → `http: POST too large`. */
export const formBodyBytesMax = 10 << 20;

/** Name → values, in order (Go `url.Values`). */
export type FormValues = Map<string, string[]>;

export interface ParsedForm {
  values: FormValues;
  /** Go's error text, or null. */
  error: string | null;
}

/** Go `url.ParseQuery`: keeps going after an error, reporting the first. */
export function goParseQuery(query: string, into: FormValues = new Map()): ParsedForm {
  let error: string | null = null;
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    if (pair.includes(";")) {
      error ??= "invalid semicolon separator in query";
      continue;
    }
    const eq = pair.indexOf("=");
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? "" : pair.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = goUnescape(rawKey, true);
      value = goUnescape(rawValue, true);
    } catch (e) {
      if (!(e instanceof EscapeError)) throw e;
      error ??= e.message;
      continue;
    }
    const list = into.get(key);
    if (list === undefined) into.set(key, [value]);
    else list.push(value);
  }
  return { values: into, error };
}

/** Reads at most `max + 1` bytes, so an oversize body is detected without buffering it all. */
async function readCapped(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/**
 * The whole form of a request. `rawQuery` is the text after "?" in the raw request target.
 * The body is read only for PUT/POST/PATCH with an url-encoded content type.
 */
export async function parseForm(req: Request, rawQuery: string): Promise<ParsedForm> {
  const values: FormValues = new Map();
  let error: string | null = null;
  const m = req.method;
  if (m === "PUT" || m === "POST" || m === "PATCH") {
    // Go treats an empty Content-Type as application/octet-stream.
    const media = goParseMediaType(req.headers.get("content-type") || "application/octet-stream");
    error = media.error;
    if (media.type === "application/x-www-form-urlencoded" && req.body !== null) {
      const bytes = await readCapped(req.body, formBodyBytesMax);
      if (bytes === null) return { values, error: "http: POST too large" };
      error ??= goParseQuery(new TextDecoder().decode(bytes), values).error;
    }
  }
  const q = goParseQuery(rawQuery, values);
  return { values, error: error ?? q.error };
}

/** Go `url.Values.Get`: the first value, or "" when absent. */
export function formGet(form: FormValues, name: string): string {
  return form.get(name)?.[0] ?? "";
}
