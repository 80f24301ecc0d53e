/**
 * The Raft cluster simulator CLI.
 *
 *   npm run sim -- --seeds N [--steps M] [--seed S] [--random] [--nodes 3|5] [--no-wake] [--trace]
 *   npm run sim -- --member --seeds N [--steps M] [--seed S] [--random] [--trace]
 *   npm run sim -- --ci
 *
 * Runs seeds S..S+N-1 (default 1..N; `--seed S` alone runs just S) with M steps each
 * (default 1000), split across worker threads, one per core. `--random` draws the first seed
 * at random and prints it (a failure still prints the command that replays it). `--member`
 * runs the member simulator (test/sim/member: the shipped Replica over SQLite) instead of the
 * Raft-core one. `--ci` is `npm run test:sim`: fixed and fresh random seeds of both, sized for
 * CI (see ciPlan). A failing seed prints its
 * violated invariant, a trace tail and the command that replays it. `--no-wake` turns off
 * quiescence, eviction and the wake path (the runs from before they existed). Before the last
 * line, how much of the wake path ran. The LAST line is always
 * `sim: <seeds> seeds, <steps> steps, <violations> violations`; exit code 1 on violations.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { runSeed, type SeedResult } from "../test/sim/run-seed.js";
import { runMemberSeed, type MemberSeedResult } from "../test/sim/member/run-member-seed.js";

interface Job {
  kind: "raft" | "member";
  first: number;
  count: number;
  stride: number;
  offset: number;
  steps: number;
  nodes?: number;
  wake: boolean;
  /** Stop this worker at its first failing seed (the mutant runner wants only "caught, where"). */
  stopAtFailure?: boolean;
}

type WakeStats = SeedResult["wake"];

interface WorkerReport {
  seeds: number;
  steps: number;
  failures: SeedResult[];
  memberFailures: MemberSeedResult[];
  wake: WakeStats;
  member: Record<string, number>;
}

function noWake(): WakeStats {
  return { leaderQuiesces: 0, evictions: 0, resumedLeaders: 0, committedByResumed: 0 };
}

function addWake(a: WakeStats, b: WakeStats): WakeStats {
  return {
    leaderQuiesces: a.leaderQuiesces + b.leaderQuiesces,
    evictions: a.evictions + b.evictions,
    resumedLeaders: a.resumedLeaders + b.resumedLeaders,
    committedByResumed: a.committedByResumed + b.committedByResumed,
  };
}

async function runJob(job: Job): Promise<WorkerReport> {
  const report: WorkerReport = { seeds: 0, steps: 0, failures: [], memberFailures: [], wake: noWake(), member: {} };
  for (let i = job.offset; i < job.count; i += job.stride) {
    if (job.kind === "member") {
      const r = await runMemberSeed(job.first + i, { steps: job.steps });
      report.seeds++;
      report.steps += r.steps;
      for (const [k, v] of Object.entries(r.stats)) report.member[k] = (report.member[k] ?? 0) + v;
      if (r.violation !== undefined) report.memberFailures.push(r);
      if (r.violation !== undefined && job.stopAtFailure) break;
      continue;
    }
    const opts = job.nodes === undefined ? { steps: job.steps, wake: job.wake } : { steps: job.steps, nodes: job.nodes, wake: job.wake };
    const r = runSeed(job.first + i, opts);
    report.seeds++;
    report.steps += r.steps;
    report.wake = addWake(report.wake, r.wake);
    if (r.violation !== undefined) report.failures.push(r);
    if (r.violation !== undefined && job.stopAtFailure) break;
  }
  return report;
}

interface Args {
  kind: "raft" | "member";
  first: number;
  count: number;
  steps: number;
  nodes?: number;
  trace: boolean;
  wake: boolean;
  random: boolean;
  ci: boolean;
  stopAtFailure: boolean;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`sim: ${name} wants a non-negative integer, got ${v}`);
    return n;
  };
  const seed = num("--seed", get("--seed"));
  const seeds = num("--seeds", get("--seeds"));
  const steps = num("--steps", get("--steps")) ?? 1000;
  const nodes = num("--nodes", get("--nodes"));
  if (nodes !== undefined && nodes !== 3 && nodes !== 5) throw new Error("sim: --nodes must be 3 or 5");
  const random = argv.includes("--random");
  const out: Args = {
    kind: argv.includes("--member") ? "member" : "raft",
    first: seed ?? (random ? randomBase() : 1),
    count: seeds ?? (seed !== undefined ? 1 : 100),
    steps,
    trace: argv.includes("--trace"),
    wake: !argv.includes("--no-wake"),
    random,
    ci: argv.includes("--ci"),
    stopAtFailure: argv.includes("--stop-at-failure"),
  };
  if (nodes !== undefined) out.nodes = nodes;
  return out;
}

