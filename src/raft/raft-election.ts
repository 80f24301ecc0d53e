/**
 * Terms, elections and ticks (etcd-raft raft.go: Step's term handling, hup, campaign, poll,
 * tickElection, tickHeartbeat).
 *
 * @module
 */
import { NONE, type Message, type MessageType, type NodeId } from "./types.js";
import type { Raft } from "./raft.js";
import { voteResult, type VoteResult } from "./quorum.js";
import { newMessage, voteRespMsgType } from "./util.js";
import { hasUnappliedConfChanges } from "./raft-conf.js";
import { maybeQuiesceLeader } from "./raft-quiesce.js";

export type CampaignType = "CampaignPreElection" | "CampaignElection" | "CampaignTransfer";

/** Marks vote requests of a leader transfer: they bypass the leader lease. */
export const campaignTransferCtx = new TextEncoder().encode("CampaignTransfer");

function isTransferCtx(ctx: Uint8Array | undefined): boolean {
  if (ctx === undefined || ctx.length !== campaignTransferCtx.length) return false;
  for (let i = 0; i < ctx.length; i++) if (ctx[i] !== campaignTransferCtx[i]) return false;
  return true;
}

/**
 * Settles the message's term against ours and answers votes. Returns true if the message
 * should go on to the role's step function.
 */
export function stepTermAndVotes(r: Raft, m: Message): boolean {
  if (m.term === 0) {
    // local message
  } else if (m.term > r.term) {
    if (m.type === "MsgVote" || m.type === "MsgPreVote") {
      const force = isTransferCtx(m.context);
      const inLease = r.checkQuorum && r.lead !== NONE && r.electionElapsed < r.electionTimeout;
      if (!force && inLease) {
        // We heard from a leader within the election timeout: a disruptive candidate (for
        // instance one rejoining after a partition) must not depose it.
        r.info(
          `[logterm: ${r.raftLog.lastTerm()}, index: ${r.raftLog.lastIndex()}, vote: ${r.vote || "0"}] ignored ${m.type} from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${r.term}: lease is not expired (remaining ticks: ${r.electionTimeout - r.electionElapsed})`,
        );
        return false;
      }
    }
    if (m.type === "MsgPreVote") {
      // Never change our term in response to a PreVote.
    } else if (m.type === "MsgPreVoteResp" && !m.reject) {
      // The term in a granted pre-vote is the one we will campaign for; we bump it on winning.
    } else {
      r.info(`[term: ${r.term}] received a ${m.type} message with higher term from ${m.from} [term: ${m.term}]`);
      if (m.type === "MsgApp" || m.type === "MsgHeartbeat" || m.type === "MsgSnap") r.becomeFollower(m.term, m.from);
      else r.becomeFollower(m.term, NONE);
    }
  } else if (m.term < r.term) {
    if ((r.checkQuorum || r.preVote) && (m.type === "MsgHeartbeat" || m.type === "MsgApp")) {
      // A leader stranded in an old term (e.g. partitioned) learns of the newer term from this
      // reply and steps down; without it, it would never hear a higher term under PreVote.
      r.send(newMessage("MsgAppResp", m.from, r.id));
    } else if (m.type === "MsgPreVote") {
      r.info(`[logterm: ${r.raftLog.lastTerm()}, index: ${r.raftLog.lastIndex()}, vote: ${r.vote || "0"}] rejected ${m.type} from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${r.term}`);
      r.send(newMessage("MsgPreVoteResp", m.from, r.id, { term: r.term, reject: true }));
    } else {
      r.debug(`[term: ${r.term}] ignored a ${m.type} message with lower term from ${m.from} [term: ${m.term}]`);
    }
    return false;
  }

  switch (m.type) {
    case "MsgHup":
      hup(r, r.preVote ? "CampaignPreElection" : "CampaignElection");
      return false;
    case "MsgVote":
    case "MsgPreVote": {
      const canVote =
        r.vote === m.from || (r.vote === NONE && r.lead === NONE) || (m.type === "MsgPreVote" && m.term > r.term);
      if (canVote && r.raftLog.isUpToDate(m.index, m.logTerm)) {
        r.info(`[logterm: ${r.raftLog.lastTerm()}, index: ${r.raftLog.lastIndex()}, vote: ${r.vote || "0"}] cast ${m.type} for ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${r.term}`);
        // The response carries the message's term (not ours) so a pre-candidate can count it.
        r.send(newMessage(voteRespMsgType(m.type), m.from, r.id, { term: m.term }));
        if (m.type === "MsgVote") {
          r.electionElapsed = 0;
          r.vote = m.from;
        }
      } else {
        r.info(`[logterm: ${r.raftLog.lastTerm()}, index: ${r.raftLog.lastIndex()}, vote: ${r.vote || "0"}] rejected ${m.type} from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${r.term}`);
        r.send(newMessage(voteRespMsgType(m.type), m.from, r.id, { term: r.term, reject: true }));
      }
      return false;
    }
    default:
      return true;
  }
}

