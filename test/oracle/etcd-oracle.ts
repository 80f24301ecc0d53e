/**
 * A real etcd 3.4 (v2 store enabled) on loopback, for the differential suite: ephemeral
 * ports, a temp data dir, a health deadline, and a kill on stop or on process exit.
 *
 * @module
 */
import { freePort } from "../../scripts/lib/local-cluster.js";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, openSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** How long a fresh etcd may take to report healthy. */
const startupMsMax = 20_000;
const healthPollMs = 50;

export interface EtcdOracle {
  clientPort: number;
  peerPort: number;
  clientURL: string;
  stop(): Promise<void>;
}


const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

export async function startEtcd(name = "n1"): Promise<EtcdOracle> {
  const clientPort = await freePort();
  const peerPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "etcd-oracle-"));
  const clientURL = `http://127.0.0.1:${clientPort}`;
  const peerURL = `http://127.0.0.1:${peerPort}`;
  const log = openSync(join(dir, "etcd.log"), "w");
  const child = spawn(
    "etcd",
    [
      "--name", name,
      "--data-dir", join(dir, "data"),
      "--enable-v2",
      "--listen-client-urls", clientURL,
      "--advertise-client-urls", clientURL,
      "--listen-peer-urls", peerURL,
      "--initial-advertise-peer-urls", peerURL,
      "--initial-cluster", `${name}=${peerURL}`,
      "--initial-cluster-state", "new",
    ],
    { stdio: ["ignore", log, log] },
  );
  closeSync(log);
  running.add(child);
  let exited = false;
  const exitedP = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      running.delete(child);
      resolve();
    });
  });
  const stop = async () => {
    if (!exited) child.kill("SIGKILL");
    await exitedP;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + startupMsMax;
  for (;;) {
    if (exited) throw new Error(`etcd exited during startup; log in ${dir}`);
    try {
      const r = await fetch(`${clientURL}/health`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error("etcd did not become healthy in time");
    }
    await new Promise((r) => setTimeout(r, healthPollMs));
  }
  return { clientPort, peerPort, clientURL, stop };
}
