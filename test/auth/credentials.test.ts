/**
 * The credential cache: a password is hashed at most once per credential and stored hash, a
 * wrong one is verified every time, and a changed stored hash is noticed.
 */
import { describe, expect, it } from "vitest";
import { hashPassword } from "../../src/auth/password.js";
import type { AuthLookup } from "../../src/auth/types.js";
import { Credentials, parseBasic } from "../../src/http/credentials.js";

const basic = (u: string, p: string) => "Basic " + btoa(`${u}:${p}`);

function counted(lookup: AuthLookup) {
  const calls = { n: 0 };
  const creds = new Credentials(async () => {
    calls.n++;
    return lookup;
  });
  return { creds, calls, lookup };
}

describe("parseBasic", () => {
  it("reads Go's Basic form and refuses anything else", () => {
    expect(parseBasic(basic("bob", "p:w"))).toEqual({ user: "bob", password: "p:w" });
    expect(parseBasic("Bearer abc")).toBeNull();
    expect(parseBasic("Basic !!!")).toBeNull();
    expect(parseBasic("Basic " + btoa("nocolon"))).toBeNull();
  });
});

describe("Credentials", () => {
  it("no header is the guest; a malformed one is denied", async () => {
    const { creds } = counted({ enabled: true, user: null });
    expect((await creds.principal(null)).principal).toEqual({ kind: "guest" });
    expect((await creds.principal("Bearer x")).principal).toEqual({ kind: "denied" });
  });

  it("verifies once, then answers from the cache without a lookup", async () => {
    const hash = await hashPassword("pw");
    const { creds, calls } = counted({ enabled: true, user: { user: "bob", password: hash, roles: [], grant: null, revoke: null } });
    const first = await creds.principal(basic("bob", "pw"));
    expect(first).toMatchObject({ principal: { kind: "user", name: "bob", passwordHash: hash }, cached: false });
    const second = await creds.principal(basic("bob", "pw"));
    expect(second).toMatchObject({ principal: { kind: "user", passwordHash: hash }, cached: true });
    expect(calls.n).toBe(1);
  });

  it("never caches a wrong password or an unknown user", async () => {
    const hash = await hashPassword("pw");
    const { creds, calls } = counted({ enabled: true, user: { user: "bob", password: hash, roles: [], grant: null, revoke: null } });
    for (let i = 0; i < 2; i++) expect((await creds.principal(basic("bob", "nope"))).principal).toEqual({ kind: "denied" });
    expect(calls.n).toBe(2);
    const none = counted({ enabled: true, user: null });
    expect((await none.creds.principal(basic("ghost", "x"))).principal).toEqual({ kind: "denied" });
  });

  it("with auth off, credentials are not verified (etcd ignores them) and carry no hash", async () => {
    const { creds } = counted({ enabled: false, user: null });
    expect((await creds.principal(basic("anyone", "anything"))).principal).toEqual({ kind: "user", name: "anyone", passwordHash: "" });
    expect(await creds.isRoot(null)).toBe(true);
  });

  it("fresh=true re-verifies against a changed stored hash", async () => {
    const lookup: AuthLookup = { enabled: true, user: { user: "bob", password: await hashPassword("old"), roles: ["root"], grant: null, revoke: null } };
    const creds = new Credentials(async () => lookup);
    expect((await creds.principal(basic("bob", "old"))).principal.kind).toBe("user");
    lookup.user!.password = await hashPassword("new");
    expect((await creds.principal(basic("bob", "old"), true)).principal).toEqual({ kind: "denied" });
    expect((await creds.principal(basic("bob", "new"), true)).principal.kind).toBe("user");
    expect(await creds.isRoot(basic("bob", "new"))).toBe(true);
    expect(await creds.isRoot(basic("bob", "old"))).toBe(false);
  });
});
