/**
 * `npm start`: run the 3-member cluster locally on http://127.0.0.1:8787 (PORT overrides),
 * with state kept under .wrangler/state across restarts, and the discovery service on
 * http://127.0.0.1:8788 (DISCOVERY_PORT overrides), whose registries live in that cluster.
 */
import { join } from "node:path";
import { projectRoot, startLocalCluster } from "./lib/local-cluster.js";

const port = Number(process.env.PORT ?? "8787");
const discoveryPort = Number(process.env.DISCOVERY_PORT ?? "8788");
// A fresh etcd's state (auth off, no users), unless ETCD_ROOT_PASSWORD pre-creates root or
// ETCD_AUTH_BOOTSTRAP asks for more (e.g. lockdown, as a deploy).
const rootPassword = process.env.ETCD_ROOT_PASSWORD ?? "";
const vars: Record<string, string> = { ETCD_AUTH_BOOTSTRAP: process.env.ETCD_AUTH_BOOTSTRAP ?? (rootPassword ? "root" : "off") };
if (rootPassword) vars.ETCD_ROOT_PASSWORD = rootPassword;
if (process.env.ETCD_DEBUG === "1") vars.ETCD_DEBUG = "1";

// The discovery Worker reaches the member DOs through wrangler's dev registry; a registry of
// our own keeps it bound to this cluster, not to another `wrangler dev` of etcd-edge.
process.env.WRANGLER_REGISTRY_PATH ??= join(projectRoot, ".wrangler", "registry");
const started = await Promise.allSettled([
  startLocalCluster({ port, persistTo: ".wrangler/state", vars, inheritOutput: true }),
  startLocalCluster({ port: discoveryPort, config: "wrangler.discovery.toml", persistTo: ".wrangler/state-discovery", readyCheckPath: "/", inheritOutput: true }),
]);
const running = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
const shutdown = async (code: number) => {
  await Promise.all(running.map((c) => c.stop()));
  process.exit(code);
};
const [cluster, discovery] = started;
if (cluster.status === "rejected" || discovery.status === "rejected") {
  for (const r of started) if (r.status === "rejected") console.error(String(r.reason));
  await shutdown(1);
} else {
  console.log(`etcd-edge: ready on ${cluster.value.url} (try: curl -XPUT ${cluster.value.url}/v2/keys/message -d value=Hello)`);
  console.log(`etcd-edge discovery: ready on ${discovery.value.url} (try: curl ${discovery.value.url}/new?size=3)`);
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  for (const c of running) c.process.on("exit", (code) => void shutdown(code ?? 1));
}
