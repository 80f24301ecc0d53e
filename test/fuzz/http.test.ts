/**
 * 100,000 generated requests through the HTTP layer in process (createApp over the single-member
 * DirectHandler: routing, parsing, validation, auth, rendering): every answer well formed, and a
 * refused keys write leaves the store's etcd index where it was. FUZZ_SEED replays a run;
 * FUZZ_REQUESTS sets its size.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app.js";
import { DirectHandler } from "../../src/http/direct-handler.js";
import { describeRequest, malformedAnswer, requestGenerator } from "./generate.js";

const seed = Number(process.env.FUZZ_SEED || Date.now() % 1_000_000);
const requests = Number(process.env.FUZZ_REQUESTS || 100_000);

describe(`fuzz in process (FUZZ_SEED=${seed})`, () => {
  it(`${requests} generated requests: well-formed answers, refused writes change nothing`, { timeout: 600_000 }, async () => {
    // No SYNC timer: nothing but the requests changes the store.
    const handler = new DirectHandler({ autoSync: false });
    const app = createApp({ handler, now: () => Date.now(), member: handler.memberEndpoints() });
    const next = requestGenerator(seed);
    try {
      for (let i = 0; i < requests; i++) {
        const r = next();
        const before = handler.store.index();
        const res = await app.fetch(new Request(`http://etcd.test${r.target}`, { method: r.method, headers: r.headers, ...(r.body !== undefined ? { body: r.body } : {}) }), { rawTarget: r.target });
        const text = await res.text();
        const what = describeRequest(i, seed, r);
        const bad = malformedAnswer(r, res.status, res.headers.get("Content-Type") ?? "", text);
        if (bad !== null) expect.fail(`${what}: ${bad}`);
        if (r.keysWrite && res.status >= 400 && handler.store.index() !== before) expect.fail(`${what}: a refused write moved the etcd index`);
      }
    } finally {
      handler.close();
    }
  });
});
