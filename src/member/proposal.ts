/**
 * What a raft entry's data carries: a v2 store request with the client's request id (so a
 * retried write is applied at most once), or the context of a membership change.
 *
 * @module
 */
import { decode, encode } from "cbor-x";
import type { Access } from "../auth/types.js";
import type { V2Request } from "../store/types.js";

export interface Proposal {
  /** Request id chosen by the front Worker: 128 random bits as hex. "" for internal proposals (SYNC). */
  id: string;
  req: V2Request;
  /**
   * The client's permission question, decided when the entry is applied (against the auth data
   * at that point of the log); absent for the cluster's own writes (SYNC, membership, auth data).
   */
  access?: Access;
}

/** Context of a ConfChange: who the member is, and which request asked for the change. */
export interface MemberContext {
  name: string;
  peerURLs: string[];
  requestId?: string;
}

export function encodeProposal(p: Proposal): Uint8Array {
  return encode(p);
}

export function decodeProposal(data: Uint8Array): Proposal {
  const p = decode(data) as Proposal;
  if (!p || typeof p.id !== "string" || !p.req || typeof p.req.method !== "string") {
    throw new Error("corrupt proposal in raft entry");
  }
  return p;
}

export function encodeMemberContext(c: MemberContext): Uint8Array {
  return encode(c);
}

export function decodeMemberContext(data: Uint8Array | undefined): MemberContext {
  if (!data || data.length === 0) return { name: "", peerURLs: [] };
  return decode(data) as MemberContext;
}
