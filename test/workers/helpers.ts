import { env, exports } from "cloudflare:workers";
import type { Env } from "../../src/member/env.js";
import type { MemberStatus } from "../../src/member/rpc-types.js";

export const testEnv = env as unknown as Env;
export const token = "etcd-cluster";
export const names = ["infra0", "infra1", "infra2"];

export function member(name: string) {
  return testEnv.MEMBER.getByName(`${token}/${name}`);
}

export function address(name: string) {
  return { token, name };
}

export async function api(path: string, init?: RequestInit): Promise<Response> {
  const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } }).default;
  return worker.fetch(new Request(`http://etcd.test${path}`, init));
}

export async function statuses(): Promise<MemberStatus[]> {
  return Promise.all(names.map((n) => member(n).status(address(n))));
}

/** Poll until `check` holds (real alarms drive the members), or fail after timeoutMs. */
export async function eventually<T>(what: string, check: () => Promise<T | false | null | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${String(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function leader(): Promise<MemberStatus> {
  return eventually("a leader", async () => {
    const all = await statuses();
    const leaders = all.filter((s) => s.role === "StateLeader");
    if (leaders.length !== 1) return false;
    const l = leaders[0]!;
    return all.every((s) => s.leaderName === l.name || s.term < l.term) ? l : false;
  });
}

export function form(values: Record<string, string>): RequestInit {
  return { method: "PUT", body: new URLSearchParams(values), headers: { "Content-Type": "application/x-www-form-urlencoded" } };
}
