/**
 * Start and stop a local cluster: `wrangler dev` (miniflare/workerd) serving the front Worker
 * and its member Durable Objects. Used by `npm start`, the end-to-end tests and the bench.
 * Readiness is a condition (GET /health answers 200), polled with a deadline.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface LocalClusterOptions {
  port?: number;
  /** Directory for Durable Object state; kept across restarts. */
  persistTo?: string;
  /** Extra wrangler vars (e.g. { ETCD_DEBUG: "1" }). */
  vars?: Record<string, string>;
  /** Wrangler config file (default wrangler.toml). */
  config?: string;
  readyTimeoutMs?: number;
  /** Extra environment for wrangler (e.g. a private WRANGLER_REGISTRY_PATH). */
  env?: Record<string, string>;
  /** Path polled for readiness (any answer below 500 counts for a non-default path). */
  readyCheckPath?: string;
  /** Print wrangler's output (npm start) instead of keeping it for diagnostics. */
  inheritOutput?: boolean;
  /**
   * Attach wrangler's DevTools inspector, as `wrangler dev` always does (default true). The
   * benchmarks turn it off (scripts/lib/dev-server.ts): it costs every request work in two more
   * processes, and deployed Workers have none.
   */
  inspector?: boolean;
}

export interface LocalCluster {
  url: string;
  /** The workerd running the Worker, behind wrangler's dev proxy (known only without the inspector). */
  directUrl(): string | null;
  port: number;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  const port = opts.port ?? (await freePort());
  const config = opts.config ?? "wrangler.toml";
  // wrangler.toml locks a fresh deploy down; a local cluster starts as a fresh etcd unless asked.
  const vars = opts.config && opts.config !== "wrangler.toml" ? { ...opts.vars } : { ETCD_AUTH_BOOTSTRAP: "off", ...opts.vars };
  let args: string[];
  if (opts.inspector === false) {
    args = ["node", "--import", "tsx", "scripts/lib/dev-server.ts", JSON.stringify({ config, port, persistTo: opts.persistTo, vars })];
  } else {
    args = ["npx", "wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort())];
    args.push("--config", config);
    if (opts.persistTo) args.push("--persist-to", opts.persistTo);
    for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  }
  const child = spawn(args[0]!, args.slice(1), {
    cwd: projectRoot,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_UPDATE_NOTIFIER: "1", ...opts.env },
    stdio: opts.inheritOutput ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  child.stdout?.on("data", (d) => (log = (log + String(d)).slice(-20_000)));
  child.stderr?.on("data", (d) => (log = (log + String(d)).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const cluster: LocalCluster = {
    url,
    port,
    process: child,
    output: () => log,
    directUrl: () => /dev-server: ready on \S+ \(no inspector\); direct (http:\/\/\S+)/.exec(log)?.[1] ?? null,
    stop: () => stopProcess(child),
  };
  try {
    const path = opts.readyCheckPath ?? "/health";
    const ready = async () => {
      const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      return path === "/health" ? res.status === 200 : res.status < 500;
    };
    await waitFor(ready, opts.readyTimeoutMs ?? 90_000, () => child.exitCode !== null);
  } catch (e) {
    await cluster.stop();
    throw new Error(`local cluster did not become healthy: ${String(e)}\n${log}`);
  }
  return cluster;
}

/** Poll `check` until it returns true; throw after `timeoutMs`, or at once if `abort()` says so. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, abort: () => boolean = () => false, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    if (abort()) throw new Error(`gave up: process exited (${String(last)})`);
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms (${String(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}
