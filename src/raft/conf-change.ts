/**
 * Binary encoding of a ConfChange inside a 'confChange' entry's data:
 *
 *   byte 0      format version (1)
 *   byte 1      type: 1 = addNode, 2 = removeNode
 *   bytes 2–3   nodeId length n in bytes (big-endian uint16, n ≤ nodeIdBytesMax)
 *   n bytes     nodeId, UTF-8
 *   the rest    context (opaque, may be empty)
 *
 * @module
 */
import type { ConfChange } from "./types.js";

export const confChangeFormatVersion = 1;
export const nodeIdBytesMax = 256;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeConfChange(cc: ConfChange): Uint8Array {
  const id = encoder.encode(cc.nodeId);
  if (id.length === 0 || id.length > nodeIdBytesMax) throw new Error(`conf change nodeId must be 1..${nodeIdBytesMax} bytes`);
  const ctx = cc.context ?? new Uint8Array(0);
  const out = new Uint8Array(4 + id.length + ctx.length);
  out[0] = confChangeFormatVersion;
  out[1] = cc.type === "addNode" ? 1 : 2;
  out[2] = id.length >>> 8;
  out[3] = id.length & 0xff;
  out.set(id, 4);
  out.set(ctx, 4 + id.length);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.length < 4 || data[0] !== confChangeFormatVersion) throw new Error("malformed conf change: bad header");
  const t = data[1];
  if (t !== 1 && t !== 2) throw new Error(`malformed conf change: unknown type ${t}`);
  const n = (data[2]! << 8) | data[3]!;
  if (n === 0 || 4 + n > data.length) throw new Error("malformed conf change: bad nodeId length");
  const cc: ConfChange = { type: t === 1 ? "addNode" : "removeNode", nodeId: decoder.decode(data.subarray(4, 4 + n)) };
  if (data.length > 4 + n) cc.context = data.slice(4 + n);
  return cc;
}
