/**
 * The leader's step function and replication (etcd-raft raft.go: stepLeader, sendAppend,
 * sendHeartbeat, ReadIndex on the leader, leader transfer).
 *
 * @module
 */
import { ErrProposalDropped, NONE, type Message, type NodeId, type RaftError } from "./types.js";
import type { Raft } from "./raft.js";
import type { Progress } from "./progress.js";
import { voteResult } from "./quorum.js";
import { ErrSnapshotTemporarilyUnavailable } from "./types.js";
import { assert, entriesSizeBytes, newMessage, proposalEntriesMax } from "./util.js";

const emptyData = new Uint8Array(0);

/**
 * Sends an append (or a snapshot) to `to` if its progress allows. With sendIfEmpty, an
 * append without entries is still sent (it carries the commit index or probes).
 */
export function maybeSendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.prs.get(to);
  if (pr === undefined || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.raftLog.term(prevIndex);
  let ents: ReturnType<typeof r.raftLog.entries> = [];
  if (pr.state !== "StateReplicate" || !pr.inflights.full()) ents = r.raftLog.entries(pr.next, r.maxMsgSizeBytes);
  if (ents !== undefined && ents.length === 0 && !sendIfEmpty) return false;
  if (prevTerm === undefined || ents === undefined) return maybeSendSnapshot(r, to, pr);
  r.send(newMessage("MsgApp", to, r.id, { index: prevIndex, logTerm: prevTerm, entries: ents, commit: r.raftLog.committed }));
  pr.sentEntries(ents.length, entriesSizeBytes(ents));
  return true;
}

export function sendAppend(r: Raft, to: NodeId): void {
  maybeSendAppend(r, to, true);
}

function maybeSendSnapshot(r: Raft, to: NodeId, pr: Progress): boolean {
  if (!pr.recentActive) {
    r.debug(`ignore sending snapshot to ${to} since it is not recently active`);
    return false;
  }
  let snapshot;
  try {
    snapshot = r.raftLog.snapshot();
  } catch (err) {
    if (err === ErrSnapshotTemporarilyUnavailable) {
      r.debug(`failed to send snapshot to ${to} because snapshot is temporarily unavailable`);
      return false;
    }
    throw err;
  }
  assert(snapshot.metadata.index !== 0, "need non-empty snapshot");
  r.debug(`[firstindex: ${r.raftLog.firstIndex()}, commit: ${r.raftLog.committed}] sent snapshot[index: ${snapshot.metadata.index}, term: ${snapshot.metadata.term}] to ${to} [${pr}]`);
  pr.becomeSnapshot(snapshot.metadata.index);
  r.send(newMessage("MsgSnap", to, r.id, { snapshot }));
  return true;
}

/** Sends the appends deferred by group commit (called when the shell takes a Ready). */
export function flushBcast(r: Raft): void {
  if (!r.bcastPending) return;
  r.bcastPending = false;
  if (r.state !== "StateLeader") return;
  for (const id of r.prs.keys()) {
    if (id === r.id) continue;
    sendAppend(r, id);
    // In replicate, pipeline the rest of the backlog up to the inflight window.
    while (maybeSendAppend(r, id, false)) {
      // each iteration sends one MsgApp
    }
  }
}

export function bcastAppend(r: Raft): void {
  for (const id of r.prs.keys()) if (id !== r.id) sendAppend(r, id);
}

function sendHeartbeat(r: Raft, to: NodeId, ctx: Uint8Array | undefined): void {
  const pr = r.prs.get(to)!;
  // Never tell a follower to commit beyond what it is known to hold.
  const commit = Math.min(pr.match, r.raftLog.committed);
  const m = newMessage("MsgHeartbeat", to, r.id, { commit });
  if (ctx !== undefined) m.context = ctx;
  r.send(m);
}

export function bcastHeartbeat(r: Raft, ctx?: Uint8Array): void {
  const c = ctx ?? r.readOnly.lastPendingRequestCtx();
  for (const id of r.prs.keys()) if (id !== r.id) sendHeartbeat(r, id, c);
}

function readCtx(m: Message): Uint8Array {
  return m.context ?? emptyData;
}

