/** Four workers take an exclusive lock five times each, then three take the ordered lock: never two holders. */
import { Lock, OrderedLock, type LockHandle } from "../client/index.js";
import { check, type Example } from "./lib.js";

export const lock: Example = async ({ etcd, prefix, log, signal }) => {
  let holders = 0;
  let lastToken = 0;
  let maxHolders = 0;
  let increasing = true;
  const critical = async (who: string, held: LockHandle) => {
    holders++;
    maxHolders = Math.max(maxHolders, holders);
    if (held.token <= lastToken) increasing = false;
    lastToken = held.token;
    log(`${who} holds the lock (fencing token ${held.token})`);
    await new Promise((r) => setTimeout(r, 10));
    holders--;
    await held.release();
  };
  await Promise.all(["w1", "w2", "w3", "w4"].map(async (who) => {
    const lock = new Lock(etcd, `${prefix}/lock`, { ttl: 5, owner: who });
    for (let i = 0; i < 5; i++) await critical(who, await lock.acquire({ signal }));
  }));
  await Promise.all(["o1", "o2", "o3"].map(async (who) => {
    const lock = new OrderedLock(etcd, `${prefix}/ordered`, { ttl: 5, owner: who });
    for (let i = 0; i < 3; i++) await critical(who, await lock.acquire({ signal }));
  }));
  check(maxHolders === 1, `at most one holder at a time (saw ${maxHolders})`);
  check(increasing, "fencing tokens strictly increase");
};
