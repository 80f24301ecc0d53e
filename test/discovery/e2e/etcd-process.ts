/**
 * A real etcd 3.4 member on loopback (Debian's etcd-server), started with --discovery.
 * Every process is its own process group so stop() takes its children with it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { freePort, stopProcess, waitFor } from "../../../scripts/lib/local-cluster.js";

export interface EtcdOptions {
  name: string;
  discovery: string;
  dataDir: string;
  /** Reuse ports (a restart with the same peer URL); fresh free ports otherwise. */
  peerPort?: number;
  clientPort?: number;
  fallback?: "proxy" | "exit";
}

export class EtcdProcess {
  private log = "";
  private exited: Promise<number | null>;

  private constructor(readonly name: string, readonly clientURL: string, readonly peerPort: number, readonly clientPort: number, readonly child: ChildProcess) {
    child.stdout?.on("data", (d) => (this.log = (this.log + String(d)).slice(-200_000)));
    child.stderr?.on("data", (d) => (this.log = (this.log + String(d)).slice(-200_000)));
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  static async start(opts: EtcdOptions): Promise<EtcdProcess> {
    const peerPort = opts.peerPort ?? (await freePort());
    const clientPort = opts.clientPort ?? (await freePort());
    const peer = `http://127.0.0.1:${peerPort}`;
    const client = `http://127.0.0.1:${clientPort}`;
    mkdirSync(opts.dataDir, { recursive: true });
    const args = [
      "--name", opts.name,
      "--data-dir", join(opts.dataDir, "data"),
      "--listen-peer-urls", peer,
      "--initial-advertise-peer-urls", peer,
      "--listen-client-urls", client,
      "--advertise-client-urls", client,
      "--discovery", opts.discovery,
      "--discovery-fallback", opts.fallback ?? "proxy",
      "--enable-v2",
      // No metrics listener on a fixed port; keep the proxy's endpoint refresh quick.
      "--proxy-refresh-interval", "1000",
    ];
    const env = { ...process.env };
    for (const k of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"]) delete env[k];
    for (const k of Object.keys(env)) if (k.startsWith("ETCD_") || k.startsWith("ETCDCTL_")) delete env[k];
    const child = spawn("etcd", args, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    return new EtcdProcess(opts.name, client, peerPort, clientPort, child);
  }

  output(): string {
    return this.log;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Wait for the process to exit by itself; its exit code. */
  async exit(timeoutMs: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} still running after ${timeoutMs} ms\n${this.log.slice(-3000)}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** GET a client path; null when it does not answer. */
  async get(path: string): Promise<{ status: number; body: string } | null> {
    try {
      const res = await fetch(`${this.clientURL}${path}`, { signal: AbortSignal.timeout(3_000) });
      return { status: res.status, body: await res.text() };
    } catch {
      return null;
    }
  }

  /** The member names this member's /v2/members lists. */
  async memberNames(): Promise<string[]> {
    const res = await this.get("/v2/members");
    if (!res || res.status !== 200) return [];
    const body = JSON.parse(res.body) as { members: { name: string }[] };
    return body.members.map((m) => m.name).sort();
  }

  async waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    try {
      await waitFor(check, timeoutMs, () => !this.running, 200);
    } catch (e) {
      throw new Error(`${this.name}: ${what}: ${String(e)}\n${this.log.slice(-4000)}`);
    }
  }

  stop(): Promise<void> {
    return stopProcess(this.child);
  }
}
