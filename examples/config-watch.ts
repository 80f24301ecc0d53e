/** A service keeps a typed config current while an operator changes keys under /config. */
import { ConfigWatcher } from "../client/index.js";
import { check, type Example } from "./lib.js";

interface Config {
  mode: string;
  maxConns: number;
  features: string[];
}

export const configWatch: Example = async ({ etcd, prefix, log, signal }) => {
  const dir = `${prefix}/config`;
  await etcd.set(`${dir}/mode`, "blue");
  await etcd.set(`${dir}/maxConns`, "100");
  const parse = (v: Record<string, string>): Config => ({
    mode: v.mode ?? "blue",
    maxConns: Number(v.maxConns ?? "10"),
    features: Object.keys(v).filter((k) => k.startsWith("features/") && v[k] === "on").map((k) => k.slice(9)).sort(),
  });
  const config = new ConfigWatcher(etcd, dir, parse);
  log(`service loaded ${JSON.stringify(await config.start())}`);
  config.subscribe((c) => log(`service now runs with ${JSON.stringify(c)}`));
  await etcd.set(`${dir}/mode`, "green");
  await etcd.set(`${dir}/features/search`, "on");
  await etcd.set(`${dir}/maxConns`, "250");
  const final = await config.until((c) => c.maxConns === 250 && c.mode === "green" && c.features.includes("search"), signal);
  await etcd.delete(`${dir}/features`, { recursive: true });
  const after = await config.until((c) => c.features.length === 0, signal);
  await config.stop();
  check(final.mode === "green" && after.maxConns === 250, "the snapshot follows every change, directory deletes included");
};
