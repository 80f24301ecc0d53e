/**
 * A small datadriven runner in the style of cockroachdb/datadriven (used by etcd-raft's
 * interaction tests). A file is a sequence of cases:
 *
 *   # comment
 *   command arg key=value key=(v1,v2)
 *   ----
 *   expected output
 *   <blank line ends the case>
 *
 * Output that itself contains blank lines is fenced by a doubled separator:
 *
 *   command
 *   ----
 *   ----
 *   output with
 *
 *   blank lines
 *   ----
 *   ----
 *
 * With REWRITE=1 the file is rewritten with the actual outputs (review the diff).
 */
import { readFileSync, writeFileSync } from "node:fs";

export interface CmdArg {
  key: string;
  vals: string[];
}

export interface TestCase {
  /** 1-based line of the command, for failure messages. */
  line: number;
  cmd: string;
  args: CmdArg[];
  /** The raw command line. */
  input: string;
  expected: string;
}

/** Text between cases (comments, blank lines) is kept verbatim so rewrites preserve it. */
interface Chunk {
  text?: string;
  tc?: TestCase;
}

function parseArgs(line: string): { cmd: string; args: CmdArg[] } {
  const tokens = line.trim().match(/(\S+=\([^)]*\)|\S+)/g) ?? [];
  const cmd = tokens.shift() ?? "";
  const args = tokens.map((t): CmdArg => {
    const eq = t.indexOf("=");
    if (eq < 0) return { key: t, vals: [] };
    const key = t.slice(0, eq);
    let v = t.slice(eq + 1);
    if (v.startsWith("(") && v.endsWith(")")) v = v.slice(1, -1);
    return { key, vals: v === "" ? [] : v.split(",").map((s) => s.trim()) };
  });
  return { cmd, args };
}

function parse(text: string, path: string): Chunk[] {
  const lines = text.split("\n");
  const chunks: Chunk[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.trim() === "" || l.startsWith("#")) {
      chunks.push({ text: l });
      i++;
      continue;
    }
    const cmdLine = i + 1;
    const input = l;
    i++;
    if (lines[i] !== "----") throw new Error(`${path}:${cmdLine}: expected ---- after command`);
    i++;
    const out: string[] = [];
    if (lines[i] === "----") {
      i++;
      while (i < lines.length && !(lines[i] === "----" && lines[i + 1] === "----")) out.push(lines[i++]!);
      if (i >= lines.length) throw new Error(`${path}:${cmdLine}: unterminated ----/---- block`);
      i += 2;
    } else {
      while (i < lines.length && lines[i]!.trim() !== "") out.push(lines[i++]!);
    }
    const { cmd, args } = parseArgs(input);
    chunks.push({ tc: { line: cmdLine, cmd, args, input, expected: out.join("\n") } });
  }
  // A trailing newline yields one empty trailing chunk; keep files ending in exactly one.
  while (chunks.length > 0 && chunks[chunks.length - 1]!.text === "") chunks.pop();
  return chunks;
}

function render(chunks: Chunk[], actual: Map<TestCase, string>): string {
  const out: string[] = [];
  for (const c of chunks) {
    if (c.text !== undefined) {
      out.push(c.text);
      continue;
    }
    const tc = c.tc!;
    const a = actual.get(tc) ?? tc.expected;
    out.push(tc.input, "----");
    if (a.split("\n").some((l) => l.trim() === "")) out.push("----", a, "----", "----");
    else out.push(a);
    // Cases are separated by a blank line unless the file already has one.
  }
  return out.join("\n") + "\n";
}

export interface RunResult {
  mismatches: { tc: TestCase; actual: string }[];
}

/**
 * Runs every case through `handle` (which returns the output text). Returns mismatches;
 * with REWRITE=1 rewrites the file instead and reports none.
 */
export function runFile(path: string, handle: (tc: TestCase) => string): RunResult {
  const chunks = parse(readFileSync(path, "utf8"), path);
  const actual = new Map<TestCase, string>();
  const mismatches: RunResult["mismatches"] = [];
  for (const c of chunks) {
    if (c.tc === undefined) continue;
    let a: string;
    try {
      a = handle(c.tc).replace(/\s+$/, "");
    } catch (err) {
      a = `panic: ${(err as Error).message}`;
    }
    if (a === "") a = "ok";
    actual.set(c.tc, a);
    if (a !== c.tc.expected) mismatches.push({ tc: c.tc, actual: a });
  }
  if (process.env["REWRITE"] === "1") {
    writeFileSync(path, render(chunks, actual));
    return { mismatches: [] };
  }
  return { mismatches };
}

export function argVals(tc: TestCase, key: string): string[] | undefined {
  return tc.args.find((a) => a.key === key)?.vals;
}

export function argVal(tc: TestCase, key: string): string | undefined {
  return argVals(tc, key)?.[0];
}

/** Positional arguments (those without '='). */
export function positional(tc: TestCase): string[] {
  return tc.args.filter((a) => a.vals.length === 0 && !tc.input.includes(`${a.key}=`)).map((a) => a.key);
}
