// The member simulator (test/sim/member): the shipped Replica, SqlRaftStorage and v2 store over
// SQLite. A fixed batch with every invariant after every step, proof that the batch does the
// work the invariants are about, determinism, and the checker catching forged violations.
import { describe, expect, it } from "vitest";
import { runMemberSeed, type MemberSeedResult } from "./member/run-member-seed.js";
import { MemberChecker, type MemberView } from "./member/member-checker.js";
import { SimViolation } from "./sim-checker.js";
import { memberDb } from "../support/node-sql.js";

const batchSeeds = 12;
const stepsPerSeed = 800;

function explain(r: MemberSeedResult): string {
  return `seed ${r.seed}: ${r.violation?.message}\n${r.traceTail.join("\n")}\nreplay: npm run sim -- --member --seed ${r.seed} --steps ${stepsPerSeed} --trace`;
}

describe("member simulation", () => {
  it(`keeps every invariant over seeds 1..${batchSeeds} (${stepsPerSeed} steps each, then heal and converge)`, async () => {
    const failures: string[] = [];
    const total: Record<string, number> = {};
    for (let seed = 1; seed <= batchSeeds; seed++) {
      const r = await runMemberSeed(seed, { steps: stepsPerSeed });
      if (r.violation !== undefined) failures.push(explain(r));
      for (const [k, v] of Object.entries(r.stats)) total[k] = (total[k] ?? 0) + v;
    }
    expect(failures).toEqual([]);
    // "No violations" means something only if the faults and the client work happened.
    expect(total.acks).toBeGreaterThan(batchSeeds * 3);
    expect(total.quorumReads).toBeGreaterThan(batchSeeds);
    expect(total.crashes).toBeGreaterThan(batchSeeds);
    expect(total.lostWrites).toBeGreaterThan(0);
    expect(total.hashesCompared).toBeGreaterThan(batchSeeds * 10);
    expect(total.eventsPublished).toBeGreaterThan(batchSeeds * 10);
  }, 120_000);

  it("replays a seed to a byte-identical trace", async () => {
    for (const seed of [3, 77]) {
      const a = await runMemberSeed(seed, { steps: 400, traceAll: true });
      const b = await runMemberSeed(seed, { steps: 400, traceAll: true });
      expect(b.trace!.join("\n")).toBe(a.trace!.join("\n"));
      expect((await runMemberSeed(seed + 1, { steps: 400 })).traceHash).not.toBe(a.traceHash);
    }
  }, 60_000);
});

describe("member checker catches what it claims to", () => {
  const sql = memberDb();
  const view = (over: Partial<MemberView>): MemberView => ({
    id: "a", role: "StateFollower", term: 2, commit: 0, applied: 0, snapIndex: 0, snapTerm: 0, log: [], sql, version: "v", ...over,
  });
  const row = (idx: number, term: number, crc = idx * 100 + term) => ({ idx, term, crc, type: 0, data: new Uint8Array(0) });

  it("two leaders in one term", () => {
    const c = new MemberChecker();
    expect(() => c.check([view({ id: "a", role: "StateLeader" }), view({ id: "b", role: "StateLeader" })])).toThrow(SimViolation);
  });

  it("a follower committing an entry its leader does not have", () => {
    const c = new MemberChecker();
    const leader = view({ id: "a", role: "StateLeader", log: [row(1, 1), row(2, 2)], commit: 2 });
    const follower = view({ id: "b", log: [row(1, 1), row(2, 1)], commit: 2 });
    c.check([leader, follower]);
    expect(() => c.checkDurable(follower, [leader, follower])).toThrow(/verified commit/);
  });

  it("one (index, term) with different contents", () => {
    const c = new MemberChecker();
    const a = view({ id: "a", log: [row(1, 1, 5)] });
    const b = view({ id: "b", log: [row(1, 1, 6)] });
    c.checkDurable(a, [a, b]);
    expect(() => c.checkDurable(b, [a, b])).toThrow(/log matching/);
  });

  it("a stale quorum read and an acknowledged write missing from the log", () => {
    const c = new MemberChecker();
    c.onAck("r1", 7, 5);
    expect(() => c.onQuorumRead("m1", c.ackedEtcdIndexMax, 4)).toThrow(/stale quorum read/);
    expect(() => c.checkAcked(true, () => undefined)).toThrow(/acknowledged write lost/);
  });

  it("different stores at one applied index", () => {
    const c = new MemberChecker();
    const other = memberDb();
    other.exec("INSERT INTO nodes (path, parent, dir, value, created, modified) VALUES ('/1/x', '/1', 0, 'v', 1, 1)");
    const a = view({ id: "a", applied: 0 });
    const b = view({ id: "b", applied: 0, sql: other });
    c.checkDurable(a, [a, b]);
    expect(() => c.checkDurable(b, [a, b])).toThrow(/state machine safety/);
  });

  it("watch events out of order", () => {
    const c = new MemberChecker();
    const ev = (i: number) => ({ event: { action: "set", node: { key: "/k", value: "v", modifiedIndex: i, createdIndex: i }, etcdIndex: i }, removedPaths: [] }) as never;
    c.onPublish("m1", [ev(3)]);
    expect(() => c.onPublish("m1", [ev(3)])).toThrow(/watch order/);
  });
});
