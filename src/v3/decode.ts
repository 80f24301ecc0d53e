/**
 * Request bodies as etcd's gateway (grpc-gateway + jsonpb) reads them: the first JSON value of
 * the body, fields by their proto name or its lowerCamelCase form, unknown fields ignored,
 * bytes as standard base64, int64 as a number or a quoted number, enums by name or number.
 * Decoding errors carry jsonpb's messages; the caller answers them with code 3.
 *
 * @module
 */
import { Base64Error, decodeBase64, toHex } from "./codec.js";
import { JsonReader, JsonSyntaxError, isNumber, isObject, kindOf, type JsonObject, type JsonValue } from "./json.js";
import type { Compare, DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from "./types.js";

export class DecodeError extends Error {}

/** The first JSON value of a body; an empty body is an empty message (as io.EOF is to the gateway). */
export function readBody(text: string): JsonObject {
  let v: JsonValue | undefined;
  try {
    v = new JsonReader(text).next();
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new DecodeError(e.message);
    throw e;
  }
  if (v === undefined) return Object.create(null) as JsonObject;
  return asMessage(v);
}

/** Every JSON value of a stream body in turn (watch, keepalive), each a message. */
export function* readMessages(text: string): Generator<JsonObject> {
  const reader = new JsonReader(text);
  for (;;) {
    let v: JsonValue | undefined;
    try {
      v = reader.next();
    } catch (e) {
      if (e instanceof JsonSyntaxError) throw new DecodeError(e.message);
      throw e;
    }
    if (v === undefined) return;
    yield asMessage(v);
  }
}

/**
 * Messages of a request body as they arrive (a watch stream's requests): each is handed out
 * once its JSON value is complete. A value still incomplete at `bytesMax` is refused.
 */
export class MessageStream {
  private buf = "";
  private bytes = 0;
  private ended = false;
  private readonly decoder = new TextDecoder();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array> | null;

  constructor(body: ReadableStream<Uint8Array> | null, private readonly bytesMax: number) {
    this.reader = body ? body.getReader() : null;
  }

  /** The next message, undefined at the end of the body; throws DecodeError or TooLarge. */
  async next(): Promise<JsonObject | undefined> {
    for (;;) {
      const reader = new JsonReader(this.buf);
      try {
        const v = reader.next();
        if (v !== undefined) {
          this.buf = this.buf.slice(reader.offset);
          this.bytes = new TextEncoder().encode(this.buf).length;
          return asMessage(v);
        }
        this.buf = "";
        this.bytes = 0;
      } catch (e) {
        if (!(e instanceof JsonSyntaxError)) throw e;
        if (e.message !== "unexpected EOF" || this.ended) throw new DecodeError(e.message);
      }
      if (this.ended) return undefined;
      await this.#read();
    }
  }

  async #read(): Promise<void> {
    const chunk = this.reader ? await this.reader.read() : { done: true as const, value: undefined };
    if (chunk.done) {
      this.ended = true;
      this.buf += this.decoder.decode();
      return;
    }
    this.bytes += chunk.value.length;
    if (this.bytes > this.bytesMax) {
      await this.cancel();
      throw new MessageTooLarge();
    }
    this.buf += this.decoder.decode(chunk.value, { stream: true });
  }

  async cancel(): Promise<void> {
    this.ended = true;
    await this.reader?.cancel().catch(() => {});
  }
}

export class MessageTooLarge extends Error {}

