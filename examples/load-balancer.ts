/** A client spreads six calls round-robin over three backends, then over the two left after one leaves. */
import { LoadBalancer, ServiceRegistry } from "../client/index.js";
import { check, type Example } from "./lib.js";

export const loadBalancer: Example = async ({ etcd, prefix, log, signal }) => {
  const registry = new ServiceRegistry(etcd, `${prefix}/services`, { ttl: 5 });
  const regs = await Promise.all(["b1", "b2", "b3"].map((id) => registry.register("api", id, `http://${id}.internal`)));
  const lb = new LoadBalancer(registry, "api");
  await lb.start();
  await lb.until((live) => live.length === 3, signal);
  const first = Array.from({ length: 6 }, () => lb.next()!.id);
  log(`calls went to ${first.join(" ")}`);
  check(["b1", "b2", "b3"].every((id) => first.filter((x) => x === id).length === 2), "each of 3 backends got 2 of 6 calls");
  await regs[1]!.deregister();
  await lb.until((live) => live.length === 2, signal);
  const second = Array.from({ length: 4 }, () => lb.next()!.id);
  log(`after b2 left, calls went to ${second.join(" ")}`);
  check(!second.includes("b2") && second.filter((x) => x === "b1").length === 2, "the departed backend gets no calls");
  await lb.stop();
  await Promise.all([regs[0]!.deregister(), regs[2]!.deregister()]);
};
