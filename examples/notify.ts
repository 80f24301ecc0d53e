/** A coordinator notifies three workers of three jobs; each worker reports progress with a TTL. */
import { Notifier } from "../client/index.js";
import { check, type Example } from "./lib.js";

export const notify: Example = async ({ etcd, prefix, log, signal }) => {
  const notifier = new Notifier(etcd, `${prefix}/notify`);
  const start = (await etcd.get("/", { quorum: true })).etcdIndex;
  const workers = ["w1", "w2", "w3"].map(async (name) => {
    const got: string[] = [];
    for await (const m of notifier.listen("jobs", { afterIndex: start, signal })) {
      got.push(m.message);
      await notifier.report("jobs", name, `done ${got.length}`, { ttl: 30 });
      if (got.length === 3) break;
    }
    log(`${name} got ${got.join(", ")}`);
    return got.join(",");
  });
  for (const job of ["build", "test", "deploy"]) await notifier.notify("jobs", job, { ttl: 60 });
  log("coordinator sent build, test, deploy");
  const received = await Promise.all(workers);
  check(received.every((r) => r === "build,test,deploy"), "every worker got every message, in order");
  const reports = await notifier.reports("jobs");
  log(`reports: ${JSON.stringify(reports)}`);
  check(Object.values(reports).filter((s) => s === "done 3").length === 3, "all three workers reported done");
};
