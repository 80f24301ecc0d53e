/**
 * Recovery from quorum loss: etcd's `--force-new-cluster`, and the lost machine it recovers from.
 *
 * A destroyed member (POST /debug/members/<name>/destroy) has its tables emptied and a tombstone
 * written in the same transaction. The tombstone is what keeps raft safe: an emptied member that
 * started again under its old id, with no log and no HardState, could vote a second time in a
 * term it already voted in, and could count towards a quorum for entries it never stored. etcd
 * forbids reusing a member id for the same reason. So a destroyed member refuses every call
 * until force-new-cluster provisions it again, under a new id, as an empty member that joins.
 *
 * Making the survivor a one-member cluster is a restore (see backup.ts) from its own state,
 * applied when the object starts — never under a running Replica, whose deferred Ready could
 * otherwise write the old term back over the new one.
 *
 * Pure: SQL only, no Workers APIs.
 *
 * @module
 */
import { computeMemberId } from "../cluster/ids.js";
import type { NodeId } from "../raft/types.js";
import { backupFormatVersion, restoreMember, type RestorePlan } from "./backup.js";
import type { MemberInfo } from "./membership.js";
import { captureSnapshot } from "./snapshot-pages.js";
import { Meta, type Sql } from "./sql.js";
import { SqlRaftStorage } from "./sql-raft-storage.js";
import { schemaVersion } from "./schema.js";

/** The message every call to a destroyed member fails with; the Worker moves on to another member. */
export const memberDestroyedMessage = "etcd member destroyed: its storage was wiped; force-new-cluster re-adds it under a new id";

const tombstoneKey = "destroyed";
const pendingKey = "force_new_cluster";

export function isMemberDestroyedError(e: unknown): boolean {
  return String((e as { message?: unknown } | null)?.message ?? "").includes(memberDestroyedMessage);
}

export function isDestroyed(sql: Sql): boolean {
  return new Meta(sql).str(tombstoneKey) !== "";
}

/** Empty every table this member keeps and leave only the tombstone. Run in one transaction. */
export function destroyMember(sql: Sql, atMs: number): void {
  const tables = sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray();
  for (const t of tables) sql.exec(`DELETE FROM "${String(t.name).replaceAll('"', '""')}"`);
  new Meta(sql).set(tombstoneKey, String(atMs));
}

/**
 * Provision a destroyed member again as a new, empty member that joins a running cluster (as a
 * member added at runtime): a new id, no log, no voters. The leader sends it a snapshot.
 */
export function rejoinMember(sql: Sql, self: { token: string; name: string }, id: NodeId, clusterId: string): void {
  destroyMember(sql, 0);
  sql.exec("DELETE FROM meta WHERE key = ?", tombstoneKey);
  const meta = new Meta(sql);
  meta.set("schema_version", schemaVersion);
  meta.set("name", self.name);
  meta.set("token", self.token);
  meta.set("id", id);
  meta.set("cluster_id", clusterId);
}

/** Ask for the conversion at the next start of this object (see applyPendingForceNewCluster). */
export function requestForceNewCluster(sql: Sql): void {
  new Meta(sql).set(pendingKey, "1");
}

export type ForceNewClusterOutcome = { ok: true; plan: RestorePlan; dropped: NodeId[] } | { ok: false; reason: string } | null;

/**
 * Run when the object starts, before its Replica opens. Keeps the store as applied; discards
 * the log after it (entries not committed are discarded, as etcd does; committed entries must
 * have been applied — the route waits for that — or nothing is done). The new log starts after
 * a snapshot at a term above any this member has seen, with this member the only voter; every
 * other member of the old cluster is recorded as removed, so its id is never accepted again.
 */
export function applyPendingForceNewCluster(sql: Sql, nowMs: number): ForceNewClusterOutcome {
  const meta = new Meta(sql);
  if (!meta.str(pendingKey)) return null;
  sql.exec("DELETE FROM meta WHERE key = ?", pendingKey);
  const id = meta.str("id");
  const name = meta.str("name");
  const applied = meta.num("applied");
  const storage = new SqlRaftStorage(sql, () => applied);
  const { hardState } = storage.initialState();
  if (applied < hardState.commit) return { ok: false, reason: `committed entries ${applied + 1}..${hardState.commit} are not applied yet` };
  const members = JSON.parse(meta.str("members", "{}")) as Record<NodeId, MemberInfo>;
  const self = members[id];
  if (!id || !name || !self) return { ok: false, reason: "this member is not a member of its cluster" };
  const plan: RestorePlan = {
    term: hardState.term + 1,
    index: Math.max(applied, storage.lastIndex()) + 1,
    members: [{ id, name, peerURL: self.peerURLs[0] ?? "" }],
  };
  const header = { version: backupFormatVersion, clusterId: meta.str("cluster_id"), raftIndex: applied, raftTerm: hardState.term, etcdIndex: meta.num("etcd_index"), createdAtMs: nowMs };
  restoreMember(sql, { header, pages: captureSnapshot(sql) }, plan);
  return { ok: true, plan, dropped: Object.keys(members).filter((m) => m !== id) };
}

/** A fresh id for a member re-added after force-new-cluster: never one the old cluster used. */
export function readdedMemberId(peerURL: string, token: string, term: number, taken: ReadonlySet<NodeId>): NodeId {
  for (let attempt = 0; ; attempt++) {
    const id = computeMemberId([peerURL], token, `force-new-cluster/${term}/${attempt}`);
    if (!taken.has(id)) return id;
  }
}
