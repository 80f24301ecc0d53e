/**
 * The mutant catalogue: deliberate bugs the simulators must catch.
 *
 *   npm run mutants [-- --only <name>] [--raft-seeds N] [--member-seeds N]
 *
 * Each mutant is one textual change to one source file, applied to a temporary copy of the
 * repository (this worktree is never modified); the simulators then run in that copy, in the
 * order the mutant lists them, each stopping at its first failing seed. A mutant is caught when
 * any seed fails. Prints one line per mutant and, last, `mutants: C caught of N`; exit code 1
 * if any survives.
 *
 * @module
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

type SimKind = "raft" | "member";

interface Mutant {
  name: string;
  /** What the bug is, in one line. */
  what: string;
  file: string;
  from: string;
  to: string;
  /** Simulators to try, in order. */
  sims: SimKind[];
}

// Not in the catalogue: a follower committing up to its own last index instead of the last
// entry the leader's append verified (etcd's commitTo(min(m.Commit, lastnewi))). No fault the
// simulators can produce reaches it: a leader's append always starts where the follower's log
// first differs from the leader's (probe hints; a reset to match+1 needs an acked append, which
// already truncated any older tail), so an append never ends inside a matching prefix that a
// stale tail follows. See docs/design.md, "The member simulator and the mutant catalogue". Its
// leader-side twin (a heartbeat commit past the follower's match) is here and caught.
// Also not in it: a MsgSnap stepped once any of its pages is staged. The transport sends the
// MsgSnap only after every page call returned, and each returns only once its page is durable,
// so only two snapshot transfers to one member interleaving could leave a gap; the simulator
// does not produce those (it survives 200 seeds).
export const mutants: Mutant[] = [
  {
    name: "resume-without-record",
    what: "a restarted member resumes leadership because it voted for itself, without the quiesce record",
    file: "src/raft/raft.ts",
    from: "resume(this, hardState.quiescedUnder);",
    to: "resume(this, hardState.quiescedUnder || (hardState.vote === this.id ? this.id : undefined));",
    sims: ["raft"],
  },
  {
    name: "sleep-record-never-cleared",
    what: "storage: the quiesce record is written when set but never cleared, so it outlives its term on disk",
    file: "src/member/sql-raft-storage.ts",
    from: 'this.meta.set("hs_quiesced_under", hs.quiescedUnder ?? "");',
    to: 'if (hs.quiescedUnder) this.meta.set("hs_quiesced_under", hs.quiescedUnder);',
    sims: ["member"],
  },
  {
    name: "heartbeat-commit-beyond-match",
    what: "a leader's heartbeat tells a follower to commit up to the leader's commit, past what the follower is known to hold",
    file: "src/raft/raft-leader.ts",
    from: "const commit = Math.min(pr.match, r.raftLog.committed);",
    to: "const commit = r.raftLog.committed;",
    sims: ["member", "raft"],
  },
  {
    name: "commit-earlier-term-by-count",
    what: "a leader commits an entry of an earlier term by counting replicas (Raft figure 8)",
    file: "src/raft/log.ts",
    from: "if (maxIndex > this.committed && this.termOrZero(maxIndex) === term) {",
    to: "if (maxIndex > this.committed && this.termOrZero(maxIndex) <= term) {",
    sims: ["raft"],
  },
  {
    name: "vote-without-its-term",
    what: "storage: a HardState with a vote is written without its term, so a restarted member holds a vote under an older term",
    file: "src/member/sql-raft-storage.ts",
    from: 'this.meta.set("hs_term", hs.term);',
    to: 'if (hs.vote === "") this.meta.set("hs_term", hs.term);',
    sims: ["member"],
  },
  {
    name: "conf-change-while-one-pending",
    what: "a new leader accepts a membership change before the ones already in its log are applied",
    file: "src/raft/raft.ts",
    from: "this.pendingConfIndex = this.raftLog.lastIndex();\n  }",
    to: "this.pendingConfIndex = 0;\n  }",
    sims: ["raft", "member"],
  },
  {
    name: "read-index-without-quorum",
    what: "the leader answers ReadIndex at its commit index without a heartbeat round confirming it still leads",
    file: "src/raft/raft-leader.ts",
    from: "  if (!r.readOnly.addRequest(r.raftLog.committed, m, ctx)) return;\n  r.readOnly.recvAck(r.id, ctx);\n  bcastHeartbeat(r, ctx);",
    to: "  responseToReadIndexReq(r, m, r.raftLog.committed);\n  void ctx;",
    sims: ["member"],
  },
  {
    name: "quorum-read-before-apply",
    what: "a quorum read answers once it has the read index, without waiting to apply up to it",
    file: "src/member/replica.ts",
    from: "if (this.applied < readIndex) await this.waitApplied(readIndex);",
    to: "void readIndex;",
    sims: ["member"],
  },
  {
    name: "log-crc-unchecked",
    what: "storage: entries are read back without checking their CRC",
    file: "src/member/sql-raft-storage.ts",
    from: "if (entryCrc(entry) !== numberOf(row.crc)) throw",
    to: "if (entryCrc(entry) !== numberOf(row.crc) && entry.index < 0) throw",
    sims: ["member"],
  },
  {
    name: "append-keeps-stale-tail",
    what: "storage: a conflicting append replaces only the entries it writes, keeping the old tail after them",
    file: "src/member/sql-raft-storage.ts",
    from: 'if (firstNew <= this.last) this.sql.exec("DELETE FROM raft_log WHERE idx >= ?", firstNew);',
    to: 'if (firstNew <= this.last) this.sql.exec("DELETE FROM raft_log WHERE idx >= ? AND idx <= ?", firstNew, entries[entries.length - 1]!.index);',
    sims: ["member"],
  },
  {
    name: "snapshot-restore-keeps-old-keys",
    what: "snapshot: installing a snapshot merges it into the old store instead of replacing it",
    file: "src/member/snapshot-pages.ts",
    from: '  sql.exec("DELETE FROM nodes");\n',
    to: "",
    sims: ["member"],
  },
  {
    name: "snapshot-without-request-ids",
    what: "snapshot: the applied request ids are not shipped, so a retried write can apply twice",
    file: "src/member/snapshot-pages.ts",
    from: 'const tables = ["nodes", "history", "requests", "v3_kv",',
    to: 'const tables = ["nodes", "history", "v3_kv",',
    sims: ["member"],
  },
];

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** A copy of the tracked and new files of this worktree, sharing node_modules. */
function copyRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), "mutants-"));
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    try {
      cpSync(join(root, f), join(dir, f));
    } catch {
      // deleted in the worktree but still tracked: not needed
    }
  }
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  return dir;
}

