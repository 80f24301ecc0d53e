// Unit test: the liveness probe's interval grows with the watches an isolate holds, so idle
// watches cost at most watchLivenessProbesPerSecondMax writes a second.
import { expect, test } from "vitest";
import { countWatchBody, livenessProbeMs, watchLivenessProbeMs, watchLivenessProbesPerSecondMax } from "../../src/http/watch.js";

test("the probe interval is 2 s up to 2,000 watches, then grows so probes stay at 1,000/s", () => {
  const base = livenessProbeMs();
  expect(base).toBe(watchLivenessProbeMs);
  const releases = Array.from({ length: 10_000 }, () => countWatchBody());
  expect(livenessProbeMs()).toBe(10_000);
  expect((10_000 / livenessProbeMs()) * 1000).toBeLessThanOrEqual(watchLivenessProbesPerSecondMax);
  for (const r of releases.slice(0, 9_000)) r();
  releases[0]!(); // a second release of the same body counts once
  expect(livenessProbeMs()).toBe(watchLivenessProbeMs);
  for (const r of releases.slice(9_000)) r();
});
