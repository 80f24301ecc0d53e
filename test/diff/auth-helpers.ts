/**
 * Shared by the auth differential files (auth.test.ts, auth-access.test.ts): explicit Basic
 * credentials, JSON writes to /v2/auth recorded with their body, and the restore that runs
 * after every test on both servers. The diff-cluster run shares one long-lived cluster with
 * the other files, so each test must leave it as it found it — auth off, no users or roles but
 * the ones it had before this file, no keys under the case prefix — even when the test failed.
 *
 * @module
 */
import { afterEach, beforeAll } from "vitest";
import { credentials, diff, type Client, type Targets } from "./harness.js";
import { basicAuth, send, type Reply, type WatchHandle } from "./http-client.js";

export const A = "/v2/auth";
export const K = "/v2/keys";

export const rootPw = "root-pw";
/** Some cases change root's password: the restore tries this one too. */
export const rootPw2 = "root-pw-2";
export const root = basicAuth("root", rootPw);
export const bearer = { Authorization: "Bearer x" };

/** Options that send `headers` (credentials) and nothing else. */
export const as = (headers: Record<string, string>) => ({ headers });

/** PUT a JSON body (object, or raw text for malformed cases); the step label shows the body. */
export async function put(c: Client, path: string, body: unknown, headers?: Record<string, string>): Promise<Reply> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const r = await c.raw("PUT", path, { body: text, contentType: "application/json", ...(headers ? { headers } : {}) });
  c.record(`PUT ${path} ${text}${credentials(headers)}`, r);
  return r;
}

/** Record a reply whose body differs by nature between servers (member ids, URLs): status, headers, `shape`. */
export function recordMasked(c: Client, label: string, r: Reply, shape: unknown): void {
  c.record(label, { ...r, body: "" });
  c.note(`${label} body`, shape);
}

/** The parsed JSON body, or the raw text when it is none (so a wrong reply is a diff, not a crash). */
export function jsonOr(r: Reply): any {
  try {
    return JSON.parse(r.body);
  } catch {
    return r.body;
  }
}

/** Headers of a watch arrive when it is registered (etcd flushes them): record them, with a deadline. */
export async function registered(c: Client, w: WatchHandle, label = "watch headers"): Promise<void> {
  const head = await Promise.race([
    w.headers,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${c.name}: watch headers not flushed`)), 5_000)),
  ]);
  c.record(label, head);
}

/** The reply a watch ends with, with a deadline: a watch that never fires fails its test, not the run. */
export async function settled(c: Client, w: WatchHandle, deadlineMs = 10_000): Promise<Reply> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      w.done,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${c.name}: watch did not fire in ${deadlineMs} ms`)), deadlineMs))),
    ]);
  } finally {
    clearTimeout(timer);
    w.close();
  }
}

/** Creates user root (recorded) and turns auth on; guest is then read+write "/*". */
export async function enableWithRoot(c: Client): Promise<void> {
  await put(c, `${A}/users/root`, { user: "root", password: rootPw });
  await c.req("PUT", `${A}/enable`);
}

interface Snapshot {
  users: string[];
  roles: string[];
}

/** Case prefixes used by this file's tests: their keys go in the restore. */
const prefixes = new Set<string>();

/** `diff`, remembering the case prefix for the restore. */
export function authDiff(t: () => Targets, scenario: (c: Client) => Promise<void>): Promise<void> {
  return diff(t, async (c) => {
    prefixes.add(c.p);
    await scenario(c);
  });
}

async function names(port: number, what: "users" | "roles"): Promise<string[]> {
  const r = await send(port, "GET", `${A}/${what}`);
  if (r.status !== 200) throw new Error(`port ${port}: GET ${A}/${what} → ${r.status} ${r.body}`);
  const list = (JSON.parse(r.body) as Record<string, { user?: string; role?: string }[] | null>)[what] ?? [];
  return list.map((x) => (what === "users" ? x.user : x.role) as string);
}

/** Fails loudly on an unexpected reply in the set-up and restore (they are not compared). */
async function must(port: number, method: string, target: string, ok: number[], body?: string): Promise<Reply> {
  const r = await send(port, method, target, body === undefined ? {} : { body, contentType: "application/json" });
  if (!ok.includes(r.status)) throw new Error(`port ${port}: ${method} ${target} → ${r.status} ${r.body}`);
  return r;
}

async function snapshot(port: number): Promise<Snapshot> {
  const e = await must(port, "GET", `${A}/enable`, [200]);
  // Another file (or an earlier run) left auth on: nothing here could be compared, say so.
  if (e.body !== '{"enabled":false}\n') throw new Error(`port ${port}: auth is not off before this file: ${e.body}`);
  // The first auth write of a store also creates /2, /2/users, /2/roles and /2/enabled (four
  // more indexes). The shared cluster has seen auth writes before when the real etcd of this file
  // has not: one write and delete on both makes every later index jump the same on both.
  await must(port, "PUT", `${A}/roles/auth-test-prime`, [201], '{"role":"auth-test-prime"}');
  await must(port, "DELETE", `${A}/roles/auth-test-prime`, [200]);
  return { users: await names(port, "users"), roles: await names(port, "roles") };
}

async function restore(port: number, before: Snapshot): Promise<void> {
  for (const pw of [rootPw, rootPw2]) {
    const r = await send(port, "DELETE", `${A}/enable`, { headers: basicAuth("root", pw) });
    if (r.status === 200 || r.status === 409) break;
  }
  const e = await send(port, "GET", `${A}/enable`);
  if (e.body !== '{"enabled":false}\n') throw new Error(`port ${port}: could not turn auth off: ${e.status} ${e.body}`);
  for (const u of await names(port, "users")) if (!before.users.includes(u)) await must(port, "DELETE", `${A}/users/${u}`, [200]);
  for (const role of await names(port, "roles")) {
    if (role !== "root" && !before.roles.includes(role)) await must(port, "DELETE", `${A}/roles/${role}`, [200]);
  }
  for (const p of prefixes) await send(port, "DELETE", `${K}${p}?recursive=true`);
}

/** Snapshot both servers before the file; restore both after every test (failed ones too). */
export function useAuthRestore(t: () => Targets): void {
  const before = new Map<number, Snapshot>();
  const ports = () => [t().etcd.clientPort, t().ours.port];
  beforeAll(async () => {
    for (const port of ports()) before.set(port, await snapshot(port));
  });
  afterEach(async () => {
    // Both servers are restored even when one of them cannot be; the first failure is reported.
    const results = await Promise.allSettled(ports().map((port) => restore(port, before.get(port) as Snapshot)));
    prefixes.clear();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  });
}
