/**
 * POST /admin/force-new-cluster {"member":"<survivor>"}: recovery from quorum loss, etcd's
 * `--force-new-cluster` followed by `etcdctl member add` for each lost member, in one call.
 *
 * 1. Look at every member first; refuse, changing nothing, when the survivor cannot serve, when
 *    any other member that may still hold data cannot be reached (it could not be fenced), or
 *    when the members still holding data are a quorum (unless `"force":true`: they may be stuck
 *    behind a partition, but they are wiped).
 * 2. Fence: destroy every other member of the old cluster that still holds data, so no quorum of
 *    the old configuration can ever form again.
 * 3. The survivor restarts as a one-member cluster with all its applied data, at a higher term.
 * 4. Each other member (configured, or added at runtime) is provisioned again under a new id, added through the
 *    survivor (one change at a time, as etcd requires) and waited on until it has caught up by
 *    snapshot. What could not be done before the deadline is reported as pending; running the
 *    same call again finishes it.
 *
 * @module
 */
import { compareIds } from "../cluster/ids.js";
import { readdedMemberId, type ForceNewClusterOutcome } from "../member/force-new-cluster.js";
import type { MemberInfo } from "../member/membership.js";
import type { MemberChangeReply, MemberStatus } from "../member/rpc-types.js";
import { messageResponse, type RouteHandler } from "../http/route.js";
import { randomId, type MemberRouter } from "./router.js";

export const forceNewCluster = {
  bodyBytesMax: 4_096,
  /** Waiting for the survivor to apply what it committed and restart as a one-member cluster. */
  convertTimeoutMs: 20_000,
  /** Re-adding every other member (each one an election, a conf change and a snapshot). */
  readdTimeoutMs: 60_000,
  pollMs: 100,
};

interface Readded {
  name: string;
  id: string;
}

