import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";

// Workers integration tests: the member Durable Object in workerd (SQLite, alarms, RPC,
// eviction). One 3-member cluster per test file; storage is isolated per file.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ETCD_INITIAL_CLUSTER: "infra0,infra1,infra2",
          ETCD_SNAPSHOT_COUNT: "40",
          ETCD_HEARTBEAT_INTERVAL: "50",
          ETCD_ELECTION_TIMEOUT: "500",
          ETCD_DEBUG: "1",
          // As a fresh etcd; test/workers/auth-bootstrap.test.ts covers the other modes.
          ETCD_AUTH_BOOTSTRAP: "off",
        },
      },
    }),
  ],
  test: {
    include: ["test/workers/**/*.test.ts"],
    // test/workers/fuzz.test.ts: FUZZ_SEED replays a run, FUZZ_REQUESTS sets its size.
    provide: { fuzzSeed: process.env.FUZZ_SEED ?? "", fuzzRequests: process.env.FUZZ_REQUESTS ?? "" },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

declare module "vitest" {
  export interface ProvidedContext {
    fuzzSeed: string;
    fuzzRequests: string;
  }
}
