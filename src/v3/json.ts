/**
 * A JSON reader for the gateway's request bodies. Numbers keep their source text, so int64
 * fields (lease IDs above 2^53) arrive intact; syntax errors read as Go's encoding/json words
 * them, since etcd's gateway passes those messages through to the client.
 *
 * @module
 */

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
export interface JsonNumber {
  readonly num: string;
}
export type JsonObject = { readonly [k: string]: JsonValue } & { readonly __object?: true };

export class JsonSyntaxError extends Error {}

export function isNumber(v: JsonValue): v is JsonNumber {
  return v !== null && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) === JsonNumberProto;
}

const JsonNumberProto = {};
function num(text: string): JsonNumber {
  const n = Object.create(JsonNumberProto) as { num: string };
  n.num = text;
  return n;
}

export function isObject(v: JsonValue): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !isNumber(v);
}

/** What Go's decoder calls a value's kind in "cannot unmarshal X into …". */
export function kindOf(v: JsonValue): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "string") return "string";
  if (isNumber(v)) return "number";
  return Array.isArray(v) ? "array" : "object";
}

/**
 * Read JSON values one after another from `text`, as Go's json.Decoder does on a stream (the
 * gateway reads the first for a unary call, each in turn for a watch stream).
 */
export class JsonReader {
  private i = 0;
  constructor(private readonly s: string) {}

  /** Characters consumed so far. */
  get offset(): number {
    return this.i;
  }

  /** The next value, or undefined at the end of the input. */
  next(): JsonValue | undefined {
    this.ws();
    if (this.i >= this.s.length) return undefined;
    return this.value();
  }

  /** json.Unmarshal's rule: nothing but whitespace may follow the value. */
  expectEnd(): void {
    this.ws();
    if (this.i < this.s.length) throw new JsonSyntaxError(`invalid character ${goQuoteChar(this.s[this.i]!)} after top-level value`);
  }

  private ws(): void {
    while (this.i < this.s.length && " \t\r\n".includes(this.s[this.i]!)) this.i++;
  }

  private fail(context: string): never {
    if (this.i >= this.s.length) throw new JsonSyntaxError("unexpected EOF");
    throw new JsonSyntaxError(`invalid character ${goQuoteChar(this.s[this.i]!)} ${context}`);
  }

  private value(): JsonValue {
    this.ws();
    const c = this.s[this.i];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "t") return this.literal("true", true);
    if (c === "f") return this.literal("false", false);
    if (c === "n") return this.literal("null", null);
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    return this.fail("looking for beginning of value");
  }

  private literal<T extends JsonValue>(word: string, v: T): T {
    for (let k = 0; k < word.length; k++, this.i++) {
      if (this.s[this.i] !== word[k]) this.fail(`in literal ${word} (expecting ${goQuoteChar(word[k]!)})`);
    }
    return v;
  }

  private number(): JsonNumber {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i));
    if (!m) {
      this.i++;
      return this.fail("in numeric literal");
    }
    this.i += m[0].length;
    return num(m[0]);
  }

  private string(): string {
    this.i++;
    let out = "";
    for (;;) {
      if (this.i >= this.s.length) this.fail("");
      const c = this.s[this.i]!;
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === "\\") {
        const e = this.s[this.i + 1];
        const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          this.i += 2;
          continue;
        }
        if (e === "u" && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) {
          out += String.fromCharCode(parseInt(this.s.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
          continue;
        }
        this.i++;
        this.fail("in string escape code");
      }
      if (c < " ") this.fail("in string literal");
      out += c;
      this.i++;
    }
  }

  private array(): JsonValue[] {
    this.i++;
    const out: JsonValue[] = [];
    this.ws();
    if (this.s[this.i] === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.s[this.i];
      this.i++;
      if (c === "]") return out;
      if (c !== ",") {
        this.i--;
        this.fail("after array element");
      }
    }
  }

  private object(): JsonObject {
    this.i++;
    const out: Record<string, JsonValue> = Object.create(null);
    this.ws();
    if (this.s[this.i] === "}") {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail("looking for beginning of object key string");
      const k = this.string();
      this.ws();
      if (this.s[this.i] !== ":") this.fail("after object key");
      this.i++;
      out[k] = this.value();
      this.ws();
      const c = this.s[this.i];
      this.i++;
      if (c === "}") return out;
      if (c !== ",") {
        this.i--;
        this.fail("after object key:value pair");
      }
    }
  }
}

/** Go's quoteChar: 'x', with ' and " escaped. */
function goQuoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  return `'${c}'`;
}