/** Answers a read request: locally as a ReadState, or to the follower that forwarded it. */
function responseToReadIndexReq(r: Raft, req: Message, readIndex: number): void {
  if (req.from === NONE || req.from === r.id) {
    r.readStates.push({ index: readIndex, requestCtx: readCtx(req) });
    return;
  }
  r.send(newMessage("MsgReadIndexResp", req.from, r.id, { index: readIndex, context: readCtx(req) }));
}

function sendMsgReadIndexResponse(r: Raft, m: Message): void {
  // ReadOnlySafe: confirm leadership with a heartbeat round carrying the request's ctx.
  const ctx = readCtx(m);
  if (!r.readOnly.addRequest(r.raftLog.committed, m, ctx)) return;
  r.readOnly.recvAck(r.id, ctx);
  bcastHeartbeat(r, ctx);
}

export function releasePendingReadIndexMessages(r: Raft): void {
  if (r.pendingReadIndexMessages.length === 0) return;
  if (!r.committedEntryInCurrentTerm()) return;
  const msgs = r.pendingReadIndexMessages;
  r.pendingReadIndexMessages = [];
  for (const m of msgs) sendMsgReadIndexResponse(r, m);
}

function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.send(newMessage("MsgTimeoutNow", to, r.id));
}

/** Read requests the leader parks until its first commit of the term. */
export const pendingReadIndexMessagesMax = 10_000;

