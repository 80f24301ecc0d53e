import { defineConfig } from "vitest/config";

// Node-side tests. The Workers integration tests (workerd) run with vitest.workers.config.ts.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/**/*.test.ts"], exclude: ["test/workers/**", "test/diff/**", "test/e2e/**", "test/discovery/e2e/**", "node_modules/**"] },
      },
      { extends: true, test: { name: "diff", include: ["test/diff/**/*.test.ts"] } },
      {
        extends: true,
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], globalSetup: ["test/e2e/global-setup.ts"], fileParallelism: false },
      },
      // Real etcd 3.4 processes bootstrapping through the discovery Worker (starts its own wrangler dev pair).
      { extends: true, test: { name: "discovery-e2e", include: ["test/discovery/e2e/**/*.test.ts"], fileParallelism: false } },
    ],
  },
});
