/**
 * `npm start`: run the 3-member cluster locally on http://127.0.0.1:8787 (PORT overrides),
 * with state kept under .wrangler/state across restarts.
 */
import { startLocalCluster } from "./lib/local-cluster.js";

const port = Number(process.env.PORT ?? "8787");
/** Local default for the root user's password; set ETCD_ROOT_PASSWORD to choose another. */
const localRootPassword = "etcd-local-root";
const vars: Record<string, string> = { ETCD_ROOT_PASSWORD: process.env.ETCD_ROOT_PASSWORD ?? localRootPassword };
if (process.env.ETCD_DEBUG === "1") vars.ETCD_DEBUG = "1";

const cluster = await startLocalCluster({ port, persistTo: ".wrangler/state", vars, inheritOutput: true });
console.log(`etcd-edge: ready on ${cluster.url} (try: curl -XPUT ${cluster.url}/v2/keys/message -d value=Hello)`);
const stop = async () => {
  await cluster.stop();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
cluster.process.on("exit", (code) => process.exit(code ?? 1));