export function stepLeader(r: Raft, m: Message): RaftError | null {
  switch (m.type) {
    case "MsgBeat":
      bcastHeartbeat(r);
      return null;
    case "MsgCheckQuorum": {
      let active = 0;
      for (const id of r.voters) if (r.prs.get(id)?.recentActive) active++;
      if (active < Math.floor(r.voters.length / 2) + 1) {
        r.info(`stepped down to follower since quorum is not active`);
        r.becomeFollower(r.term, NONE);
      }
      // Peers must prove themselves active again within the next election timeout.
      for (const [id, pr] of r.prs) if (id !== r.id) pr.recentActive = false;
      return null;
    }
    case "MsgProp": {
      assert(m.entries.length > 0, `${r.id} stepped empty MsgProp`);
      if (!r.prs.has(r.id)) return ErrProposalDropped; // removed from the configuration
      if (r.leadTransferee !== NONE) {
        r.debug(`[term ${r.term}] transfer leadership to ${r.leadTransferee} is in progress; dropping proposal`);
        return ErrProposalDropped;
      }
      if (m.entries.length > proposalEntriesMax) return ErrProposalDropped;
      const ents = m.entries.slice();
      for (let i = 0; i < ents.length; i++) {
        const e = ents[i]!;
        if (e.type !== "confChange") continue;
        if (r.pendingConfIndex > r.raftLog.applied) {
          r.info(`ignoring conf change at index ${r.raftLog.lastIndex() + i + 1} since pending conf change at index ${r.pendingConfIndex} is not yet applied (applied: ${r.raftLog.applied})`);
          ents[i] = { term: 0, index: 0, type: "normal", data: emptyData };
        } else {
          r.pendingConfIndex = r.raftLog.lastIndex() + i + 1;
        }
      }
      if (!r.appendEntry(ents)) return ErrProposalDropped;
      // Group commit: proposals stepped before the next Ready share one MsgApp per follower.
      r.bcastPending = true;
      return null;
    }
    case "MsgReadIndex":
      if (r.voters.length === 1 && r.prs.has(r.id)) {
        // A single voter is its own quorum: no heartbeat round needed.
        responseToReadIndexReq(r, m, r.raftLog.committed);
        return null;
      }
      if (!r.committedEntryInCurrentTerm()) {
        // Our commit index may lag the previous leader's until we commit in our own term.
        if (r.pendingReadIndexMessages.length < pendingReadIndexMessagesMax) r.pendingReadIndexMessages.push(m);
        return null;
      }
      sendMsgReadIndexResponse(r, m);
      return null;
    default:
      break;
  }

  const pr = r.prs.get(m.from);
  if (pr === undefined) {
    r.debug(`no progress available for ${m.from}`);
    return null;
  }
  switch (m.type) {
    case "MsgAppResp":
      handleAppendResponse(r, m, pr);
      break;
    case "MsgHeartbeatResp": {
      pr.recentActive = true;
      pr.msgAppFlowPaused = false;
      // The follower is alive: free one inflight slot so replication cannot stall for good.
      if (pr.state === "StateReplicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
      if (pr.match < r.raftLog.lastIndex()) sendAppend(r, m.from);
      if (m.context === undefined || m.context.length === 0) break;
      const acks = r.readOnly.recvAck(m.from, m.context);
      if (acks === undefined || voteResult(r.voters, acks) !== "VoteWon") break;
      for (const rs of r.readOnly.advance(m.context)) responseToReadIndexReq(r, rs.req, rs.index);
      break;
    }
    case "MsgSnapStatus":
      if (pr.state !== "StateSnapshot") break;
      if (m.reject) pr.pendingSnapshot = 0;
      r.debug(`snapshot ${m.reject ? "failed" : "succeeded"}, resumed sending replication messages to ${m.from} [${pr}]`);
      pr.becomeProbe();
      // Wait for the follower's MsgAppResp (or a heartbeat) before probing again.
      pr.msgAppFlowPaused = true;
      break;
    case "MsgUnreachable":
      // The last append was probably lost: go back to probing instead of pipelining.
      if (pr.state === "StateReplicate") pr.becomeProbe();
      r.debug(`failed to send message to ${m.from} because it is unreachable [${pr}]`);
      break;
    case "MsgTransferLeader": {
      const transferee = m.from;
      if (r.leadTransferee !== NONE) {
        if (r.leadTransferee === transferee) {
          r.info(`[term ${r.term}] transfer leadership to ${transferee} is in progress, ignores request to same node ${transferee}`);
          break;
        }
        r.abortLeaderTransfer();
      }
      if (transferee === r.id) {
        r.debug(`is already leader. Ignored transferring leadership to self`);
        break;
      }
      r.info(`[term ${r.term}] starts to transfer leadership to ${transferee}`);
      r.electionElapsed = 0;
      r.leadTransferee = transferee;
      if (pr.match === r.raftLog.lastIndex()) {
        r.info(`sends MsgTimeoutNow to ${transferee} immediately as ${transferee} already has up-to-date log`);
        sendTimeoutNow(r, transferee);
      } else {
        sendAppend(r, transferee);
      }
      break;
    }
    default:
      break;
  }
  return null;
}

function handleAppendResponse(r: Raft, m: Message, pr: Progress): void {
  pr.recentActive = true;
  if (m.reject) {
    r.debug(`received MsgAppResp(rejected, hint: (index ${m.rejectHint}, term ${m.logTerm})) from ${m.from} for index ${m.index}`);
    let nextProbeIdx = m.rejectHint;
    // Skip every entry of ours whose term is above the follower's term at its hint.
    if (m.logTerm > 0) nextProbeIdx = r.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo(m.index, nextProbeIdx)) {
      r.debug(`decreased progress of ${m.from} to [${pr}]`);
      if (pr.state === "StateReplicate") pr.becomeProbe();
      sendAppend(r, m.from);
    }
    return;
  }
  const oldPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.index)) return;
  if (pr.state === "StateProbe") {
    pr.becomeReplicate();
  } else if (pr.state === "StateSnapshot" && pr.match + 1 >= r.raftLog.firstIndex()) {
    // The follower caught up past our log's start: entries can flow again.
    r.debug(`recovered from needing snapshot, resumed sending replication messages to ${m.from} [${pr}]`);
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === "StateReplicate") {
    pr.inflights.freeLE(m.index);
  }
  if (r.maybeCommit()) {
    releasePendingReadIndexMessages(r);
    // Several acks in one turn advance the commit once on the wire.
    r.bcastPending = true;
  } else if (oldPaused && !r.bcastPending) {
    // It may be missing the latest commit index (unless a broadcast is due anyway).
    sendAppend(r, m.from);
  }
  // Keep the pipe full while the flow-control window allows.
  while (maybeSendAppend(r, m.from, false)) {
    // each iteration sends one MsgApp
  }
  if (m.from === r.leadTransferee && pr.match === r.raftLog.lastIndex()) {
    r.info(`sent MsgTimeoutNow to ${m.from} after received MsgAppResp`);
    sendTimeoutNow(r, m.from);
  }
}
