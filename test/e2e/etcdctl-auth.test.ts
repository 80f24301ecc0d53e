/**
 * The real etcdctl (Debian etcd-client, ETCDCTL_API=2) managing v2 auth: users, roles, the
 * auth switch, and `--username` on key and member commands. Every command runs first against a
 * real etcd 3.4 and then against the local cluster; both must exit with the same code and print
 * the same stdout and stderr (endpoints, ids and indexes masked). The literal expectations pin
 * what the real etcd printed, so a changed oracle cannot pass unnoticed.
 *
 * Passwords go in the way scripts feed them: `user add name:password` and `--username
 * user:password` never prompt; `user passwd` (and `user add name`) always prompt and read the
 * new password from stdin, which may be a pipe — etcdctl's `stty -echo` then fails with a
 * warning on stderr (the same on both servers) and the line is read anyway. No terminal needed.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../../scripts/lib/local-cluster.js";
import { startEtcd, type EtcdOracle } from "../oracle/etcd-oracle.js";
import { etcdctlTimeouts, rootAuth, rootPassword } from "./cluster-helpers.js";

/** root's password is the cluster's admin secret too, so member changes need one credential. */
const root = `root:${rootPassword}`;
const P = "/ctlauth";
/** A member name and peer URL the cluster can host (its Durable Object is named by the URL). */
const newMember = ["authx", "https://authx.etcd-cluster.peers.invalid:2380"] as const;

interface Run {
  code: number;
  out: string;
  err: string;
}

let etcd: EtcdOracle;
const cluster = () => inject("clusterUrl");

