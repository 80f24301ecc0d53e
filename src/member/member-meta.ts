/**
 * The member's own keys in the `meta` table, typed, in one place. Other modules keep their keys
 * next to the code that owns them (raft's hard state in sql-raft-storage.ts: hs_term, hs_vote,
 * hs_commit, hs_quiesced_under, conf_voters, snap_index, snap_term; membership.ts: members,
 * removed_members; the store backends: etcd_index, v3_revision, v3_compact_revision;
 * force-new-cluster.ts: its tombstone and pending flag); these are the ones the Durable Object
 * and the Replica read and write.
 *
 * @module
 */
import { Meta, type Sql } from "./sql.js";
import type { Faults, MemberAddress } from "./rpc-types.js";

/** Keys written by bootstrap.ts / discovery-bootstrap.ts / backup.ts and read here. */
type IdentityKey = "name" | "token" | "id" | "cluster_id";
type MemberKey = IdentityKey | "applied" | "faults";

const noFaults: Faults = { groups: null };

export class MemberMeta {
  /** The untyped table, for the modules that own their own keys (Membership). */
  readonly kv: Meta;

  constructor(sql: Sql) {
    this.kv = new Meta(sql);
  }

  private str(key: MemberKey): string {
    return this.kv.str(key);
  }

  /** This member's name, or "" before it was bootstrapped (or while it waits for discovery). */
  get name(): string {
    return this.str("name");
  }

  get token(): string {
    return this.str("token");
  }

  /** The raft id (hex). */
  get id(): string {
    return this.str("id");
  }

  /** The cluster id (hex). */
  get clusterId(): string {
    return this.str("cluster_id");
  }

  /** The address this object was provisioned under; null before bootstrap. */
  address(): MemberAddress | null {
    const name = this.name;
    return name ? { token: this.token, name } : null;
  }

  /** The last raft index applied to the state machine (written in the same transaction as the apply). */
  get applied(): number {
    return this.kv.num("applied" satisfies MemberKey);
  }

  set applied(index: number) {
    this.kv.set("applied" satisfies MemberKey, index);
  }

  /** Injected network faults (debug routes), kept across restarts. */
  get faults(): Faults {
    return JSON.parse(this.kv.str("faults" satisfies MemberKey, JSON.stringify(noFaults))) as Faults;
  }

  set faults(faults: Faults) {
    this.kv.set("faults" satisfies MemberKey, JSON.stringify(faults));
  }
}
