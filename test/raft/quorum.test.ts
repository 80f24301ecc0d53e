import { describe, expect, it } from "vitest";
import { committedIndex, voteResult } from "../../src/raft/quorum.js";
import { seededRand } from "../../src/util/rand.js";

/** The largest i such that a majority acked ≥ i: checked by trying every candidate. */
function committedOracle(acked: number[]): number {
  const q = Math.floor(acked.length / 2) + 1;
  let best = 0;
  for (const i of [0, ...acked]) {
    if (acked.filter((a) => a >= i).length >= q && i > best) best = i;
  }
  return best;
}

function voteOracle(n: number, votes: (boolean | undefined)[]): string {
  const q = Math.floor(n / 2) + 1;
  const yes = votes.filter((v) => v === true).length;
  const no = votes.filter((v) => v === false).length;
  if (yes >= q) return "VoteWon";
  if (n - no >= q) return "VotePending";
  return "VoteLost";
}

describe("quorum", () => {
  it("committedIndex matches the brute-force oracle on random inputs", () => {
    const rand = seededRand(42);
    for (let round = 0; round < 5000; round++) {
      const n = 1 + rand.int(7);
      const voters = Array.from({ length: n }, (_, i) => String(i + 1));
      const acked = voters.map(() => rand.int(20));
      const byId = new Map(voters.map((v, i) => [v, acked[i]!]));
      expect(committedIndex(voters, (id) => byId.get(id)), `acked=${acked}`).toBe(committedOracle(acked));
    }
  });

  it("a voter without progress counts as 0", () => {
    expect(committedIndex(["1", "2", "3"], (id) => (id === "1" ? 5 : undefined))).toBe(0);
    expect(committedIndex(["1", "2", "3"], (id) => (id === "3" ? undefined : 5))).toBe(5);
  });

  it("empty configuration commits everything and wins every vote", () => {
    expect(committedIndex([], () => 0)).toBe(Number.MAX_SAFE_INTEGER);
    expect(voteResult([], new Map())).toBe("VoteWon");
  });

  it("voteResult matches the oracle on random inputs", () => {
    const rand = seededRand(7);
    for (let round = 0; round < 5000; round++) {
      const n = 1 + rand.int(7);
      const voters = Array.from({ length: n }, (_, i) => String(i + 1));
      const votes = voters.map(() => (rand.chance(0.3) ? undefined : rand.chance(0.5)));
      const m = new Map<string, boolean>();
      voters.forEach((v, i) => {
        if (votes[i] !== undefined) m.set(v, votes[i]!);
      });
      // Votes from non-voters never count.
      m.set("99", true);
      expect(voteResult(voters, m), `votes=${votes}`).toBe(voteOracle(n, votes));
    }
  });
});
