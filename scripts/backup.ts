/**
 * Export a consistent backup of a cluster, or restore one (force-new-cluster):
 *
 *   ETCD_ROOT_PASSWORD=… npm run backup -- --url http://127.0.0.1:8787 --out backup.cbor
 *   ETCD_ROOT_PASSWORD=… npm run backup -- --url http://127.0.0.1:8787 --restore backup.cbor
 *
 * The password is root's, needed while auth is on (as etcd's member changes); unset, the
 * requests go without credentials, which a cluster with auth off accepts.
 */
import { readFileSync, writeFileSync } from "node:fs";

/** Progress goes to stderr at most this often, so a large store shows it is moving. */
const progressEveryMs = 1_000;
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const url = (arg("url") ?? "http://127.0.0.1:8787").replace(/\/$/, "");
const password = process.env.ETCD_ROOT_PASSWORD ?? "";
const auth: Record<string, string> = password ? { Authorization: `Basic ${Buffer.from(`root:${password}`).toString("base64")}` } : {};

const restoreFrom = arg("restore");
if (restoreFrom) {
  const body = readFileSync(restoreFrom);
  // One request: the Worker restores every member in turn before it answers, so the progress
  // that can be shown is the time spent waiting.
  console.error(`restore: sending ${mib(body.length)} from ${restoreFrom}; every member is restored before the answer`);
  const ticker = setInterval(() => console.error(`restore: waiting, ${elapsed()}`), progressEveryMs * 5);
  const res = await fetch(`${url}/admin/restore`, { method: "POST", body, headers: { ...auth, "Content-Type": "application/cbor" } }).finally(() => clearInterval(ticker));
  console.log(`restore: ${res.status} after ${elapsed()} ${await res.text()}`);
  process.exit(res.ok ? 0 : 1);
}
const out = arg("out") ?? "etcd-backup.cbor";
const res = await fetch(`${url}/admin/backup`, { headers: auth });
if (!res.ok) {
  console.error(`backup: ${res.status} ${await res.text()}`);
  process.exit(1);
}
console.error(`backup: the leader captured a consistent copy after ${elapsed()}; downloading`);
const chunks: Uint8Array[] = [];
let received = 0;
let reportedAt = Date.now();
for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
  chunks.push(chunk);
  received += chunk.length;
  if (Date.now() - reportedAt >= progressEveryMs) {
    reportedAt = Date.now();
    console.error(`backup: ${mib(received)} received, ${elapsed()}`);
  }
}
const bytes = Buffer.concat(chunks);
writeFileSync(out, bytes);
console.log(`backup: wrote ${bytes.length} bytes to ${out} in ${elapsed()}`);
