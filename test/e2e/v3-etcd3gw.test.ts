/**
 * A real v3 gateway client, Python's etcd3gw (Debian python3-etcd3gw), unchanged: put, get,
 * prefix get, delete, txn (create/replace), a lease kept alive and left to expire, revoke, and
 * watches. The same script runs against a real etcd 3.4 and against ours; what it saw must match.
 *
 * On the local cluster the watches are left out: wrangler dev's proxy re-chunks streamed bodies,
 * and etcd3gw reads every HTTP chunk as one whole JSON message (etcd's gateway, our Worker and
 * the in-process server write one message per chunk; the in-process run covers the watches).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApp } from "../../src/http/app.js";
import { DirectHandler } from "../../src/http/direct-handler.js";
import { V3Direct } from "../../src/http/v3-direct.js";
import { serveNode, type NodeServer } from "../../scripts/lib/node-server.js";
import { startEtcd, type EtcdOracle } from "../oracle/etcd-oracle.js";

const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const script = new URL("../v3/etcd3gw_client.py", import.meta.url).pathname;
/** The script keeps a lease alive for 5 s and waits for it to expire: generous. */
const scriptMsMax = 60_000;

function run(url: string, prefix: string, mode = ""): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script, url, prefix, ...(mode ? [mode] : [])], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (err += String(d)));
    const timer = setTimeout(() => child.kill("SIGKILL"), scriptMsMax);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`etcd3gw script exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as Record<string, unknown>);
    });
  });
}

describe("etcd3gw (Python) against the v3 gateway", () => {
  let etcd: EtcdOracle;
  let local: NodeServer;
  let handler: DirectHandler;
  let v3: V3Direct;

  beforeAll(async () => {
    handler = new DirectHandler();
    v3 = new V3Direct({ clusterId: handler.clusterId(), memberId: "8e9e05c52164694d" });
    [etcd, local] = await Promise.all([startEtcd(), serveNode(createApp({ handler, now: () => Date.now(), v3 }), 0)]);
  });

  afterAll(async () => {
    handler?.close();
    v3?.close();
    await Promise.all([etcd?.stop(), local?.close()]);
  });

  it("sees on the local cluster what it sees on etcd (watches aside)", async () => {
    const prefix = `/etcd3gw-${process.pid}/`;
    const [expected, got] = await Promise.all([run(etcd.clientURL, prefix, "no-watch"), run(inject("clusterUrl"), prefix, "no-watch")]);
    expect(got).toEqual(expected);
    expect(got.kept_alive).toEqual(["v"]);
    expect(got.get_prefix).toHaveLength(3);
  });

  it("sees in-process, watches included, what it sees on etcd", async () => {
    const prefix = `/etcd3gw-all-${process.pid}/`;
    const [expected, got] = await Promise.all([run(etcd.clientURL, prefix), run(local.url, prefix)]);
    expect(got).toEqual(expected);
    expect(got.watch_prefix).toHaveLength(3);
  });
});