/** A fresh first seed, far from the fixed ranges and small enough to type. */
function randomBase(): number {
  return 1_000_000 + Math.floor(Math.random() * 2_000_000_000);
}

function describeMemberFailure(r: MemberSeedResult, steps: number): string {
  const v = r.violation!;
  const p = r.params;
  return [
    `FAIL member seed ${r.seed} at step ${v.step}: ${v.invariant}`,
    `  ${v.message}`,
    `  swarm: ${p.nodes} members, drop ${p.faults.dropP.toFixed(2)}, dup ${p.faults.dupP.toFixed(2)}, delay ≤${p.faults.delayTicksMax}, reorder ${p.faults.reorder}, ` +
      `electionTicks ${p.electionTicks}, snapshotCount ${p.snapshotCount}, maxSizePerMsg ${p.maxSizePerMsgBytes}`,
    `  trace tail:`,
    ...r.traceTail.map((l) => `    ${l}`),
    `  replay: npm run sim -- --member --seed ${r.seed} --steps ${steps} --trace`,
  ].join("\n");
}

function describeFailure(r: SeedResult, steps: number, nodes: number | undefined, wake: boolean): string {
  const v = r.violation!;
  const p = r.params;
  const f = p.faults;
  const lines = [
    `FAIL seed ${r.seed} at step ${v.step}: ${v.invariant}`,
    `  ${v.message}`,
    `  swarm: ${p.nodes} nodes, drop ${f.dropP.toFixed(2)}, dup ${f.dupP.toFixed(2)}, delay ≤${f.delayTicksMax}, reorder ${f.reorder}, ` +
      `preVote ${p.raft.preVote}, checkQuorum ${p.raft.checkQuorum}, electionTick ${p.raft.electionTick}`,
    `  trace tail:`,
    ...r.traceTail.map((l) => `    ${l}`),
    `  replay: npm run sim -- --seed ${r.seed} --steps ${steps}${nodes === undefined ? "" : ` --nodes ${nodes}`}${wake ? "" : " --no-wake"} --trace`,
  ];
  return lines.join("\n");
}

// Node 20 workers do not inherit tsx's loader hooks: register them, then load this file.
const workerBoot = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;

/**
 * What `npm run test:sim` runs: ≥ 5,000 seeds and ≥ 10M steps, half the seeds fixed (the same
 * every run) and half fresh. The member simulator is ~20 times slower per step than the
 * Raft-core one (real SQLite through WebAssembly), so it gets fewer, equally long seeds.
 */
const ciPlan = {
  raft: { seeds: 5_000, steps: 2_000 },
  member: { seeds: 200, steps: 1_000 },
};

interface Totals {
  seeds: number;
  steps: number;
  violations: number;
}

