/**
 * GET /metrics: every member asked in parallel, each within a per-member deadline, and one
 * Prometheus text answer. A member that does not answer in time is left out (its series are
 * absent), so a scrape answers within about `memberTimeoutMs` however many members are down.
 *
 * ETCD_METRICS: public (default, as etcd serves /metrics), root (root-only while auth is on),
 * off (no route: 404).
 *
 * @module
 */
import { rootOnly } from "../http/auth-routes.js";
import type { Credentials } from "../http/credentials.js";
import { onlyMethods, type RouteHandler } from "../http/route.js";
import type { MemberMetrics } from "../member/metrics.js";
import { renderMetrics } from "./metrics-text.js";
import type { MemberRouter } from "./router.js";

export type MetricsMode = "public" | "root" | "off";

export const metricsLimits = {
  /** How long a scrape waits for one member; Prometheus' default scrape timeout is 10 s. */
  memberTimeoutMs: 2_000,
};

export function parseMetricsMode(raw: string | undefined): MetricsMode {
  const v = (raw ?? "").trim();
  if (v === "") return "public";
  if (v === "public" || v === "root" || v === "off") return v;
  throw new Error(`ETCD_METRICS must be public, root or off, got ${v}`);
}

/** Each member's answer, or null when it did not answer within the deadline. */
export async function gatherMembers<T>(router: MemberRouter, ask: (name: string) => Promise<T>, timeoutMs: number): Promise<Array<T | null>> {
  return Promise.all(
    router.config.members.map(async (m) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
      try {
        return await Promise.race([ask(m.name).catch(() => null), deadline]);
      } finally {
        if (timer !== undefined) clearTimeout(timer);
      }
    }),
  );
}

export function metricsRoutes(router: MemberRouter, credentials: Credentials, mode: MetricsMode): Record<string, RouteHandler> {
  if (mode === "off") return {};
  const scrape: RouteHandler = async (r) => {
    if (r.method === "HEAD") return new Response(null, { headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" } });
    const answers = await gatherMembers(router, (name) => router.stub(name).metrics(router.address(name)) as Promise<MemberMetrics>, metricsLimits.memberTimeoutMs);
    const body = renderMetrics(answers.filter((a): a is MemberMetrics => a !== null));
    return new Response(body, { headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" } });
  };
  const guarded = mode === "root" ? rootOnly(credentials, scrape) : scrape;
  // Prometheus' handler answers HEAD as GET without a body (etcd serves it that way).
  return { "/metrics": onlyMethods(["GET", "HEAD"], guarded) };
}
