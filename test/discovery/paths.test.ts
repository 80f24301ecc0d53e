import { describe, expect, it } from "vitest";
import { resolveTarget, withQuorumRead } from "../../src/discovery/paths.js";
import { isToken, newToken } from "../../src/discovery/token.js";

const tok = "0123456789abcdef0123456789abcdef";
const tok2 = "fedcba9876543210fedcba9876543210";

describe("tokens", () => {
  it("are 128 random bits as 32 lowercase hex digits, and differ", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const t = newToken();
      expect(t).toMatch(/^[0-9a-f]{32}$/);
      expect(isToken(t)).toBe(true);
      seen.add(t);
    }
    expect(seen.size).toBe(100);
  });

  it("only that shape is a token", () => {
    for (const bad of ["", "new", tok.toUpperCase(), tok.slice(1), tok + "0", `${tok.slice(1)}g`, "_etcd", ".."]) {
      expect(isToken(bad)).toBe(false);
    }
  });
});

describe("resolveTarget", () => {
  it("maps a token URL onto its registry directory, query kept", () => {
    expect(resolveTarget(`/${tok}`)).toEqual({
      kind: "token", token: tok, tokenRoot: true, keyPath: "", keysTarget: `/v2/keys/_etcd/registry/${tok}`, rawQuery: "",
    });
    expect(resolveTarget(`/${tok}/_config/size?quorum=false&recursive=false`)).toMatchObject({
      kind: "token", tokenRoot: false, keyPath: "/_config/size", keysTarget: `/v2/keys/_etcd/registry/${tok}/_config/size?quorum=false&recursive=false`,
    });
    expect(resolveTarget(`/${tok}/`)).toMatchObject({ kind: "token", tokenRoot: true });
  });

  it("knows / and /new", () => {
    expect(resolveTarget("/")).toEqual({ kind: "index" });
    expect(resolveTarget("/new?size=5")).toEqual({ kind: "new", rawQuery: "size=5" });
    expect(resolveTarget("/new/")).toEqual({ kind: "unknown", segment: "new" });
  });

  it("anything else is an unknown token, including the keys API's own paths", () => {
    expect(resolveTarget("/v2/keys/_etcd/registry")).toEqual({ kind: "unknown", segment: "v2" });
    expect(resolveTarget("/_etcd")).toEqual({ kind: "unknown", segment: "_etcd" });
    expect(resolveTarget(`/${tok.toUpperCase()}/x`)).toMatchObject({ kind: "unknown" });
  });

  it("cleans before choosing the token: dot segments, encoded or not, only ever redirect", () => {
    expect(resolveTarget(`/${tok}/../${tok2}/k`)).toEqual({ kind: "redirect", location: `/${tok2}/k` });
    expect(resolveTarget(`/${tok}/%2e%2e/${tok2}/k?x=1`)).toEqual({ kind: "redirect", location: `/${tok2}/k?x=1` });
    expect(resolveTarget(`/${tok}/..%2f..%2fv2%2fkeys`)).toEqual({ kind: "redirect", location: "/v2/keys" });
    expect(resolveTarget(`/${tok}//k`)).toEqual({ kind: "redirect", location: `/${tok}/k` });
    expect(resolveTarget(`/${tok}/./k`)).toEqual({ kind: "redirect", location: `/${tok}/k` });
    expect(resolveTarget(`/${tok}/a%zz`)).toEqual({ kind: "badRequest" });
  });

  it("an encoded slash inside the subtree stays inside it, re-escaped once", () => {
    expect(resolveTarget(`/${tok}/a%2Fb`)).toMatchObject({ kind: "token", keyPath: "/a/b", keysTarget: `/v2/keys/_etcd/registry/${tok}/a/b` });
    expect(resolveTarget(`/${tok}/a%252e%252e`)).toMatchObject({ kind: "token", keysTarget: `/v2/keys/_etcd/registry/${tok}/a%252e%252e` });
  });
});

describe("withQuorumRead", () => {
  const t = `/v2/keys/_etcd/registry/${tok}`;
  it("turns plain GETs into quorum reads (first form value wins)", () => {
    expect(withQuorumRead(t, "GET", "")).toBe(`${t}?quorum=true`);
    expect(withQuorumRead(`${t}?quorum=false&sorted=false`, "GET", "quorum=false&sorted=false")).toBe(`${t}?quorum=true&quorum=false&sorted=false`);
  });
  it("leaves watches and writes alone", () => {
    expect(withQuorumRead(`${t}?wait=true`, "GET", "wait=true")).toBe(`${t}?wait=true`);
    expect(withQuorumRead(`${t}?w%61it=true`, "GET", "w%61it=true")).toBe(`${t}?w%61it=true`);
    expect(withQuorumRead(t, "PUT", "")).toBe(t);
    expect(withQuorumRead(t, "HEAD", "")).toBe(t);
  });
});
