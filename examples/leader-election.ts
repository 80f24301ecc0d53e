/** Three candidates campaign; the first leader crashes (its TTL lapses), the next ones resign; an observer follows along. */
import { Election, type Leadership } from "../client/index.js";
import { check, type Example } from "./lib.js";

export const leaderElection: Example = async ({ etcd, prefix, log, signal }) => {
  const election = new Election(etcd, `${prefix}/leader`, { ttl: 2 });
  const observed: string[] = [];
  const stopObserving = new AbortController();
  const observer = (async () => {
    for await (const leader of election.observe({ signal: AbortSignal.any([signal, stopObserving.signal]) })) {
      observed.push(leader ? `${leader.name}@${leader.term}` : "none");
      log(`observer: leader is ${leader ? `${leader.name} (term ${leader.term})` : "nobody"}`);
    }
  })();
  let leaders = 0;
  let maxLeaders = 0;
  const terms: number[] = [];
  const lead = async (l: Leadership, how: "resign" | "crash") => {
    leaders++;
    maxLeaders = Math.max(maxLeaders, leaders);
    terms.push(l.term);
    await new Promise((r) => setTimeout(r, 200));
    leaders--; // the crash leaves the key behind: it lapses only when the TTL runs out
    if (how === "resign") await l.resign();
    else await l.abandon();
  };
  let elected = 0;
  const candidates = ["n1", "n2", "n3"].map(async (name) => {
    const l = await election.campaign(name, { signal });
    const how = elected++ === 0 ? "crash" : "resign";
    log(`${name} became leader (term ${l.term})`);
    await lead(l, how);
    log(how === "crash" ? `${name} crashed: the others wait out its 2 s TTL` : `${name} resigned`);
  });
  await Promise.all(candidates);
  await new Promise((r) => setTimeout(r, 200));
  stopObserving.abort();
  await observer;
  check(maxLeaders === 1, "never two leaders at once");
  check(terms.every((t, i) => i === 0 || t > terms[i - 1]!), "terms strictly increase");
  check(observed.filter((o) => o !== "none").length >= 3, "the observer saw every leader");
};
