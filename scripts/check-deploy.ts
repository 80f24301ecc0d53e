/**
 * `npm run check:deploy`: every Worker of the project builds for deployment offline
 * (`wrangler deploy --dry-run`), so a deploy cannot fail on bundling.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "./lib/local-cluster.js";

const configs = ["wrangler.toml", "wrangler.discovery.toml"];
let failed = 0;
for (const config of configs) {
  const outdir = mkdtempSync(join(tmpdir(), "etcd-deploy-"));
  const r = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--config", config, "--outdir", outdir], {
    cwd: projectRoot,
    encoding: "utf8",
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });
  rmSync(outdir, { recursive: true, force: true });
  const ok = r.status === 0;
  if (!ok) failed++;
  console.log(`deploy dry-run ${config}: ${ok ? "ok" : `FAILED\n${r.stdout}\n${r.stderr}`}`);
}
process.exit(failed ? 1 : 0);
