import { describe, expect, test } from "vitest";
import { storeStatsFields } from "../../src/store/stats.js";
import type { StoreStats } from "../../src/store/types.js";
import { k, setup } from "./helpers.js";

function delta(before: StoreStats, after: StoreStats): Partial<StoreStats> {
  const out: Partial<StoreStats> = {};
  for (const f of storeStatsFields) if (after[f] !== before[f]) out[f] = after[f] - before[f];
  return out;
}

describe("store stats (§6.3)", () => {
  test("case 140: 16 counters in etcd's order", () => {
    const { store } = setup();
    expect(Object.keys(store.statsSnapshot())).toEqual([...storeStatsFields]);
    expect(storeStatsFields).toHaveLength(16);
  });

  test("ordinary successes and failures", () => {
    const { apply, store, put } = setup();
    const s0 = store.statsSnapshot();
    put("/a", "1");
    apply({ method: "GET", path: "/a" });
    apply({ method: "QGET", path: "/zz" });
    apply({ method: "PUT", path: "/a", prevExist: true, val: "2" });
    apply({ method: "PUT", path: "/nx", prevExist: true, val: "2" });
    apply({ method: "PUT", path: "/a", prevExist: false });
    apply({ method: "POST", path: "/q" });
    apply({ method: "PUT", path: "/a", prevValue: "2", val: "3" });
    apply({ method: "PUT", path: "/a", prevValue: "2", val: "3" });
    apply({ method: "DELETE", path: "/a", prevValue: "3" });
    apply({ method: "DELETE", path: "/a" });
    put("/b", "1");
    apply({ method: "DELETE", path: "/b" });
    expect(delta(s0, store.statsSnapshot())).toEqual({
      getsSuccess: 1, getsFail: 1, setsSuccess: 2, updateSuccess: 1, updateFail: 1,
      createSuccess: 1, createFail: 1, compareAndSwapSuccess: 1, compareAndSwapFail: 1,
      compareAndDeleteSuccess: 1, deleteSuccess: 1, deleteFail: 1,
    });
  });

  test("etcd's quirks: some failures count as successes (checked against etcd 3.4.23)", () => {
    const { apply, store, put } = setup();
    put("/s/f", "1");
    const s0 = store.statsSnapshot();
    apply({ method: "DELETE", path: "/s/f", prevValue: "zz" }); // CAD compare failed
    apply({ method: "PUT", path: "/", prevExist: true, val: "x" }); // update of root
    apply({ method: "DELETE", path: "/s", prevValue: "x" }); // CAD on a dir
    apply({ method: "DELETE", path: "/", recursive: true }); // delete of root
    apply({ method: "PUT", path: "/", prevValue: "x", val: "1" }); // CAS of root
    apply({ method: "PUT", path: "/s", prevExist: true, val: "1" }); // update of a dir with a value
    expect(delta(s0, store.statsSnapshot())).toEqual({
      compareAndDeleteSuccess: 2, updateSuccess: 2, deleteSuccess: 1, compareAndSwapSuccess: 1,
    });
    expect(store.index()).toBe(1);
  });

  test("Not a directory in create/POST also adds a setsFail; in set it does not", () => {
    const { apply, store, put } = setup();
    put("/s/f", "1");
    const s0 = store.statsSnapshot();
    apply({ method: "POST", path: "/s/f", val: "x" });
    apply({ method: "PUT", path: "/s/f/x", prevExist: false, val: "x" });
    apply({ method: "PUT", path: "/s/f/x", val: "x" });
    expect(delta(s0, store.statsSnapshot())).toEqual({ createFail: 2, setsFail: 3 });
  });

  test("expireCount counts each expiry", () => {
    const { apply, store, put } = setup();
    put("/t1", "1", { expirationMs: 2_000_000_000_000 });
    put("/t2", "1", { expirationMs: 2_000_000_000_000 });
    apply({ method: "SYNC", timeMs: 2_000_000_000_000 });
    expect(store.statsSnapshot().expireCount).toBe(2);
    expect(k("/")).toBe("/1");
  });
});