function runSim(dir: string, kind: SimKind, seeds: number): { firstSeed: number | null; invariant: string; seconds: number } {
  const started = Date.now();
  const args = ["--import", "tsx", "scripts/sim.ts", "--seeds", String(seeds), "--stop-at-failure", ...(kind === "member" ? ["--member"] : [])];
  const out = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", maxBuffer: 64 << 20 });
  const text = `${out.stdout}\n${out.stderr}`;
  const fails = [...text.matchAll(/^FAIL (?:member )?seed (\d+) at step \d+: (.*)$/gm)].map((m) => ({ seed: Number(m[1]), invariant: m[2]! }));
  const seedsFailed = fails.map((f) => f.seed);
  const crashed = out.status !== 0 && seedsFailed.length === 0;
  if (crashed) throw new Error(`mutants: the ${kind} simulator did not run:\n${text.slice(-2000)}`);
  const first = fails.sort((a, b) => a.seed - b.seed)[0];
  return { firstSeed: first?.seed ?? null, invariant: first?.invariant ?? "", seconds: (Date.now() - started) / 1000 };
}

function main(): number {
  const only = arg("--only");
  const budget: Record<SimKind, number> = { raft: Number(arg("--raft-seeds") ?? 500), member: Number(arg("--member-seeds") ?? 200) };
  const chosen = mutants.filter((m) => !only || m.name === only);
  const dir = copyRepo();
  let caught = 0;
  try {
    for (const m of chosen) {
      const path = join(dir, m.file);
      const original = readFileSync(path, "utf8");
      if (original.split(m.from).length !== 2) throw new Error(`mutants: ${m.name}: the text to change is not exactly once in ${m.file}`);
      writeFileSync(path, original.replace(m.from, m.to));
      try {
        let verdict = "SURVIVED";
        const tried: string[] = [];
        for (const kind of m.sims) {
          const r = runSim(dir, kind, budget[kind]);
          tried.push(`${kind} ${budget[kind]} seeds ${r.seconds.toFixed(0)} s`);
          if (r.firstSeed !== null) {
            verdict = `caught by the ${kind} sim, first failing seed ${r.firstSeed} (${r.invariant})`;
            caught++;
            break;
          }
        }
        console.log(`${m.name}: ${verdict} (${tried.join("; ")}) — ${m.what}`);
      } finally {
        writeFileSync(path, original);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`mutants: ${caught} caught of ${chosen.length}`);
  return caught === chosen.length ? 0 : 1;
}

process.exitCode = main();
