/**
 * ETCD_EVENT_HISTORY_MAX over a member's real SQLite (workerd): raised, a waitIndex 50,000
 * events back is answered from the history table; at etcd's 1000 it is 401 "event index
 * cleared". The history stays at most the configured number of rows either way.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { schema } from "../../src/member/schema.js";
import { StateMachine } from "../../src/member/state-machine.js";
import { v2Request } from "../../src/store/apply.js";
import { testEnv } from "./helpers.js";

const eventsBack = 50_000;

/** In a fresh Durable Object: `writes` sets to /1/noise, with the watched key written first. */
function withHistory<T>(name: string, historyEventsMax: number | undefined, writes: number, body: (sm: StateMachine, first: number, sql: SqlStorage) => T): Promise<T> {
  return runInDurableObject(testEnv.MEMBER.getByName(`event-history/${name}`), (_instance, state) => {
    const sql = state.storage.sql;
    for (const ddl of schema) sql.exec(ddl);
    const watchers = { watchedPathsBelow: () => [], watcherCount: () => 0, ...(historyEventsMax ? { historyEventsMax } : {}) };
    const sm = new StateMachine(sql, watchers);
    let first = 0;
    state.storage.transactionSync(() => {
      const r = sm.apply(v2Request({ method: "PUT", path: "/1/watched", val: "first" }));
      if (!r.ok) throw new Error("the first write failed");
      first = r.event.node.modifiedIndex;
      for (let i = 0; i < writes; i++) sm.apply(v2Request({ method: "PUT", path: `/1/noise${i % 100}`, val: "x" }));
    });
    return body(sm, first, sql);
  });
}

const rows = (sql: SqlStorage) => Number(sql.exec("SELECT COUNT(*) AS n FROM history").one().n);

describe("ETCD_EVENT_HISTORY_MAX", () => {
  it("raised to 100000: a waitIndex 50,000 events back is answered from SQLite", async () => {
    const scan = await withHistory("raised", 100_000, eventsBack, (sm, first, sql) => {
      expect(sm.index() - first).toBe(eventsBack);
      expect(rows(sql)).toBe(eventsBack + 1);
      return sm.scanHistory("/1/watched", false, first);
    });
    expect(scan).toMatchObject({ ok: true, event: { action: "set", node: { key: "/1/watched", value: "first" } } });
  });

  it("keeps at most the configured number of events", async () => {
    const kept = await withHistory("bounded", 2_000, 5_000, (sm, _first, sql) => ({ rows: rows(sql), index: sm.index() }));
    expect(kept.rows).toBe(2_000);
  });

  it("default (etcd's 1000): the same waitIndex is 401 event index cleared", async () => {
    const scan = await withHistory("default", undefined, eventsBack, (sm, first, sql) => {
      expect(rows(sql)).toBe(1_000);
      return sm.scanHistory("/1/watched", false, first);
    });
    expect(scan).toMatchObject({ ok: false, error: { errorCode: 401, message: "The event in requested index is outdated and cleared" } });
  });
});
