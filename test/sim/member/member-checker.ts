/**
 * Invariants of the member simulator, checked after every step by reading each member's real
 * durable state (its SQLite tables) and its raft status — the checker needs no hooks inside
 * `Replica`:
 * - election safety: one leader per term, ever;
 * - log matching: one (index, term) names one entry (same CRC, same previous term) everywhere;
 * - committed history: a member's commit index only covers entries of the one committed log;
 * - leader completeness: a new leader holds every committed entry (of its term and earlier);
 * - verified commit: a follower's commit never covers an entry that differs from its leader's;
 * - state-machine safety: the store's tables at applied index i hash the same on every member;
 * - acknowledged writes: an acknowledged request id sits in the committed log at its index;
 * - linearizable quorum reads: a quorum read sees every write acknowledged before it began;
 * - watches: each member publishes committed events once, in index order, equal everywhere.
 *
 * @module
 */
import { decodeProposal } from "../../../src/member/proposal.js";
import type { Published } from "../../../src/member/state-machine.js";
import { numberOf, type Sql } from "../../../src/member/sql.js";
import { SimViolation } from "../sim-checker.js";
import { hashBytes, hashString } from "../sim-hash.js";

export interface LogRow {
  idx: number;
  term: number;
  crc: number;
  type: number;
  data: Uint8Array;
}

/** What the checker reads from one live member after a step. */
export interface MemberView {
  id: string;
  role: string;
  term: number;
  commit: number;
  applied: number;
  /** Index of the snapshot the log starts after. */
  snapIndex: number;
  snapTerm: number;
  log: LogRow[];
  sql: Sql;
  /** Changes whenever the log or the applied state may have changed (to skip re-reading). */
  version: string;
}

const termKey = (index: number, term: number): string => `${index}/${term}`;

export class MemberChecker {
  private readonly leaders = new Map<number, string>();
  private readonly seenLeadership = new Set<string>();
  /** (index, term) → CRC and the previous entry's term. */
  private readonly entries = new Map<string, { crc: number; prevTerm: number | undefined; row: LogRow }>();
  /** The committed log as first learnt: index → term, CRC, request id. */
  readonly history = new Map<number, { term: number; crc: number; requestId: string }>();
  private readonly commits = new Map<string, number>();
  private readonly appliedHashes = new Map<number, { hash: number; by: string }>();
  private readonly lastHashed = new Map<string, string>();
  /** Request id → raft index of its acknowledgement. */
  readonly acked = new Map<string, { raftIndex: number; etcdIndex: number }>();
  /** The largest etcd index any acknowledged write reported (what a quorum read must reach). */
  ackedEtcdIndexMax = 0;
  /** etcd index → the event first published for it. */
  private readonly events = new Map<number, string>();
  private readonly published = new Map<string, number>();
  stats = { quorumReads: 0, acks: 0, eventsPublished: 0, hashesCompared: 0 };

  /** After a restart a member publishes again from where its durable state is. */
  onRestart(id: string): void {
    this.published.delete(id);
    this.commits.delete(id);
  }

  /** After every step, on every running member: leadership as it is in memory. */
  check(views: MemberView[]): void {
    for (const v of views) this.checkLeader(v);
  }

  /**
   * When a member's writes become durable (its sync), on what is now on its disk. Until then a
   * crash may take them back, and nothing depending on them has left the member (its messages,
   * replies and events wait for the sync), so only durable state is held to the log invariants:
   * a leader that lost an unsynced entry may create a different one at that index, unseen.
   */
  checkDurable(v: MemberView, views: MemberView[]): void {
    const byId = new Map(views.map((x) => [x.id, x]));
    this.checkLog(v);
    this.checkCommit(v);
    this.checkVerifiedCommit(v, byId);
    this.checkApplied(v);
  }

  private checkLeader(v: MemberView): void {
    if (v.role !== "StateLeader") return;
    const other = this.leaders.get(v.term);
    if (other !== undefined && other !== v.id) throw new SimViolation("election safety", `term ${v.term} has two leaders: ${other} and ${v.id}`);
    this.leaders.set(v.term, v.id);
    const key = `${v.id}/${v.term}`;
    if (this.seenLeadership.has(key)) return;
    this.seenLeadership.add(key);
    // Leader completeness. A leader resumed from a quiesce record may lag entries of later
    // terms (it cannot commit again: a quorum left its term), never those of its own or earlier.
    const termAt = termsOf(v);
    for (const [index, h] of this.history) {
      if (h.term > v.term || index <= v.snapIndex) continue;
      const t = termAt.get(index);
      if (t !== h.term) {
        throw new SimViolation("leader completeness", `${v.id} leads term ${v.term} with ${t === undefined ? "no entry" : `term ${t}`} at committed index ${index} (history term ${h.term})`);
      }
    }
  }

