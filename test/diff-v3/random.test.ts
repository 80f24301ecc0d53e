/**
 * Seeded random sequences of kv writes, txns, ranges (current and past revisions, limits,
 * sorting) and compactions over a handful of keys, sent to a real etcd 3.4 gateway and to ours.
 * V3_DIFF_SEED=4,5,… runs those seeds instead.
 */
import { describe, it } from "vitest";
import { b64, diff, useTargets, type Client } from "./harness.js";

const t = useTargets();
const seeds = process.env.V3_DIFF_SEED ? process.env.V3_DIFF_SEED.split(",").map(Number) : [1, 2, 3];
const opsPerSeed = 60;

/** mulberry32: a small deterministic generator, so both servers get the same sequence. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

async function run(c: Client, seed: number): Promise<void> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const keys = ["a", "b", "c", "d", "e"];
  const key = () => c.k(pick(keys));
  const value = () => b64(pick(["", "x", "y", "zz", "\u00e9"]));
  // Above R0, so step labels show it relative (harness.ts).
  const rev = () => c.R0 + 1 + Math.floor(r() * (opsPerSeed / 2));
  const rangeOf = (): Record<string, unknown> => (r() < 0.5 ? { key: key() } : { key: c.k("a"), range_end: c.k(pick(["c", "f"])) });
  const op = (): Record<string, unknown> => {
    const kind = r();
    if (kind < 0.4) return { request_put: { key: key(), value: value(), prev_kv: r() < 0.5 } };
    if (kind < 0.6) return { request_delete_range: { ...rangeOf(), prev_kv: r() < 0.5 } };
    return { request_range: { ...rangeOf(), limit: pick([0, 1, 2]) } };
  };
  for (let i = 0; i < opsPerSeed; i++) {
    const kind = r();
    if (kind < 0.3) await c.post("/v3/kv/put", { key: key(), value: value(), prev_kv: r() < 0.3 });
    else if (kind < 0.4) await c.post("/v3/kv/deleterange", { ...rangeOf(), prev_kv: r() < 0.5 });
    else if (kind < 0.6) {
      const target = pick(["VALUE", "VERSION", "CREATE", "MOD"] as const);
      const cmp: Record<string, unknown> = { key: key(), target, result: pick(["EQUAL", "NOT_EQUAL", "GREATER", "LESS"]) };
      if (target === "VALUE") cmp.value = value();
      else if (target === "VERSION") cmp.version = Math.floor(r() * 3);
      else if (target === "CREATE") cmp.create_revision = rev();
      else cmp.mod_revision = rev();
      await c.post("/v3/kv/txn", { compare: [cmp], success: [op(), op()], failure: [op()] });
    } else if (kind < 0.95) {
      await c.post("/v3/kv/range", {
        ...rangeOf(),
        limit: pick([0, 0, 1, 2]),
        revision: r() < 0.3 ? rev() : 0,
        sort_order: pick(["NONE", "ASCEND", "DESCEND"]),
        sort_target: pick(["KEY", "CREATE", "MOD"]),
        keys_only: r() < 0.2,
        count_only: r() < 0.1,
      });
    } else await c.post("/v3/kv/compaction", { revision: rev() });
  }
}

describe("v3 random kv sequences", () => {
  for (const seed of seeds) it(`seed ${seed}: ${opsPerSeed} operations`, () => diff(t, (c) => run(c, seed)));
});
