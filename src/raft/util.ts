/**
 * Small helpers shared by the raft core: entry sizes, size-limited slices, message defaults.
 *
 * @module
 */
import type { Entry, Message, MessageType, NodeId } from "./types.js";

/** Entries per proposal the leader accepts in one MsgProp (the shell batches below this). */
export const proposalEntriesMax = 10_000;

/** "No limit" for byte budgets. */
export const noLimitBytes = Number.MAX_SAFE_INTEGER;

/**
 * Bytes an entry counts for in size budgets: its payload plus a fixed header, so that a batch
 * of empty entries is still bounded by a byte limit.
 */
export const entryOverheadBytes = 16;

export function entrySizeBytes(e: Entry): number {
  return e.data.byteLength + entryOverheadBytes;
}

export function entriesSizeBytes(ents: readonly Entry[]): number {
  let n = 0;
  for (const e of ents) n += entrySizeBytes(e);
  return n;
}

/** Payload bytes only, as etcd counts the uncommitted-size budget (the empty no-op is free). */
export function payloadsSizeBytes(ents: readonly Entry[]): number {
  let n = 0;
  for (const e of ents) n += e.data.byteLength;
  return n;
}

/** The longest prefix within maxSizeBytes; always at least one entry if any. */
export function limitSize(ents: Entry[], maxSizeBytes: number): Entry[] {
  if (ents.length <= 1) return ents;
  let size = entrySizeBytes(ents[0]!);
  let i = 1;
  for (; i < ents.length; i++) {
    size += entrySizeBytes(ents[i]!);
    if (size > maxSizeBytes) break;
  }
  return i === ents.length ? ents : ents.slice(0, i);
}

export function assert(cond: boolean, message: string): asserts cond {
  if (!cond) throw new Error(`raft invariant violated: ${message}`);
}

const emptyEntries: Entry[] = [];

export function newMessage(type: MessageType, to: NodeId, from: NodeId, fields?: Partial<Message>): Message {
  const m: Message = {
    type,
    to,
    from,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: emptyEntries,
    commit: 0,
    reject: false,
    rejectHint: 0,
  };
  if (fields !== undefined) Object.assign(m, fields);
  return m;
}

const localTypes = new Set<MessageType>(["MsgHup", "MsgBeat", "MsgUnreachable", "MsgSnapStatus", "MsgCheckQuorum"]);
const responseTypes = new Set<MessageType>([
  "MsgAppResp",
  "MsgVoteResp",
  "MsgHeartbeatResp",
  "MsgUnreachable",
  "MsgReadIndexResp",
  "MsgPreVoteResp",
]);

export function isLocalMsg(t: MessageType): boolean {
  return localTypes.has(t);
}

export function isResponseMsg(t: MessageType): boolean {
  return responseTypes.has(t);
}

export function voteRespMsgType(t: MessageType): MessageType {
  if (t === "MsgVote") return "MsgVoteResp";
  if (t === "MsgPreVote") return "MsgPreVoteResp";
  throw new Error(`raft: not a vote message: ${t}`);
}

/** Read-index contexts are keyed by their bytes; latin1 keeps the mapping 1:1 and cheap. */
export function bytesKey(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
