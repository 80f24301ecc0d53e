/**
 * Quiescence and waking without an election (not in etcd-raft; after CockroachDB's quiesced
 * ranges, plus a persisted record so that a sleeping group survives losing its memory).
 *
 * A leader whose group is settled for `quiesceAfterTicks` heartbeat ticks stops ticking and
 * sends each follower a last heartbeat marked `quiesce`; a follower that holds the leader's
 * whole log stops its election timer. Both record, in their HardState, whom they sleep under
 * (`quiescedUnder`: the leader of `term`), in the same write as the term it belongs to. A
 * member restarted from storage (a Durable Object evicted while idle) with that record wakes
 * as it slept: the leader leads `term` again at once, a follower follows it. Any input that
 * needs the group (a proposal, a read, a peer's message) wakes the member; waking clears the
 * record, and so does every role change.
 *
 * Why resuming leadership is safe (the argument in docs/design.md, "Wake"):
 * - Election safety: the record names the member itself only if it became leader of `term`,
 *   by winning a quorum's votes in `term`; nobody else can ever win `term`, and the record is
 *   dropped whenever the term moves. So two members never lead the same term.
 * - Log matching and leader append-only: only the leader of `term` creates entries of `term`,
 *   and it sends none before persisting them; its durable log therefore holds every entry of
 *   `term` that anyone else has. As a non-leader in `term` nothing could truncate it (only the
 *   leader of `term` sends appends or snapshots in `term`).
 * - Leader completeness: its log held every earlier committed entry when it won `term`, and
 *   it only grew. A later term's commits need a quorum that has left `term`, which then
 *   refuses it: a stale resumed leader is a partitioned leader, nothing new.
 * - Nothing rests on time: a resumed leader still confirms reads with a heartbeat round.
 *
 * @module
 */
import { NONE, type Message, type NodeId } from "./types.js";
import type { Raft } from "./raft.js";
import { newMessage } from "./util.js";

/** The leader's group is settled: all of its log is durable, committed, applied and on every voter; nothing waits. */
export function settled(r: Raft): boolean {
  const log = r.raftLog;
  const last = log.lastIndex();
  if (!r.isVoter(r.id) || r.leadTransferee !== NONE) return false;
  if (r.readOnly.pendingCount() > 0 || r.pendingReadIndexMessages.length > 0) return false;
  if (log.committed !== last || log.applied !== last || log.unstable.entries.length > 0 || log.unstable.snapshot !== undefined) return false;
  // Then a resumed leader serves reads at once: its last commit is of its own term.
  if (!r.committedEntryInCurrentTerm()) return false;
  for (const id of r.voters) if (r.prs.get(id)?.match !== last) return false;
  return true;
}

/** On each leader tick: quiesce after enough settled ticks. True if it did (no heartbeat is due then). */
export function maybeQuiesceLeader(r: Raft): boolean {
  if (r.quiesceAfterTicks <= 0) return false;
  if (!settled(r)) {
    r.settledTicks = 0;
    return false;
  }
  r.settledTicks++;
  if (r.settledTicks < r.quiesceAfterTicks) return false;
  r.quiesced = true;
  r.settledTicks = 0;
  for (const id of r.voters) {
    if (id !== r.id) r.send(newMessage("MsgHeartbeat", id, r.id, { commit: r.raftLog.committed, quiesce: true }));
  }
  r.info(`quiesced as leader of term ${r.term} at index ${r.raftLog.lastIndex()}`);
  return true;
}

/**
 * A follower given the leader's last heartbeat (already settled in term, commit applied)
 * quiesces if it holds exactly the leader's log: its last index is the leader's commit, which
 * is the leader's last index. True if it did (then it does not answer).
 */
export function maybeQuiesceFollower(r: Raft, m: Message): boolean {
  if (m.quiesce !== true || r.lead !== m.from) return false;
  if (r.raftLog.committed !== m.commit || r.raftLog.lastIndex() !== m.commit) return false;
  r.quiesced = true;
  r.settledTicks = 0;
  r.debug(`quiesced under ${m.from} in term ${r.term} at index ${m.commit}`);
  return true;
}

/**
 * What wakes a quiesced member: anything but its own timers and transport reports, and, on
 * the leader, the acknowledgements of its final round (they carry nothing new).
 */
export function wakesOn(r: Raft, m: Message): boolean {
  switch (m.type) {
    case "MsgBeat":
    case "MsgCheckQuorum":
    case "MsgUnreachable":
    case "MsgSnapStatus":
      return false;
    case "MsgHeartbeatResp":
      return r.state !== "StateLeader" || m.term > r.term;
    case "MsgAppResp":
      return r.state !== "StateLeader" || m.term > r.term || m.reject;
    default:
      return true;
  }
}

/** Back to ticking. A woken follower gives the leader a full election timeout to show up. */
export function wake(r: Raft): void {
  if (!r.quiesced) return;
  r.quiesced = false;
  r.settledTicks = 0;
  r.electionElapsed = 0;
  r.heartbeatElapsed = 0;
  r.debug(`woke in term ${r.term}`);
}

/** On restart: sleep again as recorded. A record naming this member resumes its leadership of the term. */
export function resume(r: Raft, under: NodeId | undefined): void {
  if (under === undefined || under === NONE) return;
  if (under === r.id) {
    // A member no longer in the configuration (or with a snapshot to apply) does not lead.
    if (!r.promotable()) return;
    r.resumeLeader();
  } else {
    r.lead = under;
  }
  r.quiesced = true;
  r.info(`resumed quiesced under ${under} in term ${r.term}`);
}
