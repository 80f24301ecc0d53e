/**
 * Backup and restore of a cluster's state: etcd's `etcdctl backup` + `--force-new-cluster`.
 *
 * A backup is the leader's tables captured at a linearizable point (after a ReadIndex), in the
 * snapshot page format, with a header. Restoring re-bootstraps a member in place from a backup:
 * the store becomes the backup's, the membership becomes the current configuration's, and the
 * raft log restarts after a snapshot at a term above every term the old cluster used, so any
 * message still in flight from before is rejected by raft.
 *
 * @module
 */
import { decode, encode } from "cbor-x";
import type { NodeId } from "../raft/types.js";
import { v2Request } from "../store/apply.js";
import { encodeMemberContext } from "./proposal.js";
import { restoreSnapshot, stagePage } from "./snapshot-pages.js";
import { Meta, type Sql } from "./sql.js";
import { SqlRaftStorage } from "./sql-raft-storage.js";
import { StateMachine } from "./state-machine.js";
import { Membership } from "./membership.js";

export const backupFormatVersion = 1;
/** Backups are held in memory by the Worker and the members: keep them bounded. */
export const backupBytesMax = 64 << 20;

export interface BackupHeader {
  version: number;
  clusterId: string;
  raftIndex: number;
  raftTerm: number;
  etcdIndex: number;
  createdAtMs: number;
}

export interface Backup {
  header: BackupHeader;
  pages: Uint8Array[];
}

export interface RestorePlan {
  /** Above every term any member of the old cluster has seen. */
  term: number;
  /** The raft index the restored log continues from (identical on every member). */
  index: number;
  members: Array<{ id: NodeId; name: string; peerURL: string }>;
}

export function encodeBackup(b: Backup): Uint8Array {
  return encode(b);
}

export function decodeBackup(bytes: Uint8Array): Backup | null {
  try {
    const b = decode(bytes) as Backup;
    if (!b?.header || b.header.version !== backupFormatVersion || !Array.isArray(b.pages)) return null;
    if (!b.pages.every((p) => p instanceof Uint8Array)) return null;
    return b;
  } catch {
    return null;
  }
}

/** Replace this member's whole state with the backup, per the plan. Runs in one transaction. */
export function restoreMember(sql: Sql, backup: Backup, plan: RestorePlan): void {
  const meta = new Meta(sql);
  const membersBefore = Object.keys(JSON.parse(meta.str("members", "{}")) as Record<string, unknown>);
  const snap = `restore/${plan.term}/${plan.index}`;
  backup.pages.forEach((page, i) => stagePage(sql, snap, i, backup.pages.length, page));
  restoreSnapshot(sql, snap);
  sql.exec("DELETE FROM raft_log");
  const membersInBackup = Object.keys(JSON.parse(meta.str("members", "{}")) as Record<string, unknown>);
  // Members of the old cluster that the new one leaves out are told so if they ever call.
  const planned = new Set(plan.members.map((m) => m.id));
  const dropped = [...new Set([...membersBefore, ...membersInBackup])].filter((id) => !planned.has(id));
  meta.set("members", "{}");
  meta.set("removed_members", JSON.stringify(dropped));
  const sm = new StateMachine(sql, { watchedPathsBelow: () => [], watcherCount: () => 0 });
  const membership = new Membership(meta);
  sm.apply(v2Request({ method: "DELETE", path: "/0/members", dir: true, recursive: true }));
  for (const m of [...plan.members].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    membership.apply({ type: "addNode", nodeId: m.id, context: encodeMemberContext({ name: m.name, peerURLs: [m.peerURL] }) }, sm);
  }
  const storage = new SqlRaftStorage(sql, () => plan.index);
  storage.applySnapshot({ index: plan.index, term: plan.term, confState: { voters: plan.members.map((m) => m.id).sort() } });
  storage.setHardState({ term: plan.term, vote: "", commit: plan.index });
  meta.set("applied", plan.index);
}
