/**
 * Majority arithmetic (etcd-raft quorum/majority.go) as pure functions over the voters.
 *
 * @module
 */
import type { NodeId } from "./types.js";

export type VoteResult = "VotePending" | "VoteLost" | "VoteWon";

/**
 * The largest index acknowledged by a majority of voters. An empty configuration commits
 * everything (etcd's convention, so joint configs compose).
 */
export function committedIndex(voters: readonly NodeId[], acked: (id: NodeId) => number | undefined): number {
  const n = voters.length;
  if (n === 0) return Number.MAX_SAFE_INTEGER;
  const srt: number[] = new Array<number>(n);
  // Insertion sort, descending: n is tiny (≤ 7), so this beats Array.prototype.sort.
  for (let i = 0; i < n; i++) {
    const v = acked(voters[i]!) ?? 0;
    let j = i;
    while (j > 0 && srt[j - 1]! < v) {
      srt[j] = srt[j - 1]!;
      j--;
    }
    srt[j] = v;
  }
  return srt[Math.floor(n / 2)]!;
}

/** Won with a majority of yes, lost once a majority is out of reach, pending otherwise. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return "VoteWon";
  let yes = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) yes++;
  }
  const q = Math.floor(voters.length / 2) + 1;
  if (yes >= q) return "VoteWon";
  if (yes + missing >= q) return "VotePending";
  return "VoteLost";
}
