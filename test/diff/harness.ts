/**
 * The differential harness: the same scenario runs against a real etcd 3.4 and against our app
 * (DirectHandler over node:http); each recorded reply is normalised (index deltas from the
 * X-Etcd-Index before the case, masked times and raft headers) and the two logs must be equal.
 *
 * @module
 */
import { afterAll, beforeAll, expect, inject } from "vitest";
import { createApp } from "../../src/http/app.js";
import { DirectHandler } from "../../src/http/direct-handler.js";
import { serveNode, type NodeServer } from "../../scripts/lib/node-server.js";
import { startEtcd, type EtcdOracle } from "../oracle/etcd-oracle.js";
import { send, watch, type Reply, type SendOptions, type WatchHandle } from "./http-client.js";

export interface Targets {
  etcd: EtcdOracle;
  ours: Pick<NodeServer, "port" | "url" | "close">;
  handler: DirectHandler | null;
}

/**
 * Our side is the in-process app (DirectHandler), or — with DIFF_TARGET=cluster (the
 * diff-cluster project) — the local 3-member cluster started by the e2e global setup.
 */
const againstCluster = process.env.DIFF_TARGET === "cluster";
/**
 * DIFF_TARGET=etcd puts a second real etcd on our side: a new scenario must agree with itself
 * on two real servers (no timing or ordering luck in it) before it may judge ours.
 */
const againstEtcd = process.env.DIFF_TARGET === "etcd";

/** Starts both servers for one test file; stops them after it. */
export function useTargets(): () => Targets {
  let t: Targets | null = null;
  beforeAll(async () => {
    if (againstCluster) {
      const url = inject("clusterUrl");
      t = { etcd: await startEtcd(), ours: { url, port: Number(new URL(url).port), close: async () => {} }, handler: null };
      return;
    }
    if (againstEtcd) {
      const [etcd, twin] = await Promise.all([startEtcd(), startEtcd()]);
      t = { etcd, ours: { url: twin.clientURL, port: twin.clientPort, close: twin.stop }, handler: null };
      return;
    }
    const handler = new DirectHandler();
    const app = createApp({ handler, now: () => Date.now(), member: handler.memberEndpoints() });
    const [etcd, ours] = await Promise.all([startEtcd(), serveNode(app, 0)]);
    handler.clientURL = ours.url;
    t = { etcd, ours, handler };
  });
  afterAll(async () => {
    if (t === null) return;
    t.handler?.close();
    await Promise.all([t.etcd.stop(), t.ours.close()]);
  });
  return () => {
    if (t === null) throw new Error("targets not started");
    return t;
  };
}

const keptHeaders = [
  "content-type", "allow", "location", "x-content-type-options",
  "access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers",
  // etcd's 401s carry none: a browser must not pop up a login dialog.
  "www-authenticate",
];
const presenceHeaders = ["x-etcd-cluster-id", "x-raft-index", "x-raft-term"];
const rfc3339Nano = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

export interface Client {
  /** Unique key prefix of this case ("/t3"); the same on both targets. */
  p: string;
  /** X-Etcd-Index before the case. */
  E0: number;
  port: number;
  /** Send and record. */
  req(method: string, target: string, opts?: SendOptions): Promise<Reply>;
  /** Send without recording. */
  raw(method: string, target: string, opts?: SendOptions): Promise<Reply>;
  /** Start a watch (GET, optional request headers); record its replies with `record`. */
  watch(target: string, headers?: Record<string, string>): WatchHandle;
  record(label: string, r: Reply): void;
  /** Record an arbitrary normalised value. */
  note(label: string, v: unknown): void;
  /** Poll (unrecorded) until `ok`, then record the final reply. */
  until(method: string, target: string, ok: (r: Reply) => boolean, deadlineMs?: number): Promise<Reply>;
  /** Poll a condition with a deadline. */
  waitFor(cond: () => boolean | Promise<boolean>, deadlineMs?: number): Promise<void>;
  /** Parsed JSON body. */
  json(r: Reply): any;
  /** Our own server? (only to skip nothing: for messages) */
  name: "etcd" | "ours";
}

interface Log {
  entries: unknown[];
  ttls: number[];
}

function rel(n: number, E0: number): string | number {
  return n === 0 ? 0 : `E0${n - E0 >= 0 ? "+" : ""}${n - E0}`;
}

function normCause(s: string, E0: number): string {
  return s.replace(/\b\d+\b/g, (d) => (d.length >= 20 || Number(d) > E0 ? String(rel(Number(d), E0)) : d));
}

function normKey(k: string, E0: number): string {
  return k.replace(/\d{20}/g, (d) => `<${rel(Number(d), E0)}>`);
}

function normJson(v: any, E0: number, log: Log): any {
  if (Array.isArray(v)) return v.map((x) => normJson(x, E0, log));
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if ((k === "modifiedIndex" || k === "createdIndex" || k === "index") && typeof x === "number") out[k] = rel(x, E0);
    else if (k === "key" && typeof x === "string") out[k] = normKey(x, E0);
    else if (k === "cause" && typeof x === "string") out[k] = normCause(x, E0);
    else if (k === "expiration" && typeof x === "string") {
      expect(x).toMatch(rfc3339Nano);
      expect(Number.isNaN(Date.parse(x))).toBe(false);
      out[k] = "<expiration>";
    } else if (k === "ttl" && typeof x === "number") {
      log.ttls.push(x);
      out[k] = "<ttl>";
    } else out[k] = normJson(x, E0, log);
  }
  return out;
}