function run(endpoint: string, args: string[], stdin: string): Run {
  const r = spawnSync("etcdctl", ["--endpoints", endpoint, ...etcdctlTimeouts, ...args], {
    env: { ...process.env, ETCDCTL_API: "2" },
    encoding: "utf8",
    input: stdin,
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Endpoints, member ids and non-zero etcd indexes differ by nature between the two servers. */
function masked(r: Run, endpoint: string): Run {
  const m = (s: string) =>
    s.replaceAll(endpoint, "<endpoint>").replace(/\b[0-9a-f]{8,16}\b/g, "<id>").replace(/\[[1-9]\d*\]$/gm, "[<index>]");
  return { code: r.code, out: m(r.out), err: m(r.err) };
}

/**
 * Runs on the real etcd, then on the cluster; the two must agree. Returns etcd's (masked) run.
 * `clusterArgs` differ only where a server's own member id goes in.
 */
function ctl(args: string[], stdin = "", clusterArgs = args): Run {
  const want = masked(run(etcd.clientURL, args, stdin), etcd.clientURL);
  const got = masked(run(cluster(), clusterArgs, stdin), cluster());
  expect(got, `etcdctl ${args.join(" ")}`).toEqual(want);
  return want;
}

const ok = (out: string): Run => ({ code: 0, out, err: "" });
const fails = (err: string, code = 1): Run => ({ code, out: "", err });
const denied = fails("Error:  110: The request requires user authentication (Insufficient credentials) [0]\n", 4);
/** etcdctl runs `stty -echo` on its stdin before reading a password; on a pipe that warns twice. */
const sttyWarning = "stty: 'standard input': Inappropriate ioctl for device\n".repeat(2);

async function http(method: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${cluster()}${path}`, { method, headers, signal: AbortSignal.timeout(20_000) });
}

async function names(what: "users" | "roles"): Promise<string[]> {
  const body = (await (await http("GET", `/v2/auth/${what}`, rootAuth)).json()) as Record<string, { user?: string; role?: string }[] | null>;
  return (body[what] ?? []).map((x) => (x.user ?? x.role) as string);
}

const before = { users: [] as string[], roles: [] as string[] };

beforeAll(async () => {
  etcd = await startEtcd();
  const state = await (await http("GET", "/v2/auth/enable")).text();
  if (state !== '{"enabled":false}\n') throw new Error(`auth must be off before this file: ${state}`);
  before.users = await names("users");
  before.roles = await names("roles");
});

// Leaves the shared cluster as it was, whatever failed: auth off, only the users, roles and
// members it had, no keys under P. The real etcd is simply stopped.
afterAll(async () => {
  try {
    await http("DELETE", "/v2/auth/enable", rootAuth);
    const state = await (await http("GET", "/v2/auth/enable")).text();
    if (state !== '{"enabled":false}\n') throw new Error(`could not turn auth off: ${state}`);
    const gone = async (path: string) => {
      const r = await http("DELETE", path);
      if (r.status !== 200) throw new Error(`DELETE ${path}: ${r.status} ${await r.text()}`);
    };
    for (const u of await names("users")) if (!before.users.includes(u)) await gone(`/v2/auth/users/${u}`);
    for (const r of await names("roles")) if (r !== "root" && !before.roles.includes(r)) await gone(`/v2/auth/roles/${r}`);
    await http("DELETE", `/v2/keys${P}?recursive=true`);
    const extra = await memberId(newMember[0]);
    if (extra !== null) {
      await http("DELETE", `/v2/members/${extra}`, rootAuth);
      await waitFor(async () => (await memberId(newMember[0])) === null, 30_000);
    }
  } finally {
    await etcd?.stop();
  }
});

interface Members {
  members: { id: string; name: string; peerURLs: string[] }[];
}

async function members(base = cluster()): Promise<Members["members"]> {
  const res = await fetch(`${base}/v2/members`, { signal: AbortSignal.timeout(20_000) });
  return ((await res.json()) as Members).members;
}

async function memberId(name: string): Promise<string | null> {
  return (await members()).find((m) => m.name === name || m.peerURLs.some((u) => u.includes(`//${name}.`)))?.id ?? null;
}

describe("etcdctl user, role and auth commands (API v2)", () => {
  it("lists nothing yet; auth enable needs user root", () => {
    expect(ctl(["user", "list"])).toEqual(ok(""));
    expect(ctl(["role", "list"])).toEqual(ok("root\n"));
    expect(ctl(["auth", "enable"])).toEqual(fails("auth: No root user available, please create one\n"));
  });

  it("user add/get with name:password, and with the password on stdin", () => {
    expect(ctl(["user", "add", root])).toEqual(ok("User root created\n"));
    expect(ctl(["user", "get", "root"])).toEqual(ok("User: root\nRoles:  root\n"));
    expect(ctl(["user", "add", "alice:pa"])).toEqual(ok("User alice created\n"));
    // Adding an existing user (no roles) is etcd's create-or-update: the password changes.
    expect(ctl(["user", "add", "alice:pa"])).toEqual(ok("User alice created\n"));
    expect(ctl(["user", "add", "carol"], "pc\n")).toEqual({ code: 0, out: "New password: \nUser carol created\n", err: sttyWarning });
    expect(ctl(["user", "add", "dave"], "")).toEqual({ code: 1, out: "New password: \n", err: `${sttyWarning}auth: Cannot create user dave with an empty password\n` });
    expect(ctl(["user", "get", "nobody"])).toEqual(fails("auth: User nobody does not exist.\n"));
    expect(ctl(["user", "list"])).toEqual(ok("alice\ncarol\nroot\n"));
  });

  it("role add/grant/revoke/get/list with --read, --write, --readwrite and --path", () => {
    expect(ctl(["role", "add", "app"])).toEqual(ok("Role app created\n"));
    expect(ctl(["role", "add", "app"])).toEqual(fails("Role app already exists\n"));
    expect(ctl(["role", "grant", "app", "--path", `${P}/app/*`, "--readwrite"])).toEqual(ok("Role app updated\n"));
    expect(ctl(["role", "grant", "app", "--path", `${P}/ro/*`, "--read"])).toEqual(ok("Role app updated\n"));
    expect(ctl(["role", "grant", "app", "--path", `${P}/wo`, "--write"])).toEqual(ok("Role app updated\n"));
    expect(ctl(["role", "grant", "app", "--path", `${P}/wo`, "--write"])).toEqual(fails(`auth: Granting duplicate write permission ${P}/wo\n`));
    expect(ctl(["role", "grant", "app", "--path", `${P}/x`])).toEqual(fails("Please specify exactly one of --read, --write or --readwrite\n"));
    expect(ctl(["role", "get", "app"])).toEqual(ok(`Role: app\nKV Read:\n\t${P}/app/*\n\t${P}/ro/*\nKV Write:\n\t${P}/app/*\n\t${P}/wo\n`));
    expect(ctl(["role", "revoke", "app", "--path", `${P}/wo`, "--write"])).toEqual(ok("Role app updated\n"));
    expect(ctl(["role", "revoke", "app", "--path", `${P}/wo`, "--write"])).toEqual(fails("auth: Role not updated. Use grant/revoke to update the role.\n"));
    expect(ctl(["role", "get", "nosuch"])).toEqual(fails("auth: Role nosuch does not exist.\n"));
    expect(ctl(["role", "list"])).toEqual(ok("app\nroot\n"));
  });

  it("user grant/revoke/passwd", () => {
    expect(ctl(["user", "grant", "alice", "--roles", "app"])).toEqual(ok("User alice updated\n"));
    expect(ctl(["user", "grant", "alice", "--roles", "app"])).toEqual(fails("auth: Granting duplicate role app for user alice\n"));
    expect(ctl(["user", "revoke", "alice", "--roles", "nosuch"])).toEqual(fails("auth: Revoking ungranted role nosuch for user alice\n"));
    expect(ctl(["user", "get", "alice"])).toEqual(ok("User: alice\nRoles:  app\n"));
    expect(ctl(["user", "grant", "carol", "--roles", "app"])).toEqual(ok("User carol updated\n"));
    expect(ctl(["user", "passwd", "alice"], "pa2\n")).toEqual({ code: 0, out: "New password: \nPassword updated\n", err: sttyWarning });
    // An empty new password is no change at all.
    expect(ctl(["user", "passwd", "alice"], "\n")).toEqual({
      code: 1,
      out: "New password: \n",
      err: `${sttyWarning}auth: User not updated. Use grant/revoke/password to update the user.\n`,
    });
  });

  it("auth enable; --username on get, set, user list and member list", () => {
    expect(ctl(["auth", "enable"])).toEqual(ok("Authentication Enabled\n"));
    expect(ctl(["auth", "enable"])).toEqual(fails("Insufficient credentials\n"));
    expect(ctl(["--username", root, "auth", "enable"])).toEqual(fails("auth: already enabled\n"));
    expect(ctl(["user", "list"])).toEqual(fails("Insufficient credentials\n"));
    expect(ctl(["--username", "alice:pa2", "user", "list"])).toEqual(fails("Insufficient credentials\n"));
    expect(ctl(["--username", root, "user", "list"])).toEqual(ok("alice\ncarol\nroot\n"));
    expect(ctl(["--username", root, "role", "get", "guest"])).toEqual(ok("Role: guest\nKV Read:\n\t/*\nKV Write:\n\t/*\n"));
    expect(ctl(["--username", "alice:pa2", "set", `${P}/app/k`, "v"])).toEqual(ok("v\n"));
    expect(ctl(["--username", "alice:pa2", "get", `${P}/app/k`])).toEqual(ok("v\n"));
    expect(ctl(["--username", "alice:pa2", "set", `${P}/other`, "v"])).toEqual(denied);
    expect(ctl(["--username", "alice:pa", "get", `${P}/app/k`])).toEqual(denied);
    expect(ctl(["--username", "nobody:x", "get", `${P}/app/k`])).toEqual(denied);
    expect(ctl(["--username", "carol:pc", "set", `${P}/app/k`, "w"])).toEqual(ok("w\n"));
    expect(ctl(["--username", root, "get", `${P}/app/k`])).toEqual(ok("w\n"));
    expect(ctl(["--username", root, "set", `${P}/other`, "r"])).toEqual(ok("r\n"));
    // guest still has "/*": anonymous clients see no change.
    expect(ctl(["get", `${P}/other`])).toEqual(ok("r\n"));
    expect(ctl(["--username", root, "role", "revoke", "guest", "--path", "/*", "--write"])).toEqual(ok("Role guest updated\n"));
    expect(ctl(["set", `${P}/other`, "anon"])).toEqual(denied);
    // Member lists differ by nature (one member against three): each is checked for etcdctl's format.
    for (const who of [[], ["--username", "alice:pa2"], ["--username", root]]) {
      for (const endpoint of [etcd.clientURL, cluster()]) {
        const list = masked(run(endpoint, [...who, "member", "list"], ""), endpoint);
        expect(list.err, `${endpoint} member list ${who.join(" ")}`).toBe("");
        expect(list.out).toMatch(/^(<id>: name=\S+ peerURLs=\S+ clientURLs=\S+ isLeader=(true|false)\n)+$/);
      }
    }
  });

  it("revoking a role, removing users and roles; root stays while auth is on", () => {
    expect(ctl(["--username", root, "user", "revoke", "carol", "--roles", "app"])).toEqual(ok("User carol updated\n"));
    expect(ctl(["--username", root, "user", "get", "carol"])).toEqual(ok("User: carol\nRoles: \n"));
    expect(ctl(["--username", "carol:pc", "get", `${P}/app/k`])).toEqual(denied);
    expect(ctl(["--username", root, "user", "remove", "carol"])).toEqual(ok("User carol removed\n"));
    expect(ctl(["--username", root, "user", "remove", "carol"])).toEqual(fails("auth: User carol does not exist\n"));
    expect(ctl(["--username", root, "user", "remove", "root"])).toEqual(fails("auth: Cannot delete root user while auth is enabled.\n"));
    expect(ctl(["--username", root, "role", "remove", "app"])).toEqual(ok("Role app removed\n"));
    expect(ctl(["--username", root, "role", "remove", "app"])).toEqual(fails("auth: Role app doesn't exist.\n"));
    expect(ctl(["--username", root, "role", "remove", "root"])).toEqual(fails("auth: Cannot modify role root: is root role.\n"));
    expect(ctl(["--username", "alice:pa2", "get", `${P}/app/k`])).toEqual(denied);
  });

  it("auth disable; then everything goes back to how it was", () => {
    expect(ctl(["auth", "disable"])).toEqual(fails("Insufficient credentials\n"));
    expect(ctl(["--username", "alice:pa2", "auth", "disable"])).toEqual(fails("Insufficient credentials\n"));
    expect(ctl(["--username", root, "auth", "disable"])).toEqual(ok("Authentication Disabled\n"));
    expect(ctl(["auth", "disable"])).toEqual(fails("auth: already disabled\n"));
    expect(ctl(["set", `${P}/other`, "anon"])).toEqual(ok("anon\n"));
    expect(ctl(["role", "remove", "guest"])).toEqual(ok("Role guest removed\n"));
    expect(ctl(["user", "remove", "alice"])).toEqual(ok("User alice removed\n"));
    expect(ctl(["user", "remove", "root"])).toEqual(ok("User root removed\n"));
    expect(ctl(["user", "list"])).toEqual(ok(""));
    expect(ctl(["role", "list"])).toEqual(ok("root\n"));
  });

  it("member add needs root while auth is on", async () => {
    expect(ctl(["user", "add", root])).toEqual(ok("User root created\n"));
    expect(ctl(["user", "add", "alice:pa"])).toEqual(ok("User alice created\n"));
    expect(ctl(["auth", "enable"])).toEqual(ok("Authentication Enabled\n"));
    expect(ctl(["member", "add", ...newMember])).toEqual(fails("unexpected status code 401\n"));
    expect(ctl(["--username", "alice:pa", "member", "add", ...newMember])).toEqual(fails("unexpected status code 401\n"));
    const [etcdMember, clusterMember] = [(await members(etcd.clientURL))[0]!.id, (await members())[0]!.id];
    const rm = (id: string) => ["--username", "alice:pa", "member", "remove", id];
    expect(ctl(rm(etcdMember), "", rm(clusterMember))).toEqual(fails("Received an error trying to remove member <id>: unexpected status code 401"));
    // The last command for the real etcd: a second, never-started member costs its quorum. The
    // printed initial cluster lists each server's own members (in map order), so each is checked alone.
    for (const endpoint of [etcd.clientURL, cluster()]) {
      const added = masked(run(endpoint, ["--username", root, "member", "add", ...newMember], ""), endpoint);
      expect(added.err, endpoint).toBe("");
      expect(added.out).toMatch(
        /^Added member named authx with ID <id> to cluster\n\nETCD_NAME="authx"\nETCD_INITIAL_CLUSTER="\S+"\nETCD_INITIAL_CLUSTER_STATE="existing"\n$/,
      );
      expect(added.out).toContain(`authx=${newMember[1]}`);
    }
    const id = await memberId(newMember[0]);
    expect(id).not.toBeNull();
    // Only the cluster can take the member out again (etcd's own text: etcdctl prints it).
    await waitFor(async () => run(cluster(), ["cluster-health"], "").out.includes("cluster is healthy"), 30_000);
    const removed = run(cluster(), ["--username", root, "member", "remove", id as string], "");
    expect(removed).toEqual(ok(`Removed member ${id} from cluster\n`));
    await waitFor(async () => (await memberId(newMember[0])) === null, 30_000);
    const off = run(cluster(), ["--username", root, "auth", "disable"], "");
    expect(off).toEqual(ok("Authentication Disabled\n"));
  });
});
