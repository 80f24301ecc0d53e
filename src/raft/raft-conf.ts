/**
 * Single-server membership changes (etcd-raft confchange, v1 style): a change takes effect
 * when the shell applies its committed entry; the leader allows one pending change at a time.
 *
 * @module
 */
import { NONE, type ConfState, type NodeId } from "./types.js";
import type { Raft } from "./raft.js";
import { bcastAppend, maybeSendAppend, releasePendingReadIndexMessages } from "./raft-leader.js";
import { noLimitBytes } from "./util.js";

/** Applies a committed single-server change. Returns the new configuration. */
export function applyConfChange(r: Raft, type: "addNode" | "removeNode", nodeId: NodeId): ConfState {
  let added: NodeId = NONE;
  if (type === "addNode") {
    if (!r.prs.has(nodeId)) {
      const pr = r.newProgress();
      // A new member counts as active so CheckQuorum gives it an election timeout to answer.
      pr.recentActive = true;
      r.prs.set(nodeId, pr);
      added = nodeId;
    }
  } else {
    r.prs.delete(nodeId);
  }
  r.voters = [...r.prs.keys()].sort();
  r.info(`switched to configuration voters=(${r.voters.join(" ")})`);
  if (r.state === "StateLeader") {
    if (!r.prs.has(r.id)) {
      r.becomeFollower(r.term, NONE);
    } else {
      // A removal may have shrunk the quorum: something may commit now.
      if (r.maybeCommit()) {
        releasePendingReadIndexMessages(r);
        bcastAppend(r);
      } else {
        for (const id of r.prs.keys()) if (id !== r.id) maybeSendAppend(r, id, false);
      }
      // Probe a new member at once rather than at the next heartbeat.
      if (added !== NONE && added !== r.id) maybeSendAppend(r, added, true);
      if (r.leadTransferee !== NONE && !r.prs.has(r.leadTransferee)) r.abortLeaderTransfer();
    }
  }
  return r.confState();
}

/** Whether committed-but-unapplied entries hold a conf change (then we must not campaign). */
export function hasUnappliedConfChanges(r: Raft): boolean {
  const lo = Math.max(r.raftLog.applied + 1, r.raftLog.firstIndex());
  const hi = r.raftLog.committed + 1;
  if (lo >= hi) return false;
  const ents = r.raftLog.slice(lo, hi, noLimitBytes) ?? [];
  for (const e of ents) if (e.type === "confChange") return true;
  return false;
}