export function hup(r: Raft, t: CampaignType): void {
  if (r.state === "StateLeader") {
    r.debug(`ignoring MsgHup because already leader`);
    return;
  }
  if (!r.promotable()) {
    r.info(`is unpromotable and can not campaign`);
    return;
  }
  if (hasUnappliedConfChanges(r)) {
    r.info(`cannot campaign at term ${r.term} since there are still pending configuration changes to apply`);
    return;
  }
  r.info(`is starting a new election at term ${r.term}`);
  campaign(r, t);
}

export function campaign(r: Raft, t: CampaignType): void {
  let term: number;
  let voteMsg: MessageType;
  if (t === "CampaignPreElection") {
    r.becomePreCandidate();
    voteMsg = "MsgPreVote";
    // A pre-vote asks about the next term without moving to it.
    term = r.term + 1;
  } else {
    r.becomeCandidate();
    voteMsg = "MsgVote";
    term = r.term;
  }
  if (poll(r, r.id, voteRespMsgType(voteMsg), true) === "VoteWon") {
    // Single-node cluster: we won by our own vote.
    if (t === "CampaignPreElection") campaign(r, "CampaignElection");
    else r.becomeLeader();
    return;
  }
  const lastIndex = r.raftLog.lastIndex();
  const lastTerm = r.raftLog.lastTerm();
  for (const id of r.voters) {
    if (id === r.id) continue;
    r.info(`[logterm: ${lastTerm}, index: ${lastIndex}] sent ${voteMsg} request to ${id} at term ${r.term}`);
    const m = newMessage(voteMsg, id, r.id, { term, index: lastIndex, logTerm: lastTerm });
    if (t === "CampaignTransfer") m.context = campaignTransferCtx;
    r.send(m);
  }
}

export function poll(r: Raft, id: NodeId, t: MessageType, v: boolean): VoteResult {
  if (v) r.info(`received ${t} from ${id} at term ${r.term}`);
  else r.info(`received ${t} rejection from ${id} at term ${r.term}`);
  if (!r.votes.has(id)) r.votes.set(id, v);
  return voteResult(r.voters, r.votes);
}

export function tickElection(r: Raft): void {
  r.electionElapsed++;
  if (r.promotable() && r.pastElectionTimeout()) {
    r.electionElapsed = 0;
    r.step(newMessage("MsgHup", r.id, r.id));
  }
}

export function tickHeartbeat(r: Raft): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.electionTimeout) {
    r.electionElapsed = 0;
    if (r.checkQuorum) r.step(newMessage("MsgCheckQuorum", r.id, r.id));
    // A transfer that has not finished within an election timeout is abandoned.
    if (r.state === "StateLeader" && r.leadTransferee !== NONE) r.abortLeaderTransfer();
  }
  if (r.state !== "StateLeader") return;
  // The quiesce heartbeat is this tick's heartbeat.
  if (maybeQuiesceLeader(r)) return;
  if (r.heartbeatElapsed >= r.heartbeatTimeout) {
    r.heartbeatElapsed = 0;
    r.step(newMessage("MsgBeat", r.id, r.id));
  }
}
