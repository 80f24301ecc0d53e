import { defineConfig } from "vitest/config";

// Node-side tests: the pure core (raft, store), the HTTP layer over an in-process store,
// the simulator and the differential suite against a real etcd.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/workers/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
