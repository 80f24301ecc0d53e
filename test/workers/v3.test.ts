/**
 * The v3 key space inside the member Durable Objects: the SQLite backend answers as the memory
 * backend does for the same writes, a snapshot (and so a backup) carries the v3 tables, and
 * writes through the members' RPCs replicate to every member.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { schema } from "../../src/member/schema.js";
import { captureSnapshot, restoreSnapshot, stagePage } from "../../src/member/snapshot-pages.js";
import { SqlV3Backend } from "../../src/member/v3-sql-backend.js";
import type { V3MemberReply } from "../../src/member/v3-rpc.js";
import { MemoryV3Backend } from "../../src/v3/memory-backend.js";
import { V3Store } from "../../src/v3/store.js";
import type { RangeRequest, RequestOp, V3Command } from "../../src/v3/types.js";
import { scanEvents } from "../../src/v3/watch.js";
import { address, eventually, leader, member, names, testEnv } from "./helpers.js";

const hex = (s: string) => Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, "0")).join("");
const bytes = (s: string) => new TextEncoder().encode(s);
const putOp = (k: string, v: string, lease = "0") => ({ key: hex(k), value: bytes(v), lease, prevKv: true, ignoreValue: false, ignoreLease: false });
const range = (key: string, end: string, revision = 0): RangeRequest => ({
  key, end, revision, limit: 0, sortOrder: 0, sortTarget: 0, serializable: false, keysOnly: false, countOnly: false,
  minModRevision: 0, maxModRevision: 0, minCreateRevision: 0, maxCreateRevision: 0,
});

/** A fixed sequence of writes touching every rule: overwrite, delete, txn, leases, compaction. */
function script(): Array<[V3Command, number]> {
  const out: Array<[V3Command, number]> = [];
  for (let i = 0; i < 30; i++) out.push([{ op: "put", req: putOp(`k${i % 7}`, `v${i}`) }, 1_000]);
  out.push([{ op: "deleteRange", req: { key: hex("k2"), end: hex("k4"), prevKv: true } }, 1_000]);
  out.push([{ op: "leaseGrant", id: "77", ttl: 10 }, 1_000]);
  const txn: RequestOp[] = [{ put: putOp("t1", "a", "77") }, { put: putOp("t2", "b", "77") }, { deleteRange: { key: hex("k5"), end: "", prevKv: false } }];
  out.push([{ op: "txn", req: { compare: [{ key: hex("k0"), end: "", target: 0, result: 1, version: 1 }], success: txn, failure: [] } }, 1_000]);
  out.push([{ op: "compact", revision: 20 }, 1_000]);
  for (let i = 0; i < 5; i++) out.push([{ op: "put", req: putOp(`k${i}`, `w${i}`) }, 2_000]);
  out.push([{ op: "leaseGrant", id: "78", ttl: 1 }, 2_000]);
  out.push([{ op: "put", req: putOp("short", "x", "78") }, 2_000]);
  out.push([{ op: "leaseExpire" }, 9_000]);
  return out;
}

/** Everything a client could observe of a store. */
function observe(s: V3Store): unknown {
  const all = "";
  return {
    revision: s.revision(),
    compact: s.compactRevision(),
    now: s.range(range("00", "00")),
    past: [20, 25, 30, 36].map((rev) => s.range(range("00", "00", rev))),
    leases: s.leases(),
    ttl: s.timeToLive("77", true, 5_000),
    events: scanEvents(s, 1, { ranges: [{ key: all, end: "00" }], prevKv: true, noPut: false, noDelete: false }, 1_000),
  };
}

describe("v3 on SQLite", () => {
  it("answers as the memory backend does, and a snapshot carries it to another member", async () => {
    const memory = new V3Store(new MemoryV3Backend(), 2);
    const results = script().map(([cmd, t]) => memory.apply(cmd, t));
    const expected = observe(memory);
    let pages: Uint8Array[] = [];
    await runInDurableObject(testEnv.MEMBER.getByName("v3/sql-a"), (_i, state) => {
      const sql = state.storage.sql;
      for (const ddl of schema) sql.exec(ddl);
      const store = new V3Store(new SqlV3Backend(sql), 2);
      expect(script().map(([cmd, t]) => store.apply(cmd, t))).toEqual(results);
      expect(observe(store)).toEqual(expected);
      pages = captureSnapshot(sql);
    });
    await runInDurableObject(testEnv.MEMBER.getByName("v3/sql-b"), (_i, state) => {
      const sql = state.storage.sql;
      for (const ddl of schema) sql.exec(ddl);
      const stale = new V3Store(new SqlV3Backend(sql), 2);
      stale.apply({ op: "put", req: putOp("stale", "gone") }, 0);
      pages.forEach((p, i) => stagePage(sql, "snap/1", i, pages.length, p));
      restoreSnapshot(sql, "snap/1");
      expect(observe(new V3Store(new SqlV3Backend(sql), 2))).toEqual(expected);
    });
  });
});

