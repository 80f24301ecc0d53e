/**
 * The differential harness for the v3 JSON gateway: the same scenario runs against a real
 * etcd 3.4's gateway and ours (the in-process app, or with DIFF_TARGET=cluster the local
 * cluster). Replies are normalised — revisions relative to the store revision before the case,
 * cluster/member ids and raft terms masked, lease IDs the server drew numbered by first
 * appearance, TTLs compared within a second, unordered lists (lease lists, a lease's keys)
 * sorted — and the two logs must be equal.
 *
 * @module
 */
import { afterAll, beforeAll, expect, inject } from "vitest";
import { createApp } from "../../src/http/app.js";
import { DirectHandler } from "../../src/http/direct-handler.js";
import { V3Direct } from "../../src/http/v3-direct.js";
import { serveNode } from "../../scripts/lib/node-server.js";
import { startEtcd, type EtcdOracle } from "../oracle/etcd-oracle.js";
import { send, type Reply } from "../diff/http-client.js";
import { request } from "node:http";

export interface Targets {
  etcd: EtcdOracle;
  oursPort: number;
  close(): Promise<void>;
}

const againstCluster = process.env.DIFF_TARGET === "cluster";

export function useTargets(): () => Targets {
  let t: Targets | null = null;
  beforeAll(async () => {
    if (againstCluster) {
      const url = inject("clusterUrl");
      const etcd = await startEtcd();
      t = { etcd, oursPort: Number(new URL(url).port), close: () => etcd.stop() };
      return;
    }
    const handler = new DirectHandler();
    const v3 = new V3Direct({ clusterId: handler.clusterId(), memberId: "8e9e05c52164694d" });
    const app = createApp({ handler, now: () => Date.now(), member: handler.memberEndpoints(), v3 });
    const [etcd, ours] = await Promise.all([startEtcd(), serveNode(app, 0)]);
    t = {
      etcd,
      oursPort: ours.port,
      close: async () => {
        handler.close();
        v3.close();
        await Promise.all([etcd.stop(), ours.close()]);
      },
    };
  });
  afterAll(async () => {
    await t?.close();
  });
  return () => {
    if (t === null) throw new Error("targets not started");
    return t;
  };
}

export const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
export const unb64 = (s: string): string => Buffer.from(s, "base64").toString("utf8");

export interface Client {
  name: "etcd" | "ours";
  /** The store revision before the case. */
  R0: number;
  /** base64 of the case's key prefix + s. */
  k(s: string): string;
  /** POST and record. */
  post(path: string, body: unknown, label?: string): Promise<any>;
  /** POST without recording. */
  raw(path: string, body: unknown): Promise<Reply>;
  note(label: string, v: unknown): void;
  /** Open a watch stream; lines arrive in `lines`. */
  watch(body: unknown): WatchStream;
  waitFor(cond: () => boolean | Promise<boolean>, deadlineMs?: number): Promise<void>;
  /** Record a watch's lines so far, normalised. */
  recordLines(label: string, w: WatchStream): void;
}

export interface WatchStream {
  lines: any[];
  status: Promise<number>;
  close(): void;
}

interface Log {
  entries: unknown[];
  ttls: number[];
  leases: Map<string, string>;
}

const maskedNumbers = new Set(["raft_term", "raftTerm", "raftIndex", "raftAppliedIndex", "dbSize", "dbSizeInUse"]);
const revisionFields = new Set(["revision", "create_revision", "mod_revision", "compact_revision"]);

function norm(v: any, R0: number, log: Log, parent = ""): any {
  if (Array.isArray(v)) {
    const items = v.map((x) => norm(x, R0, log, parent));
    if (parent === "leases" || parent === "keys") return items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    return items;
  }
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if ((k === "cluster_id" || k === "member_id" || k === "leader") && typeof x === "string") out[k] = "<id>";
    else if (maskedNumbers.has(k) && typeof x === "string") out[k] = "<n>";
    else if (k === "version" && parent === "status") out[k] = "<version>";
    else if (revisionFields.has(k) && typeof x === "string") out[k] = `R0${Number(x) - R0 >= 0 ? "+" : ""}${Number(x) - R0}`;
    else if ((k === "ID" || k === "lease") && typeof x === "string" && x.length >= 10) {
      if (!log.leases.has(x)) log.leases.set(x, `<lease${log.leases.size}>`);
      out[k] = log.leases.get(x);
    } else if ((k === "TTL" || k === "grantedTTL") && typeof x === "string") {
      log.ttls.push(Number(x));
      out[k] = "<ttl>";
    } else out[k] = norm(x, R0, log, k);
  }
  return out;
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return { text: body };
  }
}

