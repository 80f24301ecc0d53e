// Re-adds cbor-extract's optional platform packages to package-lock.json (see docs/development.md).
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const version = lock.packages["node_modules/cbor-extract"]?.version;
if (!version) throw new Error("cbor-extract is not in package-lock.json");
const platforms = { "darwin-arm64": ["darwin", "arm64"], "darwin-x64": ["darwin", "x64"], "linux-arm": ["linux", "arm"], "linux-arm64": ["linux", "arm64"], "linux-x64": ["linux", "x64"], "win32-x64": ["win32", "x64"] };
for (const [name, [os, cpu]] of Object.entries(platforms)) {
  lock.packages[`node_modules/@cbor-extract/cbor-extract-${name}`] ??= { version, cpu: [cpu], license: "MIT", optional: true, os: [os] };
}
writeFileSync(path, JSON.stringify(lock, null, 2) + "\n");
console.log("package-lock.json: cbor-extract platform packages present");
