/**
 * The watch stream (POST /v3/watch) and maintenance/status against a real etcd 3.4 gateway.
 */
import { describe, it } from "vitest";
import { b64, diff, useTargets, type Client, type WatchStream } from "./harness.js";

const t = useTargets();

async function lines(c: Client, w: WatchStream, n: number): Promise<void> {
  await c.waitFor(() => w.lines.length >= n);
}

describe("v3 watch", () => {
  it("a key from now on, with prev_kv: created, puts, a delete", () =>
    diff(t, async (c) => {
      const w = c.watch({ create_request: { key: c.k("w"), prev_kv: true } });
      await lines(c, w, 1);
      await c.post("/v3/kv/put", { key: c.k("w"), value: b64("1") });
      await c.post("/v3/kv/put", { key: c.k("other"), value: b64("x") });
      await c.post("/v3/kv/put", { key: c.k("w"), value: b64("2") });
      await c.post("/v3/kv/deleterange", { key: c.k("w") });
      await lines(c, w, 4);
      c.recordLines("watch lines", w);
    }));

  it("a prefix from a past revision, with filters and an explicit watch id", () =>
    diff(t, async (c) => {
      await c.post("/v3/kv/put", { key: c.k("p/a"), value: b64("1") });
      await c.post("/v3/kv/put", { key: c.k("p/b"), value: b64("2") });
      await c.post("/v3/kv/deleterange", { key: c.k("p/a") });
      const all = c.watch({ create_request: { key: c.k("p/"), range_end: c.k("p0"), start_revision: c.R0 + 1 } });
      const noPut = c.watch({ create_request: { key: c.k("p/"), range_end: c.k("p0"), start_revision: String(c.R0 + 1), filters: ["NOPUT"], watch_id: 7 } });
      await lines(c, all, 2);
      await lines(c, noPut, 2);
      await c.post("/v3/kv/txn", { success: [{ request_put: { key: c.k("p/c"), value: b64("3") } }, { request_delete_range: { key: c.k("p/b") } }] });
      await lines(c, all, 3);
      await lines(c, noPut, 3);
      c.recordLines("all events", all);
      c.recordLines("deletes only", noPut);
    }));

  it("two watchers on one stream; a watcher from a future revision", () =>
    diff(t, async (c) => {
      const w = c.watch(
        JSON.stringify({ create_request: { key: c.k("a") } }) + JSON.stringify({ create_request: { key: c.k("b"), start_revision: c.R0 + 2 } }),
      );
      await lines(c, w, 2);
      await c.post("/v3/kv/put", { key: c.k("a"), value: b64("1") });
      await lines(c, w, 3);
      await c.post("/v3/kv/put", { key: c.k("b"), value: b64("2") });
      await lines(c, w, 4);
      c.recordLines("lines", w);
    }));

  it("a watch from a compacted revision is cancelled with compact_revision", () =>
    diff(t, async (c) => {
      await c.post("/v3/kv/put", { key: c.k("c"), value: b64("1") });
      await c.post("/v3/kv/put", { key: c.k("c"), value: b64("2") });
      await c.post("/v3/kv/compaction", { revision: c.R0 + 2 });
      const w = c.watch({ create_request: { key: c.k("c"), start_revision: c.R0 + 1 } });
      await lines(c, w, 2);
      c.recordLines("lines", w);
      const ok = c.watch({ create_request: { key: c.k("c"), start_revision: c.R0 + 2 } });
      await lines(c, ok, 2);
      c.recordLines("from the compaction revision", ok);
    }));

  it("progress requests, cancel requests and an empty range", () =>
    diff(t, async (c) => {
      const w = c.watch({ progress_request: {} });
      await lines(c, w, 1);
      c.recordLines("progress", w);
      const bad = c.watch({ create_request: { key: c.k("z"), range_end: c.k("a") } });
      await lines(c, bad, 1);
      c.recordLines("empty range", bad);
      const cancel = c.watch(JSON.stringify({ create_request: { key: c.k("x"), watch_id: 3 } }) + JSON.stringify({ cancel_request: { watch_id: 3 } }));
      await lines(c, cancel, 2);
      c.recordLines("cancelled", cancel);
    }));

  it("maintenance/status", () =>
    diff(t, async (c) => {
      await c.post("/v3/maintenance/status", {});
    }));

  it("wrong method and unknown paths", () =>
    diff(t, async (c) => {
      await c.post("/v3/kv/nothing", {});
      await c.post("/v3/watch/x", {});
      await c.post("/v3beta/kv/range", { key: c.k("none") });
    }));
});