let caseCounter = 0;
/** Per test file: files share one cluster, each with its own etcd, so prefixes must not repeat. */
const fileId = Math.random().toString(36).slice(2, 8);

/** A request as a log label, with the revisions a case computed from R0 shown relative to it (R0 differs between servers). */
function label(path: string, body: unknown, R0: number): string {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const relative = text.replace(/"((?:min_|max_)?(?:mod_|create_)?revision|start_revision)":"?(\d+)"?/g, (m, k: string, n: string) => (Number(n) > R0 ? `"${k}":"R0+${Number(n) - R0}"` : m));
  return `POST ${path} ${relative}`;
}

function post(port: number, path: string, body: unknown): Promise<Reply> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return send(port, "POST", path, { body: text, contentType: "application/json" });
}

function openWatch(port: number, body: unknown): WatchStream {
  const lines: any[] = [];
  let statusResolve!: (n: number) => void;
  const status = new Promise<number>((r) => (statusResolve = r));
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const req = request({ host: "127.0.0.1", port, method: "POST", path: "/v3/watch", agent: false, headers: { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(text)) } }, (res) => {
    statusResolve(res.statusCode ?? 0);
    let buf = "";
    res.on("data", (c: Buffer) => {
      buf += c.toString("utf8");
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) lines.push(JSON.parse(line));
      }
    });
    res.on("error", () => {});
    res.on("end", () => {
      if (buf.trim()) lines.push(parse(buf.trim()));
    });
  });
  req.on("error", () => statusResolve(0));
  req.end(text);
  return { lines, status, close: () => req.destroy() };
}

async function runOn(name: "etcd" | "ours", port: number, prefix: string, scenario: (c: Client) => Promise<void>): Promise<Log> {
  const log: Log = { entries: [], ttls: [], leases: new Map() };
  const base = JSON.parse((await post(port, "/v3/kv/range", { key: b64("\u0000probe") })).body);
  const R0 = Number(base.header.revision);
  const watches: WatchStream[] = [];
  const c: Client = {
    name,
    R0,
    k: (s) => b64(prefix + s),
    raw: (path, body) => post(port, path, body),
    async post(path, body, name) {
      const r = await post(port, path, body);
      const parsed = parse(r.body);
      log.entries.push({ step: name ?? label(path, body, R0), status: r.status, type: r.headers["content-type"], grpc: r.headers["grpc-metadata-content-type"], body: norm(parsed, R0, log, path.endsWith("status") ? "status" : "") });
      return parsed;
    },
    note: (label, v) => void log.entries.push({ step: label, value: norm(v, R0, log) }),
    watch(body) {
      const w = openWatch(port, body);
      watches.push(w);
      return w;
    },
    async waitFor(cond, deadlineMs = 15_000) {
      const deadline = Date.now() + deadlineMs;
      while (!(await cond())) {
        if (Date.now() > deadline) throw new Error(`${name}: condition not met in ${deadlineMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    recordLines(label, w) {
      log.entries.push({ step: label, lines: w.lines.map((l) => norm(l, R0, log)) });
    },
  };
  try {
    await scenario(c);
  } finally {
    for (const w of watches) w.close();
  }
  return log;
}

/** Runs `scenario` on both servers concurrently; the normalised logs must be equal. */
export async function diff(targets: () => Targets, scenario: (c: Client) => Promise<void>): Promise<void> {
  const t = targets();
  const prefix = `v3t${++caseCounter}-${fileId}/`;
  const [ra, rb] = await Promise.allSettled([runOn("etcd", t.etcd.clientPort, prefix, scenario), runOn("ours", t.oursPort, prefix, scenario)]);
  if (ra.status === "rejected") throw ra.reason;
  if (rb.status === "rejected") throw rb.reason;
  expect(rb.value.entries).toEqual(ra.value.entries);
  expect(rb.value.ttls.length).toBe(ra.value.ttls.length);
  rb.value.ttls.forEach((ttl, i) => expect(Math.abs(ttl - (ra.value.ttls[i] as number))).toBeLessThanOrEqual(1));
}
