/**
 * The real etcdctl (Debian etcd-client, ETCDCTL_API=2) against the local cluster.
 */
import { spawn, spawnSync } from "node:child_process";
import { describe, expect, inject, it } from "vitest";
import { waitFor } from "../../scripts/lib/local-cluster.js";
import { etcdctlTimeouts } from "./cluster-helpers.js";

const url = () => inject("clusterUrl");

function etcdctl(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync("etcdctl", ["--endpoints", url(), ...etcdctlTimeouts, ...args], {
    env: { ...process.env, ETCDCTL_API: "2" },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status ?? -1, out: r.stdout.trim(), err: r.stderr.trim() };
}

describe("etcdctl (API v2)", () => {
  it("set, get, update, mk, rm", () => {
    expect(etcdctl("set", "/ctl/message", "Hello")).toMatchObject({ code: 0, out: "Hello" });
    expect(etcdctl("get", "/ctl/message")).toMatchObject({ code: 0, out: "Hello" });
    expect(etcdctl("update", "/ctl/message", "World")).toMatchObject({ code: 0, out: "World" });
    expect(etcdctl("mk", "/ctl/new", "v1")).toMatchObject({ code: 0, out: "v1" });
    const again = etcdctl("mk", "/ctl/new", "v2");
    expect(again.code).not.toBe(0);
    expect(again.err).toContain("Key already exists");
    expect(etcdctl("rm", "/ctl/new").code).toBe(0);
    const gone = etcdctl("get", "/ctl/new");
    expect(gone.code).not.toBe(0);
    expect(gone.err).toContain("Key not found");
  });

  it("mkdir, ls, updatedir, rmdir", () => {
    expect(etcdctl("mkdir", "/ctl/dir").code).toBe(0);
    expect(etcdctl("set", "/ctl/dir/a", "1").code).toBe(0);
    expect(etcdctl("ls", "/ctl/dir")).toMatchObject({ code: 0, out: "/ctl/dir/a" });
    expect(etcdctl("mkdir", "/ctl/empty").code).toBe(0);
    expect(etcdctl("updatedir", "/ctl/empty", "--ttl", "100").code).toBe(0);
    expect(etcdctl("rmdir", "/ctl/empty").code).toBe(0);
    const ls = etcdctl("ls", "--recursive", "/ctl");
    expect(ls.out.split("\n").sort()).toEqual(["/ctl/dir", "/ctl/dir/a", "/ctl/message"]);
  });

  it("watch returns the next change", async () => {
    const child = spawn("etcdctl", ["--endpoints", url(), ...etcdctlTimeouts, "watch", "/ctl/watched"], { env: { ...process.env, ETCDCTL_API: "2" } });
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
    try {
      // The watch is registered once etcdctl's request reaches the cluster; keep writing until it fires.
      await waitFor(async () => {
        etcdctl("set", "/ctl/watched", "changed");
        return out.includes("changed");
      }, 20_000, () => false, 300);
      expect(await exited).toBe(0);
    } finally {
      child.kill();
    }
  });
});
