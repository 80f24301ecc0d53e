/**
 * Follower and (pre-)candidate step functions, and the follower's side of replication
 * (etcd-raft raft.go: stepFollower, stepCandidate, handleAppendEntries, handleHeartbeat,
 * handleSnapshot, restore).
 *
 * @module
 */
import { ErrProposalDropped, NONE, type Message, type RaftError, type Snapshot } from "./types.js";
import type { Raft } from "./raft.js";
import { campaign, hup, poll } from "./raft-election.js";
import { bcastAppend } from "./raft-leader.js";
import { newMessage } from "./util.js";
import { maybeQuiesceFollower } from "./raft-quiesce.js";

export function stepFollower(r: Raft, m: Message): RaftError | null {
  switch (m.type) {
    case "MsgProp":
      if (r.lead === NONE) {
        r.info(`no leader at term ${r.term}; dropping proposal`);
        return ErrProposalDropped;
      }
      r.send({ ...m, to: r.lead });
      return null;
    case "MsgApp":
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppendEntries(r, m);
      return null;
    case "MsgHeartbeat":
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return null;
    case "MsgSnap":
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return null;
    case "MsgTransferLeader":
      if (r.lead === NONE) {
        r.info(`no leader at term ${r.term}; dropping leader transfer msg`);
        return null;
      }
      r.send({ ...m, to: r.lead, term: 0 }); // send stamps our term
      return null;
    case "MsgTimeoutNow":
      r.info(`[term ${r.term}] received MsgTimeoutNow from ${m.from} and starts an election to get leadership`);
      // Leadership transfer skips pre-vote: the old leader asked for it, so it cannot disrupt.
      hup(r, "CampaignTransfer");
      return null;
    case "MsgReadIndex":
      if (r.lead === NONE) {
        r.info(`no leader at term ${r.term}; dropping index reading msg`);
        return null;
      }
      r.send({ ...m, to: r.lead });
      return null;
    case "MsgReadIndexResp":
      r.readStates.push({ index: m.index, requestCtx: m.context ?? new Uint8Array(0) });
      return null;
    default:
      return null;
  }
}

export function stepCandidate(r: Raft, m: Message): RaftError | null {
  // Only count responses for the election we are actually running.
  const myVoteRespType = r.state === "StatePreCandidate" ? "MsgPreVoteResp" : "MsgVoteResp";
  switch (m.type) {
    case "MsgProp":
      r.info(`no leader at term ${r.term}; dropping proposal`);
      return ErrProposalDropped;
    case "MsgApp":
      r.becomeFollower(m.term, m.from);
      handleAppendEntries(r, m);
      return null;
    case "MsgHeartbeat":
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return null;
    case "MsgSnap":
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return null;
    case "MsgTimeoutNow":
      r.debug(`[term ${r.term} state ${r.state}] ignored MsgTimeoutNow from ${m.from}`);
      return null;
    default:
      if (m.type !== myVoteRespType) return null;
      break;
  }
  const res = poll(r, m.from, m.type, !m.reject);
  if (res === "VoteWon") {
    if (r.state === "StatePreCandidate") {
      campaign(r, "CampaignElection");
    } else {
      r.becomeLeader();
      bcastAppend(r);
    }
  } else if (res === "VoteLost") {
    // A pre-candidate that lost returns to follower in its own term; a candidate stays in the new one.
    r.becomeFollower(r.term, NONE);
  }
  return null;
}

function handleAppendEntries(r: Raft, m: Message): void {
  if (m.index < r.raftLog.committed) {
    r.send(newMessage("MsgAppResp", m.from, r.id, { index: r.raftLog.committed }));
    return;
  }
  const lastNew = r.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNew !== undefined) {
    r.send(newMessage("MsgAppResp", m.from, r.id, { index: lastNew }));
    return;
  }
  // Reject with a hint: the largest index ≤ min(m.index, lastIndex) whose term ≤ m.logTerm.
  // The leader can then skip every index that cannot possibly match.
  const hint = r.raftLog.findConflictByTerm(Math.min(m.index, r.raftLog.lastIndex()), m.logTerm);
  r.debug(`[logterm: ${r.raftLog.termOrZero(m.index)}, index: ${m.index}] rejected MsgApp [logterm: ${m.logTerm}, index: ${m.index}] from ${m.from}`);
  r.send(newMessage("MsgAppResp", m.from, r.id, { index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term }));
}

function handleHeartbeat(r: Raft, m: Message): void {
  r.raftLog.commitTo(m.commit);
  // The leader's last heartbeat before it sleeps: nobody listens for the answer.
  if (maybeQuiesceFollower(r, m)) return;
  const resp = newMessage("MsgHeartbeatResp", m.from, r.id);
  if (m.context !== undefined) resp.context = m.context;
  r.send(resp);
}

function handleSnapshot(r: Raft, m: Message): void {
  const s = m.snapshot;
  if (s === undefined) return;
  const { index, term } = s.metadata;
  if (restore(r, s)) {
    r.info(`[commit: ${r.raftLog.committed}] restored snapshot [index: ${index}, term: ${term}]`);
    r.send(newMessage("MsgAppResp", m.from, r.id, { index: r.raftLog.lastIndex() }));
  } else {
    r.info(`[commit: ${r.raftLog.committed}] ignored snapshot [index: ${index}, term: ${term}]`);
    r.send(newMessage("MsgAppResp", m.from, r.id, { index: r.raftLog.committed }));
  }
}

/** Replaces the log with the snapshot unless we already hold its entry. */
function restore(r: Raft, s: Snapshot): boolean {
  if (s.metadata.index <= r.raftLog.committed) return false;
  if (r.state !== "StateFollower") {
    // Defensive, as in etcd: only followers restore. Force a new election in a higher term.
    r.becomeFollower(r.term + 1, NONE);
    return false;
  }
  if (r.raftLog.matchTerm(s.metadata.index, s.metadata.term)) {
    // We already have the snapshot's last entry: just fast-forward the commit index.
    r.info(`fast-forwarded commit to snapshot [index: ${s.metadata.index}, term: ${s.metadata.term}]`);
    r.raftLog.commitTo(s.metadata.index);
    return false;
  }
  r.raftLog.restore(s);
  r.setConfig(s.metadata.confState);
  r.info(`switched to configuration voters=(${r.voters.join(" ")})`);
  return true;
}