export function asMessage(v: JsonValue): JsonObject {
  if (!isObject(v)) throw new DecodeError(`json: cannot unmarshal ${kindOf(v)} into Go value of type map[string]json.RawMessage`);
  return v;
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** A message's field by proto name or lowerCamelCase name; null counts as absent. */
export function field(m: JsonObject, name: string): JsonValue | undefined {
  const v = m[name] ?? m[camel(name)];
  return v === null ? undefined : v;
}

export function bytesField(m: JsonObject, name: string): Uint8Array {
  const v = field(m, name);
  if (v === undefined) return new Uint8Array(0);
  if (typeof v !== "string") throw new DecodeError(`json: cannot unmarshal ${kindOf(v)} into Go value of type []uint8`);
  try {
    return decodeBase64(v);
  } catch (e) {
    if (e instanceof Base64Error) throw new DecodeError(e.message);
    throw e;
  }
}

export function keyField(m: JsonObject, name: string): string {
  return toHex(bytesField(m, name));
}

/** An int64 as text (lease IDs keep every digit). */
export function int64Text(m: JsonObject, name: string): string {
  const v = field(m, name);
  if (v === undefined) return "0";
  let text: string;
  if (typeof v === "string") {
    // jsonpb unquotes and hands the rest to json.Unmarshal as an int64.
    const inner = new JsonReader(v);
    let n: JsonValue | undefined;
    try {
      n = inner.next();
      if (n !== undefined) inner.expectEnd();
    } catch (e) {
      if (!(e instanceof JsonSyntaxError)) throw e;
      throw new DecodeError(e.message === "unexpected EOF" ? "unexpected end of JSON input" : e.message);
    }
    if (n === undefined) throw new DecodeError("unexpected end of JSON input");
    if (!isNumber(n)) throw new DecodeError(`json: cannot unmarshal ${kindOf(n)} into Go value of type int64`);
    text = n.num;
  } else if (isNumber(v)) {
    text = v.num;
  } else {
    throw new DecodeError(`json: cannot unmarshal ${kindOf(v)} into Go value of type int64`);
  }
  if (!/^-?\d+$/.test(text)) throw new DecodeError(`json: cannot unmarshal number ${text} into Go value of type int64`);
  const n = BigInt(text);
  if (n > 9223372036854775807n || n < -9223372036854775808n) throw new DecodeError(`json: cannot unmarshal number ${text} into Go value of type int64`);
  return n.toString();
}

export function int64Field(m: JsonObject, name: string): number {
  return Number(int64Text(m, name));
}

export function boolField(m: JsonObject, name: string): boolean {
  const v = field(m, name);
  if (v === undefined) return false;
  if (typeof v !== "boolean") throw new DecodeError(`json: cannot unmarshal ${kindOf(v)} into Go value of type bool`);
  return v;
}

export function enumField(m: JsonObject, name: string, type: string, names: readonly string[]): number {
  const v = field(m, name);
  if (v === undefined) return 0;
  if (typeof v === "string") {
    const i = names.indexOf(v);
    if (i < 0) throw new DecodeError(`unknown value ${JSON.stringify(v)} for enum ${type}`);
    return i;
  }
  if (isNumber(v) && /^-?\d+$/.test(v.num)) return Number(v.num);
  throw new DecodeError(`json: cannot unmarshal ${kindOf(v)} into Go value of type ${type}`);
}

export function listField(m: JsonObject, name: string): JsonValue[] {
  const v = field(m, name);
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new DecodeError(`json: cannot unmarshal ${kindOf(v)} into Go value of type []json.RawMessage`);
  return v;
}

export function messageField(m: JsonObject, name: string): JsonObject | undefined {
  const v = field(m, name);
  return v === undefined ? undefined : asMessage(v);
}

export function decodeRange(m: JsonObject): RangeRequest {
  return {
    key: keyField(m, "key"),
    end: keyField(m, "range_end"),
    limit: int64Field(m, "limit"),
    revision: int64Field(m, "revision"),
    sortOrder: enumField(m, "sort_order", "etcdserverpb.RangeRequest_SortOrder", ["NONE", "ASCEND", "DESCEND"]),
    sortTarget: enumField(m, "sort_target", "etcdserverpb.RangeRequest_SortTarget", ["KEY", "VERSION", "CREATE", "MOD", "VALUE"]),
    serializable: boolField(m, "serializable"),
    keysOnly: boolField(m, "keys_only"),
    countOnly: boolField(m, "count_only"),
    minModRevision: int64Field(m, "min_mod_revision"),
    maxModRevision: int64Field(m, "max_mod_revision"),
    minCreateRevision: int64Field(m, "min_create_revision"),
    maxCreateRevision: int64Field(m, "max_create_revision"),
  };
}

export function decodePut(m: JsonObject): PutRequest {
  return {
    key: keyField(m, "key"),
    value: bytesField(m, "value"),
    lease: int64Text(m, "lease"),
    prevKv: boolField(m, "prev_kv"),
    ignoreValue: boolField(m, "ignore_value"),
    ignoreLease: boolField(m, "ignore_lease"),
  };
}

export function decodeDeleteRange(m: JsonObject): DeleteRangeRequest {
  return { key: keyField(m, "key"), end: keyField(m, "range_end"), prevKv: boolField(m, "prev_kv") };
}

function decodeCompare(m: JsonObject): Compare {
  const c: Compare = {
    key: keyField(m, "key"),
    end: keyField(m, "range_end"),
    result: enumField(m, "result", "etcdserverpb.Compare_CompareResult", ["EQUAL", "GREATER", "LESS", "NOT_EQUAL"]),
    target: enumField(m, "target", "etcdserverpb.Compare_CompareTarget", ["VERSION", "CREATE", "MOD", "VALUE", "LEASE"]),
  };
  if (field(m, "version") !== undefined) c.version = int64Field(m, "version");
  if (field(m, "create_revision") !== undefined) c.createRevision = int64Field(m, "create_revision");
  if (field(m, "mod_revision") !== undefined) c.modRevision = int64Field(m, "mod_revision");
  if (field(m, "value") !== undefined) c.value = bytesField(m, "value");
  if (field(m, "lease") !== undefined) c.lease = int64Text(m, "lease");
  return c;
}

function decodeOp(v: JsonValue): RequestOp {
  const m = asMessage(v);
  const range = messageField(m, "request_range");
  if (range) return { range: decodeRange(range) };
  const put = messageField(m, "request_put");
  if (put) return { put: decodePut(put) };
  const del = messageField(m, "request_delete_range");
  if (del) return { deleteRange: decodeDeleteRange(del) };
  const txn = messageField(m, "request_txn");
  if (txn) return { txn: decodeTxn(txn) };
  return { empty: true };
}

export function decodeTxn(m: JsonObject): TxnRequest {
  return {
    compare: listField(m, "compare").map((c) => decodeCompare(asMessage(c))),
    success: listField(m, "success").map(decodeOp),
    failure: listField(m, "failure").map(decodeOp),
  };
}
