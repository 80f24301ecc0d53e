/**
 * Admin routes (root only while auth is on, as etcd's member changes): GET /admin/backup exports a consistent copy of the cluster's state;
 * POST /admin/restore re-bootstraps every member in place from such a copy — etcd's
 * `--force-new-cluster` with backed-up data. The membership after a restore is the Worker's
 * configured one; writes made after the backup are gone, as with etcd. POST
 * /admin/force-new-cluster recovers from quorum loss with one surviving member (force-new-cluster.ts).
 *
 * @module
 */
import { backupBytesMax, decodeBackup, type RestorePlan } from "../member/backup.js";
import type { MemberStatus } from "../member/rpc-types.js";
import type { Credentials } from "../http/credentials.js";
import { rootOnly } from "../http/auth-routes.js";
import { messageResponse, onlyMethods, type RouteHandler } from "../http/route.js";
import type { MemberRouter } from "./router.js";
import { forceNewClusterRoute } from "./force-new-cluster.js";

export function adminRoutes(router: MemberRouter, credentials: Credentials): Record<string, RouteHandler> {
  const message = messageResponse;

  const backupRoute: RouteHandler = async () => {
    const reply = await router.call(true, (m, s) => s.backup(m) as Promise<{ kind: "done"; backup: Uint8Array } | { kind: "notLeader"; leader: string }>);
    if (reply.kind !== "done" || !("backup" in reply)) return message(503, "no leader could confirm a consistent point; retry");
    return new Response(reply.backup, {
      headers: { "Content-Type": "application/cbor", "Content-Disposition": 'attachment; filename="etcd-backup.cbor"' },
    });
  };

  const restoreRoute: RouteHandler = async (r) => {
    const body = new Uint8Array(await r.raw.arrayBuffer());
    if (body.length > backupBytesMax) return message(413, `backup larger than ${backupBytesMax} bytes`);
    const backup = decodeBackup(body);
    if (!backup) return message(400, "the body is not a backup made by GET /admin/backup");
    const config = router.config;
    const statuses: MemberStatus[] = [];
    for (const m of config.members) {
      try {
        statuses.push(await router.stub(m.name).status(router.address(m.name)));
      } catch (e) {
        return message(503, `member ${m.name} is unreachable; nothing was restored (${String(e)})`);
      }
    }
    const plan: RestorePlan = {
      term: Math.max(...statuses.map((s) => s.term)) + 1,
      index: Math.max(backup.header.raftIndex, ...statuses.map((s) => s.lastIndex)) + 1,
      // A member re-added by force-new-cluster runs under a new id, not the configured one.
      members: config.members.map((m, i) => ({ id: statuses[i]!.id || m.id, name: m.name, peerURL: m.peerURL })),
    };
    for (const m of config.members) {
      const r = await router.stub(m.name).restore(router.address(m.name), body, plan);
      if (!r.ok) return message(500, `restoring ${m.name} failed: ${r.message ?? "unknown"}; run the restore again`);
    }
    return new Response(JSON.stringify({ restored: config.members.map((m) => m.name), term: plan.term, index: plan.index, etcdIndex: backup.header.etcdIndex }) + "\n", {
      headers: { "Content-Type": "application/json" },
    });
  };

  return {
    "/admin/backup": onlyMethods(["GET"], rootOnly(credentials, backupRoute)),
    "/admin/restore": onlyMethods(["POST"], rootOnly(credentials, restoreRoute)),
    "/admin/force-new-cluster": onlyMethods(["POST"], rootOnly(credentials, forceNewClusterRoute(router))),
  };
}
