/**
 * What the member's v3 RPC methods (member-do.ts v3Write, v3Read, v3WatchPoll, v3Status) do,
 * kept out of the Durable Object: answers as values, with the v3 response header of this member.
 *
 * @module
 */
import type { V3Read } from "../http/v3-handler.js";
import type { HeaderInfo } from "../v3/encode.js";
import type { V3Command, V3Result } from "../v3/types.js";
import type { EventBatch, WatchFilter } from "../v3/watch.js";
import type { Replica } from "./replica.js";

export type V3MemberReply =
  | { kind: "done"; result: V3Result; header: HeaderInfo }
  | { kind: "notLeader"; leader: string }
  | { kind: "timeout" }
  | { kind: "removed" };

export type V3PollReply = ({ kind: "done"; header: HeaderInfo } & EventBatch) | { kind: "removed" };

export interface V3StatusReply {
  kind: "done";
  header: HeaderInfo;
  revision: number;
  leader: string;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  dbSize: number;
}

const decimal = (hex: string): string => BigInt("0x" + (hex || "0")).toString();

export function v3Header(replica: Replica, clusterIdHex: string): HeaderInfo {
  return { clusterId: decimal(clusterIdHex), memberId: decimal(replica.id), raftTerm: replica.raftTerm() };
}

export async function v3Write(replica: Replica, clusterIdHex: string, requestId: string, cmd: V3Command): Promise<V3MemberReply> {
  const out = await replica.proposeV3(requestId, cmd);
  if (out.kind !== "done") return out;
  return { kind: "done", result: out.result, header: v3Header(replica, clusterIdHex) };
}

export async function v3Read(replica: Replica, clusterIdHex: string, req: V3Read, serializable: boolean, ctx: string, nowMs: number): Promise<V3MemberReply> {
  if (replica.removed) return { kind: "removed" };
  if (!serializable) {
    const barrier = await replica.readBarrier(ctx);
    if (barrier === "notLeader") return { kind: "notLeader", leader: replica.leaderName() };
    if (barrier !== "ready") return { kind: barrier };
  }
  const store = replica.v3.store;
  let result: V3Result;
  switch (req.op) {
    case "range":
      result = store.range(req.req);
      break;
    case "txn":
      result = store.readTxn(req.req);
      break;
    case "timeToLive":
      result = store.timeToLive(req.id, req.keys, nowMs);
      break;
    case "leases":
      result = store.leases();
      break;
  }
  return { kind: "done", result, header: v3Header(replica, clusterIdHex) };
}

export async function v3WatchPoll(replica: Replica, clusterIdHex: string, from: number, filter: WatchFilter, waitMs: number): Promise<V3PollReply> {
  if (replica.removed) return { kind: "removed" };
  const batch = await replica.v3.watchPoll(from, filter, waitMs);
  return { kind: "done", header: v3Header(replica, clusterIdHex), ...batch };
}

export function v3Status(replica: Replica, clusterIdHex: string, dbSize: number): V3StatusReply {
  const s = replica.status();
  return {
    kind: "done",
    header: v3Header(replica, clusterIdHex),
    revision: replica.v3.store.revision(),
    leader: s.leader ? decimal(s.leader) : "0",
    raftIndex: s.commit,
    raftTerm: s.term,
    raftAppliedIndex: s.applied,
    dbSize,
  };
}
