/**
 * FNV-1a hashing for the simulator: entry identity and the applied-state hash chain.
 * 32 bits are enough here — a collision could only hide a violation, never invent one.
 *
 * @module
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function hashBytes(data: Uint8Array, seed: number = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    h ^= data[i]!;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h;
}

export function hashNumber(n: number, seed: number = FNV_OFFSET): number {
  let h = seed >>> 0;
  // Terms and indexes stay far below 2^53; hash the low and high 32-bit halves.
  const lo = n >>> 0;
  const hi = Math.floor(n / 4294967296) >>> 0;
  for (const word of [lo, hi]) {
    for (let s = 0; s < 32; s += 8) {
      h ^= (word >>> s) & 0xff;
      h = Math.imul(h, FNV_PRIME) >>> 0;
    }
  }
  return h;
}

/** Identity of an entry's content (type + data), independent of its position. */
export function entryDataHash(type: "normal" | "confChange", data: Uint8Array): number {
  return hashBytes(data, type === "normal" ? FNV_OFFSET : FNV_OFFSET ^ 0x5bd1e995);
}

/** Next link of the applied-state chain: every member's state after applying index i must equal history's. */
export function chainHash(prev: number, index: number, term: number, dataHash: number): number {
  return hashNumber(dataHash, hashNumber(term, hashNumber(index, prev)));
}

export const CHAIN_START = FNV_OFFSET;

export function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
}

export function asciiString(data: Uint8Array): string {
  let s = "";
  for (let i = 0; i < data.length; i++) s += String.fromCharCode(data[i]!);
  return s;
}

export function hashString(s: string, seed: number = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i) & 0xff;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h;
}
