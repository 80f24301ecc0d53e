/** Three instances of "web" register with heartbeats; one crashes, one leaves; a client watches the live set. */
import { ServiceRegistry } from "../client/index.js";
import { check, type Example } from "./lib.js";

export const serviceDiscovery: Example = async ({ etcd, prefix, log, signal }) => {
  const registry = new ServiceRegistry(etcd, `${prefix}/services`, { ttl: 2 });
  const seen: string[] = [];
  const watching = (async () => {
    for await (const live of registry.watch("web", { signal })) {
      const ids = live.map((i) => i.id).join(",");
      log(`client sees web = [${ids}]`);
      seen.push(ids);
      if (seen.includes("a,b,c") && ids === "c") return;
    }
  })();
  const regs = await Promise.all(["a", "b", "c"].map((id, i) => registry.register("web", id, `10.0.0.${i + 1}:80`)));
  log("instances a, b, c registered (ttl 2 s, heartbeats every ~0.7 s)");
  await sleepMs(3_000); // longer than the TTL: heartbeats keep everyone alive
  check((await registry.instances("web")).length === 3, "heartbeats keep all three instances alive past their TTL");
  await regs[0]!.abandon();
  log("instance a crashed (stopped heartbeating)");
  await regs[1]!.deregister();
  log("instance b deregistered");
  await watching;
  check(seen.includes("a,b,c") && seen.at(-1) === "c", "the watcher saw all three, then only c");
  await regs[2]!.deregister();
};

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));
