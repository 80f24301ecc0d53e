/**
 * The Raft cluster simulator CLI.
 *
 *   npm run sim -- --seeds N [--steps M] [--seed S] [--nodes 3|5] [--no-wake] [--trace]
 *
 * Runs seeds S..S+N-1 (default 1..N; `--seed S` alone runs just S) with M steps each
 * (default 1000), split across worker threads, one per core. A failing seed prints its
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

interface Job {
  first: number;
  count: number;
  stride: number;
  offset: number;
  steps: number;
  nodes?: number;
  wake: boolean;
}

type WakeStats = SeedResult["wake"];

interface WorkerReport {
  seeds: number;
  steps: number;
  failures: SeedResult[];
  wake: WakeStats;
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

function runJob(job: Job): WorkerReport {
  const report: WorkerReport = { seeds: 0, steps: 0, failures: [], wake: noWake() };
  for (let i = job.offset; i < job.count; i += job.stride) {
    const opts = job.nodes === undefined ? { steps: job.steps, wake: job.wake } : { steps: job.steps, nodes: job.nodes, wake: job.wake };
    const r = runSeed(job.first + i, opts);
    report.seeds++;
    report.steps += r.steps;
    report.wake = addWake(report.wake, r.wake);
    if (r.violation !== undefined) report.failures.push(r);
  }
  return report;
}

function parseArgs(argv: string[]): { first: number; count: number; steps: number; nodes?: number; trace: boolean; wake: boolean } {
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
  const out = { first: seed ?? 1, count: seeds ?? (seed !== undefined ? 1 : 100), steps, trace: argv.includes("--trace"), wake: !argv.includes("--no-wake") };
  return nodes === undefined ? out : { ...out, nodes };
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

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const base: Omit<Job, "stride" | "offset"> = { first: args.first, count: args.count, steps: args.steps, wake: args.wake };
  if (args.nodes !== undefined) base.nodes = args.nodes;
  let reports: WorkerReport[];
  if (args.trace || args.count === 1) {
    const r = runSeed(args.first, { steps: args.steps, traceAll: args.trace, raftLog: args.trace, wake: args.wake, ...(args.nodes === undefined ? {} : { nodes: args.nodes }) });
    if (args.trace) for (const l of r.trace ?? []) console.log(l);
    reports = [{ seeds: 1, steps: r.steps, failures: r.violation === undefined ? [] : [r], wake: r.wake }];
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
  const seeds = reports.reduce((s, r) => s + r.seeds, 0);
  const steps = reports.reduce((s, r) => s + r.steps, 0);
  if (args.wake) {
    const w = reports.reduce((a, r) => addWake(a, r.wake), noWake());
    console.log(`wake path: ${w.leaderQuiesces} leader quiesces, ${w.evictions} evictions, ${w.resumedLeaders} leaderships resumed, ${w.committedByResumed} entries committed in a resumed term`);
  }
  console.log(`sim: ${seeds} seeds, ${steps} steps, ${failures.length} violations`);
  return failures.length > 0 ? 1 : 0;
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
  parentPort!.postMessage(runJob(workerData as Job));
}
