/**
 * Storage faults of the member simulator, injected into a member's SQLite directly (the member
 * itself never sees them happen): a stale log tail after a matching prefix, and a flipped bit in
 * a stored entry that its CRC must catch.
 *
 * @module
 */
import { encodeProposal } from "../../../src/member/proposal.js";
import { SqlRaftStorage } from "../../../src/member/sql-raft-storage.js";
import type { Entry } from "../../../src/raft/types.js";
import { v2Request } from "../../../src/store/apply.js";
import { readLog } from "./member-checker.js";
import type { MemberCluster } from "./member-cluster.js";

/**
 * A stale log tail after a matching prefix: a down follower's disk holds entries of its last
 * term, s, past its last index, that no one else has — an append from the deposed leader of s
 * that reached this follower while the leader itself lost it (etcd's leader sends before its
 * own write completes). Only once every member has moved past term s (no one can create more
 * entries of s) and no copy of an entry of s lies past that index. Raft must truncate the tail
 * when it meets the current leader's log, and a follower must never commit it.
 */
export function staleTail(c: MemberCluster): string {
  const f = c.pickOne([...c.members.values()].filter((x) => x.down && !x.dead));
  if (!f) return "stale tail: nobody down";
  const log = readLog(f.sql);
  const last = log[log.length - 1];
  if (!last) return "stale tail: empty log";
  const s = last.term;
  for (const m of c.members.values()) {
    if (m.dead || m === f) continue;
    const term = m.replica ? m.replica.status().term : 0;
    const durable = m.sql.exec("SELECT value FROM meta WHERE key = 'hs_term'").toArray()[0]?.value;
    if (term <= s || (typeof durable === "number" && durable <= s)) return `stale tail: ${m.name} is still in term ${s}`;
    if (m.sql.exec("SELECT 1 FROM raft_log WHERE idx > ? AND term = ? LIMIT 1", last.idx, s).toArray().length > 0) {
      return `stale tail: ${m.name} holds entries of term ${s} past ${last.idx}`;
    }
  }
  if (c.checker.history.get(last.idx + 1)?.term === s) return `stale tail: term ${s} committed past ${last.idx}`;
  // Entries the leader of s really wrote at those indexes, if any reached a disk; else new ones.
  const count = 1 + c.rand.int(3);
  const entries: Entry[] = [];
  for (let i = 1; i <= count; i++) {
    const index = last.idx + i;
    const seen = c.checker.entryAt(index, s);
    if (seen && seen.prevTerm !== undefined && seen.prevTerm !== s) break;
    if (seen) {
      entries.push({ index, term: s, type: seen.row.type === 1 ? "confChange" : "normal", data: seen.row.data });
      continue;
    }
    if (c.checker.entryAt(index + 1, s)) break;
    const req = v2Request({ method: "PUT", path: "/1/stale", val: `stale${i}`, timeMs: c.now });
    entries.push({ index, term: s, type: "normal", data: encodeProposal({ id: `stale-${c.requestSeq++}`, req }) });
  }
  if (entries.length === 0) return `stale tail: no entry of term ${s} can follow ${last.idx}`;
  const storage = new SqlRaftStorage(f.sql, () => 0);
  f.sql.transactionSync(() => storage.append(entries));
  f.sql.sync();
  c.stats.staleTails++;
  return `stale tail: ${f.name} holds ${entries.length} entries of term ${s} after ${last.idx} that no one else has`;
}

/** A bit flips in a stored entry past the member's applied index: the CRC must catch it. */
export function corrupt(c: MemberCluster): string {
  // One member's disk per run: a quorum must survive it.
  if (c.corrupted) return "corrupt: one disk already corrupted";
  if (c.voterCount() < 3) return "corrupt: too few voters";
  const m = c.pickOne(c.upMembers().filter((x) => x.replica && !x.replica.isLeader()));
  if (!m?.replica) return "corrupt: nobody";
  const applied = m.replica.status().applied;
  const rows = m.sql.exec("SELECT idx, data FROM raft_log WHERE idx > ? AND length(data) > 0 ORDER BY idx", applied).toArray();
  if (rows.length === 0) return `corrupt: ${m.name} has nothing unapplied`;
  const row = rows[c.rand.int(rows.length)]!;
  const data = new Uint8Array(row.data as ArrayBuffer);
  const at = c.rand.int(data.length);
  data[at] = data[at]! ^ (1 << c.rand.int(8));
  m.sql.exec("UPDATE raft_log SET data = ? WHERE idx = ?", data, row.idx);
  c.corrupted = true;
  return `corrupt ${m.name} index ${String(row.idx)}`;
}