  private checkLog(v: MemberView): void {
    let prevTerm: number | undefined = v.snapTerm;
    let expect = v.snapIndex + 1;
    for (const row of v.log) {
      if (row.idx !== expect) prevTerm = undefined;
      const key = termKey(row.idx, row.term);
      const seen = this.entries.get(key);
      if (!seen) this.entries.set(key, { crc: row.crc, prevTerm, row });
      else {
        if (seen.crc !== row.crc) throw new SimViolation("log matching", `${v.id} holds index ${row.idx} term ${row.term} with different content`);
        if (seen.prevTerm === undefined) seen.prevTerm = prevTerm;
        else if (prevTerm !== undefined && seen.prevTerm !== prevTerm) {
          throw new SimViolation("log matching", `${v.id} holds index ${row.idx} term ${row.term} after term ${prevTerm}, elsewhere after term ${seen.prevTerm}`);
        }
      }
      prevTerm = row.term;
      expect = row.idx + 1;
    }
  }

  /** The entry (index, term) as it was first written anywhere, if it ever was. */
  entryAt(index: number, term: number): { row: LogRow; prevTerm: number | undefined } | undefined {
    return this.entries.get(termKey(index, term));
  }

  private checkCommit(v: MemberView): void {
    const before = this.commits.get(v.id);
    if (before !== undefined && v.commit < before) throw new SimViolation("commit monotonic", `${v.id} commit went back from ${before} to ${v.commit}`);
    this.commits.set(v.id, v.commit);
    for (const row of v.log) {
      if (row.idx > v.commit) break;
      const h = this.history.get(row.idx);
      if (!h) {
        this.history.set(row.idx, { term: row.term, crc: row.crc, requestId: requestIdOf(row.data) });
        continue;
      }
      if (h.term !== row.term || h.crc !== row.crc) {
        throw new SimViolation("committed entry changed", `${v.id} has committed index ${row.idx} term ${row.term}, history has term ${h.term}`);
      }
    }
    if (v.snapIndex > 0) {
      const h = this.history.get(v.snapIndex);
      if (h && h.term !== v.snapTerm) throw new SimViolation("committed entry changed", `${v.id} snapshot at ${v.snapIndex} term ${v.snapTerm}, history has term ${h.term}`);
    }
  }

  /**
   * A follower may commit only entries it verified against its current leader's log (etcd's
   * commitTo(min(m.Commit, lastnewi))). An entry of an older term past the matching prefix must
   * never be covered by its commit index, even before anyone applies it.
   */
  private checkVerifiedCommit(v: MemberView, byId: Map<string, MemberView>): void {
    if (v.role !== "StateFollower") return;
    const leaderId = this.leaders.get(v.term);
    const leader = leaderId === undefined ? undefined : byId.get(leaderId);
    if (!leader || leader.role !== "StateLeader" || leader.term !== v.term) return;
    const leaderTerms = termsOf(leader);
    for (const row of v.log) {
      if (row.idx > v.commit) break;
      const t = leaderTerms.get(row.idx);
      if (t !== undefined && t !== row.term) {
        throw new SimViolation("verified commit", `${v.id} committed index ${row.idx} term ${row.term} but its leader ${leader.id} has term ${t} there`);
      }
    }
  }

  private checkApplied(v: MemberView): void {
    if (v.applied > v.commit && v.applied > v.snapIndex) {
      throw new SimViolation("applied beyond commit", `${v.id} applied ${v.applied} past commit ${v.commit}`);
    }
    const key = `${v.applied}/${v.version}`;
    if (this.lastHashed.get(v.id) === key) return;
    this.lastHashed.set(v.id, key);
    const hash = stateHash(v.sql);
    const seen = this.appliedHashes.get(v.applied);
    this.stats.hashesCompared++;
    if (!seen) this.appliedHashes.set(v.applied, { hash, by: v.id });
    else if (seen.hash !== hash) {
      throw new SimViolation("state machine safety", `${v.id} store at applied index ${v.applied} differs from ${seen.by}'s at the same index`);
    }
  }

