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
  const res = await fetch(`${url}/admin/restore`, { method: "POST", body: readFileSync(restoreFrom), headers: { ...auth, "Content-Type": "application/cbor" } });
  console.log(`restore: ${res.status} ${await res.text()}`);
  process.exit(res.ok ? 0 : 1);
}
const out = arg("out") ?? "etcd-backup.cbor";
const res = await fetch(`${url}/admin/backup`, { headers: auth });
if (!res.ok) {
  console.error(`backup: ${res.status} ${await res.text()}`);
  process.exit(1);
}
const bytes = new Uint8Array(await res.arrayBuffer());
writeFileSync(out, bytes);
console.log(`backup: wrote ${bytes.length} bytes to ${out}`);
