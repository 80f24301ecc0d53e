/**
 * First start of a member. A member of a new cluster writes what etcd's raft Bootstrap writes:
 * one ConfChange(addNode) entry per initial member at term 1, committed, with the voters known.
 * Applying those entries records the members in the store (/0/members), so every member, and
 * any member that joins later and replays the log, builds the same state.
 *
 * @module
 */
import type { ClusterConfig } from "../cluster/config.js";
import { encodeConfChange } from "../raft/index.js";
import { compareIds } from "../cluster/ids.js";
import type { Entry } from "../raft/types.js";
import { encodeMemberContext } from "./proposal.js";
import type { MemberAddress } from "./rpc-types.js";
import { Meta, type Sql } from "./sql.js";
import { SqlRaftStorage } from "./sql-raft-storage.js";
import { schemaVersion } from "./schema.js";

export function bootstrapMember(sql: Sql, config: ClusterConfig, self: MemberAddress): void {
  const meta = new Meta(sql);
  if (meta.str("name")) return;
  if (self.token !== config.token) throw new Error(`unknown cluster token ${self.token}`);
  const me = config.members.find((m) => m.name === self.name);
  const id = me?.id ?? self.id;
  // A member added at runtime starts when a peer first reaches it (peers always send its id).
  if (!id) throw new Error(`${self.name} is not a member of cluster ${config.token}`);
  meta.set("schema_version", schemaVersion);
  meta.set("name", self.name);
  meta.set("token", config.token);
  meta.set("id", id);
  meta.set("cluster_id", config.clusterId);
  // Joining an existing cluster: no log, no voters; the leader sends the log or a snapshot.
  if (!me || config.state === "existing") return;
  const storage = new SqlRaftStorage(sql, () => 0);
  const members = [...config.members].sort((a, b) => compareIds(a.id, b.id));
  const entries: Entry[] = members.map((m, i) => ({
    term: 1,
    index: i + 1,
    type: "confChange",
    data: encodeConfChange({
      type: "addNode",
      nodeId: m.id,
      context: encodeMemberContext({ name: m.name, peerURLs: [m.peerURL] }),
    }),
  }));
  storage.append(entries);
  storage.setHardState({ term: 1, vote: "", commit: entries.length });
  storage.setConfState({ voters: members.map((m) => m.id) });
}