export function forceNewClusterRoute(router: MemberRouter): RouteHandler {
  const message = messageResponse;
  const config = router.config;
  const stub = (name: string) => router.stub(name);
  const address = (name: string) => router.address(name);

  return async (r) => {
    const text = await r.raw.text();
    if (new TextEncoder().encode(text).length > forceNewCluster.bodyBytesMax) return message(413, `body larger than ${forceNewCluster.bodyBytesMax} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return message(400, 'expected a JSON body {"member":"<name of the surviving member>"}');
    }
    const survivor = (body as { member?: unknown } | null)?.member;
    const force = (body as { force?: unknown } | null)?.force ?? false;
    if (typeof survivor !== "string" || survivor === "" || typeof force !== "boolean") return message(400, 'expected a JSON body {"member":"<name of the surviving member>"}');
    if (!config.members.some((m) => m.name === survivor)) return message(404, `no member ${survivor} in the configured cluster`);

    // 1. Nothing changes until every member that may hold data has answered.
    const state = await stub(survivor).lifecycle(address(survivor)).catch(() => null);
    if (!state) return message(503, `member ${survivor} is unreachable; nothing was changed`);
    if (state.destroyed) return message(409, `member ${survivor} was destroyed; name a member that still has its data`);
    let before: MemberStatus;
    let oldMembers: MemberInfo[];
    try {
      before = (await stub(survivor).status(address(survivor))) as MemberStatus;
      oldMembers = ((await stub(survivor).members(address(survivor))) as { members: MemberInfo[] }).members;
    } catch (e) {
      return message(503, `member ${survivor} did not answer (${String(e)}); nothing was changed`);
    }
    const others = [...new Set([...config.members.map((m) => m.name), ...oldMembers.map((m) => m.name)])].filter((n) => n && n !== survivor);
    const holding: string[] = [];
    for (const name of others) {
      const s = await stub(name).lifecycle(address(name)).catch(() => null);
      if (!s) return message(503, `member ${name} is unreachable and may still hold data: it cannot be fenced; nothing was changed`);
      if (!s.destroyed) holding.push(name);
    }

    // Members that hold data and answer may still form a quorum: wiping them is for when they cannot.
    const quorum = Math.floor(Math.max(oldMembers.length, 1) / 2) + 1;
    const voting = holding.filter((n) => oldMembers.some((m) => m.name === n));
    if (!force && 1 + voting.length >= quorum) {
      return message(409, `members ${[survivor, ...holding].join(", ")} still hold their data, a quorum of the cluster: force-new-cluster would wipe ${holding.join(", ")}; send "force":true to do so; nothing was changed`);
    }

    // 2. Fence the old cluster: no two of its members may ever again form a quorum.
    for (const name of holding) {
      await stub(name).destroy(address(name)).catch(() => undefined); // ends in the object's restart
      const s = await stub(name).lifecycle(address(name)).catch(() => null);
      if (!s?.destroyed) return message(503, `member ${name} could not be fenced; the survivor was not changed; run this again`);
    }

    // 3. The survivor restarts as a one-member cluster.
    let outcome: ForceNewClusterOutcome = null;
    const convertBy = Date.now() + forceNewCluster.convertTimeoutMs;
    for (;;) {
      const asked = await stub(survivor).forceNewCluster(address(survivor)).catch(() => null);
      if (asked && asked.message !== "restarting" && !asked.message.includes("still applying")) return message(409, asked.message);
      outcome = (await stub(survivor).forceNewClusterOutcome(address(survivor)).catch(() => null)) as ForceNewClusterOutcome;
      if (outcome?.ok) break;
      if (Date.now() >= convertBy) return message(503, `member ${survivor} did not restart as a one-member cluster in time (${outcome?.reason ?? asked?.message ?? "no answer"}); the others are fenced; run this again`);
      await sleep(forceNewCluster.pollMs);
    }

    // 4. Re-add the other configured members under new ids.
    const taken = new Set([before.id, ...outcome.dropped, ...config.members.map((m) => m.id)]);
    const added: Readded[] = [];
    const pending: string[] = [];
    const readdBy = Date.now() + forceNewCluster.readdTimeoutMs;
    // The configured members, and any member added at runtime (its name is fenced too).
    const readds = others.map((name) => ({ name, peerURL: config.members.find((c) => c.name === name)?.peerURL ?? oldMembers.find((o) => o.name === name)?.peerURLs[0] ?? "" }));
    for (const m of readds) {
      const id = readdedMemberId(m.peerURL, config.token, outcome.plan.term, taken);
      taken.add(id);
      const ok = pending.length === 0 && (await readd(router, survivor, m.name, m.peerURL, id, readdBy));
      if (ok) added.push({ name: m.name, id });
      else pending.push(m.name);
    }

    const answer = {
      survivor: { name: survivor, id: before.id },
      term: outcome.plan.term,
      index: outcome.plan.index,
      removed: [...outcome.dropped].sort(compareIds),
      added,
      pending,
      ...(pending.length ? { message: "some members were not re-added in time; run POST /admin/force-new-cluster again with the same member" } : {}),
    };
    return new Response(JSON.stringify(answer) + "\n", { headers: { "Content-Type": "application/json" } });
  };
}

/** Provision `name` under `id`, add it through the survivor and wait until it has caught up. */
async function readd(router: MemberRouter, survivor: string, name: string, peerURL: string, id: string, by: number): Promise<boolean> {
  const fresh = await router.stub(name).rejoinAs(router.address(name), id, router.config.clusterId).catch(() => null);
  if (!fresh?.ok) return false;
  const requestId = randomId();
  let raftIndex = 0;
  while (raftIndex === 0) {
    const reply = (await router
      .stub(survivor)
      .changeMembership(router.address(survivor), "addNode", id, { name, peerURLs: [peerURL], requestId })
      .catch(() => null)) as MemberChangeReply | null;
    if (reply?.kind === "done") raftIndex = reply.raftIndex;
    else if (reply?.kind === "refused" && reply.message === "membership: ID exists") {
      raftIndex = ((await router.stub(survivor).status(router.address(survivor))) as MemberStatus).commit;
    } else if (Date.now() >= by) return false;
    // notLeader: the survivor is still electing itself; refused: the last member added has not
    // caught up yet (etcd's strict reconfiguration check), or a change is still in progress.
    else await sleep(forceNewCluster.pollMs);
  }
  for (;;) {
    const s = (await router.stub(name).status(router.address(name)).catch(() => null)) as MemberStatus | null;
    if (s && s.applied >= raftIndex) return true;
    if (Date.now() >= by) return false;
    await sleep(forceNewCluster.pollMs);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
