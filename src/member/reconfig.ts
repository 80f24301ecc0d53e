/**
 * Checks before a membership change, as etcd 3.4 makes them (strict reconfiguration check on
 * by default): one change at a time, no change that would leave the started members below
 * quorum, no unknown or already-removed ids.
 *
 * @module
 */
import type { ConfChangeType, NodeId, Status } from "../raft/types.js";
import type { Membership } from "./membership.js";
import type { MemberChangeReply } from "./rpc-types.js";

export function checkMembershipChange(
  type: ConfChangeType,
  nodeId: NodeId,
  status: Status,
  membership: Membership,
  pending: boolean,
): Extract<MemberChangeReply, { kind: "refused" }> | null {
  if (pending) return { kind: "refused", status: 409, message: "membership: a membership change is already in progress" };
  const voters = Object.keys(status.progress ?? {});
  // etcd counts members that have started; here: the leader, and voters that replicated anything.
  const started = Object.entries(status.progress ?? {}).filter(([id, p]) => id === status.id || p.match > 0).map(([id]) => id);
  if (type === "addNode") {
    if (membership.isRemoved(nodeId)) return { kind: "refused", status: 409, message: "membership: ID removed" };
    if (voters.includes(nodeId)) return { kind: "refused", status: 409, message: "membership: ID exists" };
    // etcd's IsReadyToAddVotingMember: a one-member cluster may add a second (after a restore
    // or force-new-cluster), though the two then need each other for a quorum.
    if (voters.length === 1 && started.length === 1) return null;
    // The new member is not started yet: the started ones must still be a quorum of n + 1.
    if (started.length < quorum(voters.length + 1)) return { kind: "refused", status: 500, message: "Internal Server Error" };
    return null;
  }
  if (membership.isRemoved(nodeId)) return { kind: "refused", status: 410, message: `Member permanently removed: ${nodeId}` };
  if (!voters.includes(nodeId)) return { kind: "refused", status: 404, message: `No such member: ${nodeId}` };
  const remaining = voters.filter((id) => id !== nodeId);
  const startedRemaining = started.filter((id) => id !== nodeId);
  if (remaining.length === 0 || startedRemaining.length < quorum(remaining.length)) {
    return { kind: "refused", status: 500, message: "Internal Server Error" };
  }
  return null;
}

function quorum(n: number): number {
  return Math.floor(n / 2) + 1;
}