async function runBatch(args: Args): Promise<Totals> {
  const base: Omit<Job, "stride" | "offset"> = { kind: args.kind, first: args.first, count: args.count, steps: args.steps, wake: args.wake, stopAtFailure: args.stopAtFailure };
  if (args.nodes !== undefined) base.nodes = args.nodes;
  const label = args.kind === "member" ? "member sim" : "raft sim";
  if (args.random) console.log(`${label}: base seed ${args.first} (seeds ${args.first}..${args.first + args.count - 1})`);
  let reports: WorkerReport[];
  const startedMs = Date.now();
  if (args.trace || args.count === 1) {
    const job: Job = { ...base, stride: 1, offset: 0 };
    if (args.trace && args.kind === "member") {
      const r = await runMemberSeed(args.first, { steps: args.steps, traceAll: true });
      for (const l of r.trace ?? []) console.log(l);
      reports = [{ seeds: 1, steps: r.steps, failures: [], memberFailures: r.violation === undefined ? [] : [r], wake: noWake(), member: r.stats }];
    } else if (args.trace) {
      const r = runSeed(args.first, { steps: args.steps, traceAll: true, raftLog: true, wake: args.wake, ...(args.nodes === undefined ? {} : { nodes: args.nodes }) });
      for (const l of r.trace ?? []) console.log(l);
      reports = [{ seeds: 1, steps: r.steps, failures: r.violation === undefined ? [] : [r], memberFailures: [], wake: r.wake, member: {} }];
    } else {
      reports = [await runJob(job)];
    }
  } else {
    const workers = Math.max(1, Math.min(availableParallelism(), args.count));
    reports = await Promise.all(
      Array.from({ length: workers }, (_, k) =>
        new Promise<WorkerReport>((resolve, reject) => {
          const w = new Worker(workerBoot, { eval: true, workerData: { ...base, stride: workers, offset: k } satisfies Job });
          w.once("message", (m: WorkerReport) => resolve(m));
          w.once("error", reject);
          w.once("exit", (code) => (code !== 0 ? reject(new Error(`sim: worker exited with ${code}`)) : undefined));
        }),
      ),
    );
  }
  const failures = reports.flatMap((r) => r.failures).sort((a, b) => a.seed - b.seed);
  for (const f of failures) console.log(describeFailure(f, args.steps, args.nodes, args.wake));
  const memberFailures = reports.flatMap((r) => r.memberFailures).sort((a, b) => a.seed - b.seed);
  for (const f of memberFailures) console.log(describeMemberFailure(f, args.steps));
  const seeds = reports.reduce((s, r) => s + r.seeds, 0);
  const steps = reports.reduce((s, r) => s + r.steps, 0);
  if (args.kind === "raft" && args.wake) {
    const w = reports.reduce((a, r) => addWake(a, r.wake), noWake());
    console.log(`wake path: ${w.leaderQuiesces} leader quiesces, ${w.evictions} evictions, ${w.resumedLeaders} leaderships resumed, ${w.committedByResumed} entries committed in a resumed term`);
  }
  if (args.kind === "member") {
    const m: Record<string, number> = {};
    for (const r of reports) for (const [k, v] of Object.entries(r.member)) m[k] = (m[k] ?? 0) + v;
    console.log(`member sim: ${Object.entries(m).map(([k, v]) => `${v} ${k}`).join(", ")}`);
  }
  const violations = failures.length + memberFailures.length;
  const seconds = (Date.now() - startedMs) / 1000;
  console.log(`${label}: ${seeds} seeds, ${steps} steps, ${violations} violations in ${seconds.toFixed(1)} s (${Math.round(steps / seconds)} steps/s)`);
  return { seeds, steps, violations };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  let totals: Totals;
  if (args.ci) {
    const common = { trace: false, wake: true, ci: false, stopAtFailure: false };
    const parts: Args[] = [
      { ...common, kind: "raft", first: 1, count: ciPlan.raft.seeds / 2, steps: ciPlan.raft.steps, random: false },
      { ...common, kind: "raft", first: randomBase(), count: ciPlan.raft.seeds / 2, steps: ciPlan.raft.steps, random: true },
      { ...common, kind: "member", first: 1, count: ciPlan.member.seeds / 2, steps: ciPlan.member.steps, random: false },
      { ...common, kind: "member", first: randomBase(), count: ciPlan.member.seeds / 2, steps: ciPlan.member.steps, random: true },
    ];
    totals = { seeds: 0, steps: 0, violations: 0 };
    for (const p of parts) {
      const t = await runBatch(p);
      totals = { seeds: totals.seeds + t.seeds, steps: totals.steps + t.steps, violations: totals.violations + t.violations };
    }
  } else {
    totals = await runBatch(args);
  }
  console.log(`sim: ${totals.seeds} seeds, ${totals.steps} steps, ${totals.violations} violations`);
  return totals.violations > 0 ? 1 : 0;
}

if (isMainThread) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      console.log("sim: 0 seeds, 0 steps, 1 violations");
      process.exitCode = 1;
    },
  );
} else {
  void runJob(workerData as Job).then((r) => parentPort!.postMessage(r));
}
