/**
 * `wrangler dev` without the DevTools inspector, through wrangler's own API (the CLI always
 * attaches one). With the inspector attached, wrangler asks workerd for a Network event per
 * request and relays each through two more processes (its inspector proxy and wrangler's Node
 * process): on this 2-core machine that tripled what 1,000 watch responses cost. Deployed
 * Workers have no inspector, so the benchmarks run without it.
 *
 *   node --import tsx scripts/lib/dev-server.ts '<JSON: {config, port, persistTo, vars}>'
 *
 * Runs until SIGTERM (startLocalCluster stops it like the CLI). Prints the address of the
 * workerd that runs the Worker itself, behind wrangler's dev proxy (a second workerd holding
 * two sockets per open request: 10,000 open watches exceed this machine's 20,000 open files):
 * `npm run bench -- --watch` measures there, as a deployed Worker has no such proxy.
 */
import { unstable_DevEnv } from "wrangler";

interface DevServerOptions {
  config: string;
  port: number;
  persistTo?: string;
  vars: Record<string, string>;
}

const opts = JSON.parse(process.argv[2] ?? "{}") as DevServerOptions;
const bindings = Object.fromEntries(Object.entries(opts.vars).map(([k, v]) => [k, { type: "plain_text" as const, value: v }]));
const devEnv = new unstable_DevEnv();
let direct = "";
let known: () => void = () => {};
const directKnown = new Promise<void>((r) => (known = r));
// The proxy learns the Worker's own address from this event (wrangler 4.86's DevEnv bus).
const onReloadComplete = devEnv.proxy.onReloadComplete.bind(devEnv.proxy);
devEnv.proxy.onReloadComplete = (event) => {
  const u = event.proxyData.userWorkerUrl;
  direct = `${u.protocol}//${u.hostname}:${u.port}`;
  known();
  return onReloadComplete(event);
};
const worker = await devEnv.startWorker({
  config: opts.config,
  bindings,
  // watch: false — an edit to src/ must not restart a cluster in the middle of a measurement.
  dev: { inspector: false, watch: false, server: { hostname: "127.0.0.1", port: opts.port }, ...(opts.persistTo ? { persist: opts.persistTo } : {}), logLevel: "warn" },
});
await worker.ready;
await directKnown;
console.log(`dev-server: ready on http://127.0.0.1:${opts.port} (no inspector); direct ${direct}`);
const stop = async () => {
  await worker.dispose();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
