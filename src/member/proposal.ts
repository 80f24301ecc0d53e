/**
 * What a raft entry's data carries: a v2 store request with the client's request id (so a
 * retried write is applied at most once), or the context of a membership change.
 *
 * @module
 */
import { decode, encode } from "cbor-x";
import type { Access } from "../auth/types.js";
import type { V2Request } from "../store/types.js";
import type { V3Command } from "../v3/types.js";

/** A raft entry's data: a v2 store request, or a write to the v3 key space (src/member/v3-member.ts). */
export type EntryProposal = Proposal | V3Proposal;

export interface V3Proposal {
  /** As Proposal.id; "" for the leader's own lease expiries. */
  id: string;
  v3: V3Command;
  /** The proposer's clock (Unix ms): lease expiries are computed from it on every member. */
  timeMs: number;
}

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

export function encodeProposal(p: EntryProposal): Uint8Array {
  return encode(p);
}

export function decodeProposal(data: Uint8Array): EntryProposal {
  const p = decode(data) as EntryProposal;
  if (p && typeof p.id === "string" && "v3" in p && p.v3 && typeof p.v3.op === "string" && typeof p.timeMs === "number") return p;
  if (!p || typeof p.id !== "string" || !("req" in p) || !p.req || typeof p.req.method !== "string") {
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
