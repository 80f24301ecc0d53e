/**
 * Seeded fuzzing of the real front Worker with the member Durable Objects in process (real
 * SQLite, real Raft, auth checked by the members): every answer well formed (test/fuzz), and a
 * refused keys write leaves the etcd index where it was. Requests here cost a cluster round trip
 * each, so this run is small; test/fuzz/http.test.ts sends 100,000 through the same HTTP layer
 * in process. FUZZ_SEED replays a run; FUZZ_REQUESTS sets its size.
 */
import { describe, expect, inject, it } from "vitest";
import { describeRequest, malformedAnswer, requestGenerator } from "../fuzz/generate.js";
import { api, eventually } from "./helpers.js";

const seed = Number(inject("fuzzSeed") || Date.now() % 1_000_000);
const requests = Number(inject("fuzzRequests") || 300);

describe(`fuzz through the Worker (FUZZ_SEED=${seed})`, () => {
  it(`${requests} generated requests: well-formed answers, refused writes change nothing`, { timeout: 600_000 }, async () => {
    await eventually("a leader", async () => (await api("/v2/keys/?quorum=true")).status === 200);
    // A key that never exists: its 404 carries the index without listing what the run wrote.
    const etcdIndex = async () => Number((await api("/v2/keys/fuzz-probe?quorum=true")).headers.get("X-Etcd-Index") ?? "0");
    const next = requestGenerator(seed);
    for (let i = 0; i < requests; i++) {
      const r = next();
      const what = describeRequest(i, seed, r);
      const before = r.keysWrite ? await etcdIndex() : 0;
      let res: Response;
      try {
        res = await api(r.target, { method: r.method, headers: r.headers, ...(r.body !== undefined ? { body: r.body } : {}) });
      } catch (e) {
        // The test's own Request constructor refuses some targets before any Worker code runs.
        if (e instanceof TypeError) continue;
        throw e;
      }
      const text = await res.text();
      expect(malformedAnswer(r, res.status, res.headers.get("Content-Type") ?? "", text), what).toBeNull();
      if (r.keysWrite && res.status >= 400) expect(await etcdIndex(), `${what}: a refused write moved the etcd index`).toBe(before);
    }
  });
});

declare module "vitest" {
  export interface ProvidedContext {
    fuzzSeed: string;
    fuzzRequests: string;
  }
}