describe("v3 through the members", () => {
  it("a write on the leader is readable on every member; a retried request id applies once", async () => {
    const l = await leader();
    const cmd: V3Command = { op: "put", req: putOp("/replicated", "yes") };
    const first = (await member(l.name).v3Write(address(l.name), "v3-once", cmd)) as V3MemberReply;
    const again = (await member(l.name).v3Write(address(l.name), "v3-once", cmd)) as V3MemberReply;
    expect(first.kind).toBe("done");
    expect(again).toEqual(first);
    for (const n of names) {
      await eventually(`the write on ${n}`, async () => {
        const r = (await member(n).v3Read(address(n), { op: "range", req: range(hex("/replicated"), "") }, true)) as V3MemberReply;
        return r.kind === "done" && r.result.ok && r.result.response.kind === "range" && r.result.response.body.kvs.length === 1 && r.result.response.body.kvs[0]!.version === 1;
      });
    }
  });
});

describe("v3 results too large to remember", () => {
  it("are answered to the first caller; a retry is told the write applied", async () => {
    const l = await leader();
    const big = "x".repeat(300 * 1024);
    const put = { op: "put", req: { ...putOp("/big", big), prevKv: true } } as const;
    expect(((await member(l.name).v3Write(address(l.name), "v3-big-1", put)) as V3MemberReply).kind).toBe("done");
    const first = (await member(l.name).v3Write(address(l.name), "v3-big-2", put)) as V3MemberReply;
    expect(first.kind === "done" && first.result.ok && first.result.response.kind === "put" && first.result.response.body.prevKv?.value.length).toBe(big.length);
    const retry = (await member(l.name).v3Write(address(l.name), "v3-big-2", put)) as V3MemberReply;
    expect(retry.kind === "done" && !retry.result.ok && retry.result.error.code).toBe(14);
  });
});

describe("v3 and raft snapshots", () => {
  it("a member that fell behind the compacted log gets the v3 key space in the snapshot", async () => {
    const l = await leader();
    const lagging = names.find((n) => n !== l.name)!;
    const others = names.filter((n) => n !== lagging);
    await Promise.all(names.map((n) => member(n).setFaults(address(n), { groups: [others, [lagging]] })));
    await member(l.name).v3Write(address(l.name), "v3-lease", { op: "leaseGrant", id: "4242", ttl: 600 });
    for (let i = 0; i < 100; i++) {
      const r = (await member(l.name).v3Write(address(l.name), `v3-load-${i}`, { op: "put", req: putOp(`/snap/${i % 10}`, `v${i}`, i === 99 ? "4242" : "0") })) as V3MemberReply;
      expect(r.kind).toBe("done");
    }
    const leaderStatus = await member(l.name).status(address(l.name));
    expect((await member(lagging).status(address(lagging))).applied).toBeLessThan(leaderStatus.firstIndex);
    await Promise.all(names.map((n) => member(n).setFaults(address(n), { groups: null })));
    await eventually("the lagging member caught up", async () => (await member(lagging).status(address(lagging))).applied >= leaderStatus.applied);
    const read = async (n: string) => (await member(n).v3Read(address(n), { op: "range", req: range(hex("/snap/"), hex("/snap0")) }, true)) as V3MemberReply;
    const [fromLeader, fromLagging] = [await read(l.name), await read(lagging)];
    expect(fromLagging.kind).toBe("done");
    if (fromLagging.kind !== "done" || fromLeader.kind !== "done") return;
    expect(fromLagging.result).toEqual(fromLeader.result);
    const ttl = (await member(lagging).v3Read(address(lagging), { op: "timeToLive", id: "4242", keys: true }, true)) as V3MemberReply;
    expect(ttl.kind === "done" && ttl.result.ok && ttl.result.response.kind === "leaseTimeToLive" && ttl.result.response.body.keys).toEqual([hex("/snap/9")]);
  });
});
