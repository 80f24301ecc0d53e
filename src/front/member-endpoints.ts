/**
 * /v2/stats/self, /v2/stats/leader and /v2/machines for the front Worker (spec §6.1, §6.2, §7.3):
 * "self" is the member that serves reads (the pinned member of a per-member client URL, else the
 * leader hint); "leader" asks the leader, and a pinned member that does not lead answers 403, as
 * etcd does; machines are every member's client URL under this Worker.
 *
 * @module
 */
import type { MemberEndpoints } from "../http/stats.js";
import type { MemberInfo } from "../member/membership.js";
import type { MemberRouter } from "./router.js";

/**
 * The membership as the first member that answers knows it, or null when none does. The hinted
 * leader is asked first: it applied any membership change this isolate just made before that
 * change was acknowledged, so a member add is listed right after it (etcdctl reads it back).
 */
export async function loadMembers(router: MemberRouter): Promise<{ members: MemberInfo[]; leader: string } | null> {
  const preferred = router.preferred();
  const order = [preferred, ...router.config.members.map((m) => m.name).filter((n) => n !== preferred)];
  for (const name of order) {
    try {
      return (await router.stub(name).members(router.address(name))) as { members: MemberInfo[]; leader: string };
    } catch {
      // try the next member
    }
  }
  return null;
}

/** A member's etcd client URL: this Worker, addressed to that member. */
export function clientURLOf(origin: string, name: string): string {
  return `${origin}/members/${name}`;
}

export function memberEndpoints(router: MemberRouter, pinned: string): MemberEndpoints {
  return {
    async selfStats() {
      const name = pinned || router.preferred();
      return JSON.stringify(await router.stub(name).selfStats(router.address(name)));
    },
    async leaderStats() {
      if (pinned) {
        const stats = await router.stub(pinned).leaderStats(router.address(pinned));
        return stats ? JSON.stringify(stats) : null;
      }
      const reply = await router.call(true, async (m, s) => {
        const stats = await s.leaderStats(m);
        if (stats) return { kind: "done" as const, stats };
        const status = await s.status(m);
        return { kind: "notLeader" as const, leader: status.leaderName };
      });
      return "stats" in reply ? JSON.stringify(reply.stats) : null;
    },
    async machines(origin) {
      const state = await loadMembers(router);
      return (state?.members ?? []).filter((m) => m.name).map((m) => clientURLOf(origin, m.name));
    },
  };
}