  onAck(id: string, raftIndex: number, etcdIndex: number): void {
    const before = this.acked.get(id);
    if (before && before.raftIndex !== raftIndex) {
      throw new SimViolation("acknowledged write", `request ${id} acknowledged at raft index ${before.raftIndex} and again at ${raftIndex}`);
    }
    this.acked.set(id, { raftIndex, etcdIndex });
    this.stats.acks++;
    this.ackedEtcdIndexMax = Math.max(this.ackedEtcdIndexMax, etcdIndex);
  }

  /**
   * Every acknowledged write is in the committed log, at the index it was acknowledged with.
   * Entries can be committed, applied and compacted within one Ready, before the checker reads
   * any log; those are found in the members' applied request ids (`requests`, which the state
   * hash compares across members).
   */
  checkAcked(final: boolean, appliedAt: (id: string) => number | undefined): void {
    for (const [id, a] of this.acked) {
      const h = this.history.get(a.raftIndex);
      if (h) {
        if (h.requestId !== id) {
          throw new SimViolation("acknowledged write lost", `request ${id} acknowledged at raft index ${a.raftIndex}, where the committed entry is ${h.requestId || "another entry"}`);
        }
        continue;
      }
      if (!final) continue;
      const at = appliedAt(id);
      if (at !== a.raftIndex) {
        throw new SimViolation("acknowledged write lost", `request ${id} acknowledged at raft index ${a.raftIndex}; applied ${at === undefined ? "nowhere" : `at ${at}`}`);
      }
    }
  }

  /** A quorum read that began after writes up to `etcdIndexAtStart` were acknowledged. */
  onQuorumRead(member: string, etcdIndexAtStart: number, etcdIndex: number): void {
    this.stats.quorumReads++;
    if (etcdIndex < etcdIndexAtStart) {
      throw new SimViolation("stale quorum read", `${member} answered a quorum read at etcd index ${etcdIndex}, below ${etcdIndexAtStart} acknowledged before it began`);
    }
  }

  /** Events one member publishes, after they became durable. */
  onPublish(member: string, events: readonly Published[]): void {
    for (const { event } of events) {
      if (event.refresh) continue;
      const index = event.etcdIndex;
      const last = this.published.get(member) ?? 0;
      if (index <= last) throw new SimViolation("watch order", `${member} published index ${index} after ${last}`);
      this.published.set(member, index);
      const text = JSON.stringify([event.action, event.node.key, event.node.value ?? null, event.node.modifiedIndex]);
      const seen = this.events.get(index);
      if (seen === undefined) this.events.set(index, text);
      else if (seen !== text) throw new SimViolation("watch events", `${member} published ${text} at ${index}, elsewhere ${seen}`);
      this.stats.eventsPublished++;
    }
  }
}

function termsOf(v: MemberView): Map<number, number> {
  const m = new Map<number, number>();
  if (v.snapIndex > 0) m.set(v.snapIndex, v.snapTerm);
  for (const r of v.log) m.set(r.idx, r.term);
  return m;
}

function requestIdOf(data: Uint8Array): string {
  if (data.length === 0) return "";
  try {
    return decodeProposal(data).id;
  } catch {
    return ""; // a ConfChange
  }
}

/** The replicated state: the store's tables, the applied request ids and the etcd index. */
export function stateHash(sql: Sql): number {
  let h = 0x811c9dc5;
  for (const q of [
    "SELECT path, dir, value, created, modified, expires FROM nodes ORDER BY path",
    "SELECT idx, key, data FROM history ORDER BY idx",
    "SELECT id, raft_index, result FROM requests ORDER BY id",
    "SELECT key, value FROM meta WHERE key IN ('etcd_index', 'members', 'removed_members') ORDER BY key",
  ]) {
    for (const row of sql.exec(q).toArray()) {
      for (const v of Object.values(row)) {
        if (v instanceof ArrayBuffer) h = hashBytes(new Uint8Array(v), h);
        else if (v instanceof Uint8Array) h = hashBytes(v, h);
        else h = hashString(String(v) + "\u0000", h);
      }
    }
  }
  return h;
}

export function readLog(sql: Sql): LogRow[] {
  return sql.exec("SELECT idx, term, crc, type, data FROM raft_log ORDER BY idx").toArray().map((r) => ({
    idx: numberOf(r.idx),
    term: numberOf(r.term),
    crc: numberOf(r.crc),
    type: numberOf(r.type),
    data: r.data instanceof ArrayBuffer ? new Uint8Array(r.data) : (r.data as Uint8Array),
  }));
}
