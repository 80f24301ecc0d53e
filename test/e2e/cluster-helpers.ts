import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalCluster, waitFor, type LocalCluster } from "../../scripts/lib/local-cluster.js";

export interface DebugMember {
  name: string;
  id: string;
  role?: string;
  term?: number;
  commit?: number;
  applied?: number;
  leader?: string;
  quiesced?: boolean;
  error?: string;
}

/** Debug routes need root while auth is on; with auth off the credentials are ignored, as etcd does. */
export class TestCluster {
  private constructor(readonly url: string, private readonly local: LocalCluster | null, private readonly dir: string) {}

  static async start(vars: Record<string, string> = {}): Promise<TestCluster> {
    const dir = mkdtempSync(join(tmpdir(), "etcd-e2e-"));
    const local = await startLocalCluster({ persistTo: dir, vars: { ETCD_DEBUG: "1", ...vars } });
    return new TestCluster(local.url, local, dir);
  }

  /** A cluster started by the global setup. */
  static connect(url: string): TestCluster {
    return new TestCluster(url, null, "");
  }

  async stop(): Promise<void> {
    if (!this.local) return;
    await this.local.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async members(): Promise<DebugMember[]> {
    const res = await fetch(`${this.url}/debug/members`, { headers: rootAuth });
    return ((await res.json()) as { members: DebugMember[] }).members;
  }

  /** The one leader every reachable member agrees on. */
  async leader(timeoutMs = 20_000): Promise<DebugMember> {
    let found: DebugMember | undefined;
    await waitFor(async () => {
      const all = await this.members();
      const leaders = all.filter((m) => m.role === "StateLeader");
      if (leaders.length !== 1) {
        // Nudge sleeping members: a request wakes a quiesced cluster.
        await fetch(`${this.url}/v2/keys/?quorum=true`, { signal: AbortSignal.timeout(3_000) }).catch(() => undefined);
        return false;
      }
      found = leaders[0];
      return true;
    }, timeoutMs);
    return found!;
  }

  async crash(name: string): Promise<void> {
    const res = await fetch(`${this.url}/debug/members/${name}/crash`, { method: "POST", headers: rootAuth });
    if (res.status !== 200) throw new Error(`crash ${name}: ${res.status}`);
  }

  async partition(groups: string[][]): Promise<void> {
    const res = await fetch(`${this.url}/debug/partition`, { method: "PUT", body: JSON.stringify({ groups }), headers: rootAuth });
    if (res.status !== 200) throw new Error(`partition: ${res.status} ${await res.text()}`);
  }

  async heal(): Promise<void> {
    await fetch(`${this.url}/debug/partition`, { method: "DELETE", headers: rootAuth });
  }

  async put(key: string, value: string, base = this.url): Promise<Response> {
    return fetch(`${base}/v2/keys${key}`, {
      method: "PUT",
      body: new URLSearchParams({ value }),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
  }
}

export const names = ["infra0", "infra1", "infra2"];
export const rootPassword = "e2e-root-password";

/**
 * Run `fn` with etcd's auth on (user root with rootPassword; the guest role enable creates), then
 * turn it off and remove root and guest again, even when `fn` fails: the shared cluster stays as
 * a fresh etcd.
 */
export async function withAuthOn<T>(url: string, fn: () => Promise<T>): Promise<T> {
  const json = { "Content-Type": "application/json" };
  const made = await fetch(`${url}/v2/auth/users/root`, { method: "PUT", headers: json, body: JSON.stringify({ user: "root", password: rootPassword }) });
  if (made.status !== 201) throw new Error(`creating root: ${made.status} ${await made.text()}`);
  const on = await fetch(`${url}/v2/auth/enable`, { method: "PUT" });
  if (on.status !== 200) throw new Error(`enabling auth: ${on.status} ${await on.text()}`);
  try {
    return await fn();
  } finally {
    await fetch(`${url}/v2/auth/enable`, { method: "DELETE", headers: rootAuth });
    await fetch(`${url}/v2/auth/users/root`, { method: "DELETE" });
    await fetch(`${url}/v2/auth/roles/guest`, { method: "DELETE" });
  }
}
export const rootAuth = { Authorization: `Basic ${Buffer.from(`root:${rootPassword}`).toString("base64")}` };

/** etcdctl's defaults (1 s per request, 5 s in all) are too tight for a loaded 2-core CI machine. */
export const etcdctlTimeouts = ["--timeout", "10s", "--total-timeout", "30s"];

/** Writes keys under `prefix` until stopped; `acked` holds the ones the cluster acknowledged. */
export function writer(cluster: TestCluster, prefix: string): { acked: string[]; stop: () => Promise<void> } {
  let running = true;
  const acked: string[] = [];
  const done = (async () => {
    for (let i = 0; running; i++) {
      const res = await cluster.put(`${prefix}/k${i}`, `v${i}`).catch(() => null);
      if (res?.status === 201) acked.push(`${prefix}/k${i}`);
    }
  })();
  return { acked, stop: async () => ((running = false), await done) };
}
