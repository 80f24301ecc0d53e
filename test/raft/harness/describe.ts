/**
 * One-line renderings of raft values for scenario output, after etcd-raft's
 * DescribeMessage / DescribeEntry / DescribeReady.
 */
import { decodeConfChange } from "../../../src/raft/conf-change.js";
import type { Entry, HardState, Message, ReadState, Ready, Snapshot } from "../../../src/raft/types.js";

const decoder = new TextDecoder();

export function text(b: Uint8Array): string {
  return decoder.decode(b);
}

export function describeEntry(e: Entry): string {
  if (e.type === "confChange") {
    const cc = decodeConfChange(e.data);
    return `${e.term}/${e.index} EntryConfChange ${cc.type === "addNode" ? "add" : "remove"} ${cc.nodeId}`;
  }
  return `${e.term}/${e.index} EntryNormal ${JSON.stringify(text(e.data))}`;
}

export function describeEntries(ents: readonly Entry[]): string {
  return ents.map(describeEntry).join(", ");
}

export function describeSnapshot(s: Snapshot): string {
  return `[Index:${s.metadata.index} Term:${s.metadata.term} Voters:(${s.metadata.confState.voters.join(" ")})]`;
}

export function describeHardState(h: HardState): string {
  const q = h.quiescedUnder ? ` QuiescedUnder:${h.quiescedUnder}` : "";
  return `Term:${h.term} Vote:${h.vote === "" ? "0" : h.vote} Commit:${h.commit}${q}`;
}

export function describeMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${m.type} Term:${m.term} Log:${m.logTerm}/${m.index}`;
  if (m.reject) s += ` Rejected (Hint: ${m.rejectHint})`;
  if (m.commit !== 0) s += ` Commit:${m.commit}`;
  if (m.entries.length > 0) s += ` Entries:[${describeEntries(m.entries)}]`;
  if (m.snapshot !== undefined) s += ` Snapshot:${describeSnapshot(m.snapshot)}`;
  if (m.context !== undefined && m.context.length > 0) s += ` Context:${JSON.stringify(text(m.context))}`;
  if (m.quiesce === true) s += ` Quiesce`;
  return s;
}

function describeReadState(rs: ReadState): string {
  return `Index:${rs.index} RequestCtx:${JSON.stringify(text(rs.requestCtx))}`;
}

export function describeReady(rd: Ready): string {
  const out: string[] = [`Ready MustSync=${rd.mustSync}:`];
  if (rd.softState !== undefined) {
    out.push(`Lead:${rd.softState.lead === "" ? "0" : rd.softState.lead} State:${rd.softState.raftState}`);
  }
  if (rd.hardState !== undefined) out.push(`HardState ${describeHardState(rd.hardState)}`);
  if (rd.readStates.length > 0) out.push(`ReadStates:`, ...rd.readStates.map(describeReadState));
  if (rd.entries.length > 0) out.push(`Entries:`, ...rd.entries.map(describeEntry));
  if (rd.snapshot !== undefined) out.push(`Snapshot ${describeSnapshot(rd.snapshot)}`);
  if (rd.committedEntries.length > 0) out.push(`CommittedEntries:`, ...rd.committedEntries.map(describeEntry));
  if (rd.messages.length > 0) out.push(`Messages:`, ...rd.messages.map(describeMessage));
  return out.join("\n");
}
