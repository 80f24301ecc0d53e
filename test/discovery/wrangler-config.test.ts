// wrangler.discovery.toml as wrangler reads it: the deployed /new limit (the rate-limiting
// binding) and the in-isolate one (DISCOVERY_NEW_PER_MINUTE_MAX) must say the same thing.
import { join } from "node:path";
import { expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { projectRoot } from "../../scripts/lib/local-cluster.js";
import { parseDiscoveryConfig, type DiscoveryEnv } from "../../src/discovery/config.js";
import { newLimitPeriodSeconds } from "../../src/discovery/rate-limit.js";

it("binds DISCOVERY_NEW_LIMITER per minute at DISCOVERY_NEW_PER_MINUTE_MAX, and its vars parse", () => {
  const config = unstable_readConfig({ config: join(projectRoot, "wrangler.discovery.toml") });
  const parsed = parseDiscoveryConfig(config.vars as DiscoveryEnv);
  expect(config.ratelimits).toEqual([
    { name: "DISCOVERY_NEW_LIMITER", namespace_id: expect.stringMatching(/^[1-9][0-9]*$/), simple: { limit: parsed.newPerMinuteMax, period: newLimitPeriodSeconds } },
  ]);
  // The secret never lives in the repository.
  expect(config.vars).not.toHaveProperty("DISCOVERY_NEW_TOKEN");
  expect(parsed.newBearerToken).toBe("");
});
