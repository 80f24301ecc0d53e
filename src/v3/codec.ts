/**
 * Bytes as the gateway carries them (standard base64) and as the store keeps keys (lowercase
 * hex: its string order is the bytes' order, so SQLite's TEXT order and JavaScript's `<` both
 * sort keys as etcd's byte-wise B-tree does).
 *
 * @module
 */

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const decodeMap = new Int16Array(256).fill(-1);
for (let i = 0; i < alphabet.length; i++) decodeMap[alphabet.charCodeAt(i)] = i;

export class Base64Error extends Error {}

/** Go's base64.StdEncoding.DecodeString, with its "illegal base64 data at input byte N". */
export function decodeBase64(src: string): Uint8Array {
  const out: number[] = [];
  const corrupt = (at: number) => new Base64Error(`illegal base64 data at input byte ${at}`);
  let si = 0;
  const n = src.length;
  const isNl = (c: string | undefined) => c === "\n" || c === "\r";
  for (;;) {
    const buf = [0, 0, 0, 0];
    let dlen = 4;
    let j = 0;
    for (; j < 4; j++) {
      if (si === n) {
        if (j === 0) return new Uint8Array(out);
        throw corrupt(si - j);
      }
      const ch = src[si]!;
      const code = src.charCodeAt(si);
      si++;
      const v = code < 256 ? decodeMap[code]! : -1;
      if (v >= 0) {
        buf[j] = v;
        continue;
      }
      if (isNl(ch)) {
        j--;
        continue;
      }
      if (ch !== "=") throw corrupt(si - 1);
      if (j === 0 || j === 1) throw corrupt(si - 1);
      if (j === 2) {
        while (si < n && isNl(src[si])) si++;
        if (si === n) throw corrupt(n);
        if (src[si] !== "=") throw corrupt(si - 1);
        si++;
      }
      while (si < n && isNl(src[si])) si++;
      if (si < n) throw corrupt(si);
      dlen = j;
      break;
    }
    const v = (buf[0]! << 18) | (buf[1]! << 12) | (buf[2]! << 6) | buf[3]!;
    out.push((v >> 16) & 0xff);
    if (dlen > 2) out.push((v >> 8) & 0xff);
    if (dlen > 3) out.push(v & 0xff);
    if (dlen < 4) return new Uint8Array(out);
  }
}

export function encodeBase64(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[v >> 18]! + alphabet[(v >> 12) & 63]! + alphabet[(v >> 6) & 63]! + alphabet[v & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i]! << 16;
    out += alphabet[v >> 18]! + alphabet[(v >> 12) & 63]! + "==";
  } else if (rest === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[v >> 18]! + alphabet[(v >> 12) & 63]! + alphabet[(v >> 6) & 63]! + "=";
  }
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Base64 of a hex key. */
export function hexToBase64(hex: string): string {
  return encodeBase64(fromHex(hex));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** bytes.Compare. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
