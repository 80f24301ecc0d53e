import { describe, expect, it } from "vitest";
import { membersFromSrv } from "../../src/cluster/dns-srv.js";

const answer = (records: Record<string, string[]>) => async (url: string) => {
  const name = new URL(url).searchParams.get("name") ?? "";
  const data = records[name] ?? [];
  return Response.json({ Status: 0, Answer: data.map((d) => ({ name, type: 33, TTL: 60, data: d })) });
};

describe("members from DNS SRV records", () => {
  it("reads https and http services; the target's first label names the member", async () => {
    const r = await membersFromSrv("example.test", "tok", "http://doh", answer({
      "_etcd-server-ssl._tcp.example.test": ["0 0 2380 infra0.tok.peers.invalid.", "0 0 2380 infra1.tok.peers.invalid."],
      "_etcd-server._tcp.example.test": ["0 0 2381 infra2.tok.peers.invalid."],
    }));
    expect(r.ok && r.members.map((m) => [m.name, m.peerURL])).toEqual([
      ["infra0", "https://infra0.tok.peers.invalid:2380"],
      ["infra1", "https://infra1.tok.peers.invalid:2380"],
      ["infra2", "http://infra2.tok.peers.invalid:2381"],
    ]);
  });

  it("fails clearly without records, on malformed records, and on resolver errors", async () => {
    expect(await membersFromSrv("none.test", "t", "http://doh", answer({}))).toMatchObject({ ok: false, message: expect.stringContaining("no SRV records") });
    expect(await membersFromSrv("bad.test", "t", "http://doh", answer({ "_etcd-server._tcp.bad.test": ["0 0 notaport x."] }))).toMatchObject({ ok: false });
    expect(await membersFromSrv("x.test", "t", "http://doh", async () => new Response("no", { status: 502 }))).toMatchObject({ ok: false, message: expect.stringContaining("HTTP 502") });
    expect(await membersFromSrv("x.test", "t", "http://doh", async () => { throw new Error("down"); })).toMatchObject({ ok: false, message: expect.stringContaining("down") });
  });
});