/** One reply → a comparable record. */
export function normalize(r: Reply, E0: number, log: Log): unknown {
  const headers: Record<string, string> = {};
  for (const h of keptHeaders) if (r.headers[h] !== undefined) headers[h] = r.headers[h] as string;
  for (const h of presenceHeaders) if (r.headers[h] !== undefined) headers[h] = "<present>";
  if (r.headers["location"] !== undefined) headers["location"] = normKey(r.headers["location"], E0);
  const xi = r.headers["x-etcd-index"];
  if (xi !== undefined) headers["x-etcd-index"] = String(rel(Number(xi), E0));
  let body: unknown = r.body;
  if ((r.headers["content-type"] ?? "").startsWith("application/json") && r.body !== "") {
    const lines = r.body.split("\n");
    const trailingNewline = lines[lines.length - 1] === "";
    if (trailingNewline) lines.pop();
    body = { json: lines.map((l) => normJson(JSON.parse(l), E0, log)), trailingNewline };
  }
  return { status: r.status, headers, body };
}

let caseCounter = 0;

/** Raw event text (stream bodies): its indexes relative to E0, as in normalised replies. */
function relativeIndexes(text: string, E0: number): string {
  return text.replace(/"(modifiedIndex|createdIndex)":(\d+)/g, (m, k: string, n: string) => (Number(n) > E0 ? `"${k}":"E0+${Number(n) - E0}"` : m));
}

/** Which credentials a step sent: requests differing only in them must not share a label. */
export function credentials(headers: Record<string, string> | undefined): string {
  const a = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === "authorization")?.[1];
  if (a === undefined) return "";
  const basic = /^Basic (.*)$/.exec(a);
  return basic ? ` [as ${Buffer.from(basic[1] as string, "base64").toString("utf8")}]` : ` [Authorization: ${a}]`;
}

/** Indexes a case computed from its own replies are above E0: show them relative to it. */
function relativeStep(step: string, E0: number): string {
  return step.replace(/\b(prevIndex|waitIndex)=(\d+)/g, (m, k: string, n: string) => (Number(n) > E0 ? `${k}=E0+${Number(n) - E0}` : m));
}

async function runOn(
  name: "etcd" | "ours",
  port: number,
  p: string,
  scenario: (c: Client) => Promise<void>,
): Promise<Log> {
  const log: Log = { entries: [], ttls: [] };
  const base = await send(port, "GET", "/v2/keys/");
  const E0 = Number(base.headers["x-etcd-index"]);
  const waitFor = async (cond: () => boolean | Promise<boolean>, deadlineMs = 10_000) => {
    const deadline = Date.now() + deadlineMs;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`${name}: condition not met in ${deadlineMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const c: Client = {
    p,
    E0,
    port,
    name,
    raw: (m, t, o) => send(port, m, t, o),
    async req(m, t, o) {
      const r = await send(port, m, t, o);
      log.entries.push({ step: relativeStep(`${m} ${t}`, E0) + credentials(o?.headers), ...(normalize(r, E0, log) as object) });
      return r;
    },
    watch: (t, h) => watch(port, t, h),
    record(label, r) {
      log.entries.push({ step: label, ...(normalize(r, E0, log) as object) });
    },
    note(label, v) {
      log.entries.push({ step: label, value: typeof v === "string" ? relativeIndexes(v, E0) : v });
    },
    async until(m, t, ok, deadlineMs = 10_000) {
      let last: Reply | null = null;
      await waitFor(async () => ok((last = await send(port, m, t))), deadlineMs);
      c.record(`${m} ${t} (polled)`, last as unknown as Reply);
      return last as unknown as Reply;
    },
    waitFor,
    json: (r) => JSON.parse(r.body),
  };
  await scenario(c);
  return log;
}

/** Runs `scenario` on both servers concurrently and requires equal normalised logs. */
export async function diff(targets: () => Targets, scenario: (c: Client) => Promise<void>): Promise<void> {
  const t = targets();
  const p = `/t${++caseCounter}`;
  // Both sides run to the end even when one throws: a side still running would race the next
  // case (or an afterEach restore) on its server.
  const [ra, rb] = await Promise.allSettled([runOn("etcd", t.etcd.clientPort, p, scenario), runOn("ours", t.ours.port, p, scenario)]);
  if (ra.status === "rejected") throw ra.reason;
  if (rb.status === "rejected") throw rb.reason;
  const [a, b] = [ra.value, rb.value];
  // A shared cluster outlives the case: its TTL keys must not expire in the middle of the next
  // one. Both sides drop the case's keys, so both see the same index arithmetic afterwards.
  if (againstCluster) {
    await Promise.all([t.etcd.clientPort, t.ours.port].map((port) => send(port, "DELETE", `/v2/keys${p}?recursive=true`)));
  }
  expect(b.entries).toEqual(a.entries);
  expect(b.ttls.length).toBe(a.ttls.length);
  b.ttls.forEach((ttl, i) => expect(Math.abs(ttl - (a.ttls[i] as number))).toBeLessThanOrEqual(1));
}

export const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
