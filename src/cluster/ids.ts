/**
 * etcd-style 64-bit ids, as lowercase hex strings (never numbers: 2^64 does not fit a double).
 * Member id = SHA-1(sorted peer URLs joined + cluster token), first 8 bytes (etcd's
 * membership.NewMember without the time component, so ids are deterministic per token).
 * Cluster id = SHA-1(sorted member ids as 8-byte big-endian), first 8 bytes.
 *
 * @module
 */
import { idFromDigest, sha1 } from "../util/sha1.js";

const utf8 = new TextEncoder();

export function computeMemberId(peerURLs: string[], token: string, salt = ""): string {
  const sorted = [...peerURLs].sort();
  return idFromDigest(sha1(utf8.encode(sorted.join("") + token + salt)));
}

export function computeClusterId(memberIds: string[]): string {
  const sorted = [...memberIds].sort((a, b) => compareIds(a, b));
  const bytes = new Uint8Array(sorted.length * 8);
  sorted.forEach((id, i) => bytes.set(idToBytes(id), i * 8));
  return idFromDigest(sha1(bytes));
}

export function compareIds(a: string, b: string): number {
  const x = BigInt("0x" + a), y = BigInt("0x" + b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function idToBytes(id: string): Uint8Array {
  const hex = id.padStart(16, "0");
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
