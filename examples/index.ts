/** The examples by name (npm run example -- <name> --endpoint <url>). */
import { configWatch } from "./config-watch.js";
import { leaderElection } from "./leader-election.js";
import type { Example } from "./lib.js";
import { loadBalancer } from "./load-balancer.js";
import { lock } from "./lock.js";
import { notify } from "./notify.js";
import { queue } from "./queue.js";
import { serviceDiscovery } from "./service-discovery.js";

export const examples: Record<string, Example> = {
  "service-discovery": serviceDiscovery,
  "config-watch": configWatch,
  "load-balancer": loadBalancer,
  notify,
  lock,
  queue,
  "leader-election": leaderElection,
};
