/**
 * The dashboard's routes: GET /ui (the page, src/front/ui-page.ts) and GET /ui/cluster, the
 * cluster pane's JSON (every member's role, term, commit and applied index, leader, quiesced,
 * location hint).
 * That JSON says more than /v2/members and /v2/stats do, so it is root-only while auth is on;
 * with auth off it is as open as the rest of the API, as etcd's are.
 *
 * @module
 */
import { rootOnly } from "../http/auth-routes.js";
import type { Credentials } from "../http/credentials.js";
import { onlyMethods, type RouteHandler } from "../http/route.js";
import type { MemberStatus } from "../member/rpc-types.js";
import { gatherMembers } from "./metrics.js";
import type { MemberRouter } from "./router.js";
import { dashboardHtml } from "./ui-page.js";

export const uiLimits = {
  /** The cluster pane polls every 2 s: a member that does not answer within this shows as unreachable. */
  memberTimeoutMs: 1_500,
};

export function uiRoutes(router: MemberRouter, credentials: Credentials): Record<string, RouteHandler> {
  const page: RouteHandler = () =>
    new Response(dashboardHtml, {
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        // Everything the page needs is inline; it talks only to this Worker.
        "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'",
        "Cache-Control": "no-store",
      },
    });
  const cluster: RouteHandler = async () => {
    const answers = await gatherMembers(router, (name) => router.stub(name).status(router.address(name)) as Promise<MemberStatus>, uiLimits.memberTimeoutMs);
    const members = router.config.members.map((m, i) => {
      const s = answers[i];
      const hint = m.locationHint || "—";
      if (!s) return { name: m.name, id: m.id, hint, error: "no answer" };
      return { name: s.name || m.name, id: s.id, role: s.role, term: s.term, commit: s.commit, applied: s.applied, leader: s.leaderName, quiesced: s.quiesced, hint };
    });
    return new Response(JSON.stringify({ members }), { headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });
  };
  return {
    "/ui": onlyMethods(["GET"], page),
    "/ui/cluster": onlyMethods(["GET"], rootOnly(credentials, cluster)),
  };
}
