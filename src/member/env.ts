/**
 * Bindings and vars of the Worker and its member Durable Objects.
 *
 * @module
 */
import type { ClusterEnv } from "../cluster/config.js";
import type { Member } from "./member-do.js";

export interface Env extends ClusterEnv {
  MEMBER: DurableObjectNamespace<Member>;
}
