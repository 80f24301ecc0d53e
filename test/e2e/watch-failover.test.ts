/**
 * Watches across a leader crash on the shared local cluster: a watcher on the leader's client
 * URL and one on a follower's, each as a stream and as etcd's client does it (a chain of long
 * polls, each from the index after the last event). While writes go on, the leader crashes.
 * Every watcher sees each event of the key at most once and in index order; a stream may end
 * (an explicit closure), after which a resume by waitIndex fills the gap; in the end every
 * acknowledged write was seen by every watcher. (The Worker re-registers a watch whose member
 * went away, from the index after its last event, so today no watcher even sees a closure.)
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../../scripts/lib/local-cluster.js";
import { TestCluster, names } from "./cluster-helpers.js";

let cluster: TestCluster;
const key = `/watch-failover-${crypto.randomUUID().slice(0, 8)}`;
const stops: Array<() => void> = [];

beforeAll(() => {
  cluster = TestCluster.connect(inject("clusterUrl"));
});
afterAll(async () => {
  for (const stop of stops) stop();
  await fetch(`${cluster.url}/v2/keys${key}`, { method: "DELETE" }).catch(() => undefined);
});

interface Seen {
  /** modifiedIndex of every event, in the order received. */
  indexes: number[];
  /** How the watcher had to resume: stream closures, long-poll failures (HTTP or network). */
  resumes: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One long poll from `since`; the event's index, or null when it failed (the caller resumes). */
async function longPoll(base: string, since: number, signal: AbortSignal, seen: Seen): Promise<number | null> {
  try {
    const res = await fetch(`${base}/v2/keys${key}?wait=true&waitIndex=${since}`, { signal, headers: { "Accept-Encoding": "gzip" } });
    const text = await res.text();
    const body = JSON.parse(text) as { node?: { modifiedIndex: number }; errorCode?: number };
    if (res.status !== 200 || !body.node) {
      seen.resumes.push(`long poll: HTTP ${res.status} ${text.trim().slice(0, 80)}`);
      return null;
    }
    seen.indexes.push(body.node.modifiedIndex);
    return body.node.modifiedIndex;
  } catch (e) {
    if (signal.aborted) return null;
    seen.resumes.push(`long poll: ${String(e).slice(0, 80)}`);
    return null;
  }
}

/** etcd's client watcher: long polls, each from the index after the last event. */
function pollWatcher(base: string, from: number): { seen: Seen; stop: () => void } {
  const seen: Seen = { indexes: [], resumes: [] };
  const ctl = new AbortController();
  void (async () => {
    let since = from;
    while (!ctl.signal.aborted) {
      const got = await longPoll(base, since, ctl.signal, seen);
      if (got === null) await sleep(200);
      else since = got + 1;
    }
  })();
  return { seen, stop: () => ctl.abort() };
}

/**
 * A stream watch registered now; when it ends (the member serving it went away), etcd's client
 * resumes with long polls from the index after the last event it streamed.
 */
async function streamWatcher(base: string, from: number): Promise<{ seen: Seen; stop: () => void }> {
  const seen: Seen = { indexes: [], resumes: [] };
  const ctl = new AbortController();
  const res = await fetch(`${base}/v2/keys${key}?wait=true&stream=true`, { signal: ctl.signal, headers: { "Accept-Encoding": "gzip" } });
  expect(res.status).toBe(200);
  void (async () => {
    let next = from;
    try {
      let text = "";
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let cut;
        while ((cut = text.indexOf("\n")) >= 0) {
          const line = text.slice(0, cut).trim();
          text = text.slice(cut + 1);
          if (!line) continue; // the liveness probe
          const e = JSON.parse(line) as { node?: { modifiedIndex: number } };
          if (!e.node) {
            seen.resumes.push(`stream ended with ${line.slice(0, 80)}`);
            break;
          }
          seen.indexes.push(e.node.modifiedIndex);
          next = e.node.modifiedIndex + 1;
        }
      }
      seen.resumes.push("stream ended");
    } catch (e) {
      if (ctl.signal.aborted) return;
      seen.resumes.push(`stream: ${String(e).slice(0, 80)}`);
    }
    while (!ctl.signal.aborted) {
      const got = await longPoll(base, next, ctl.signal, seen);
      if (got === null) await sleep(200);
      else next = got + 1;
    }
  })();
  return { seen, stop: () => ctl.abort() };
}

describe("watches across a leader crash", () => {
  it("see every acknowledged event once, in index order, on the leader and on a follower", async () => {
    const first = await cluster.put(key, "v0");
    expect(first.status).toBe(201);
    const from = ((await first.json()) as { node: { modifiedIndex: number } }).node.modifiedIndex + 1;
    const leader = (await cluster.leader()).name;
    const follower = names.find((n) => n !== leader)!;
    const watchers = {
      leaderStream: await streamWatcher(`${cluster.url}/members/${leader}`, from),
      leaderPolls: pollWatcher(`${cluster.url}/members/${leader}`, from),
      followerStream: await streamWatcher(`${cluster.url}/members/${follower}`, from),
      followerPolls: pollWatcher(`${cluster.url}/members/${follower}`, from),
    };
    for (const w of Object.values(watchers)) stops.push(w.stop);
    // The streams are registered (their headers came); the long polls start from `from`.

    const startTime = async () => ((await (await fetch(`${cluster.url}/members/${leader}/v2/stats/self`)).json()) as { startTime: string }).startTime;
    const startedBefore = await startTime();
    const acked: number[] = [];
    const writes = 40;
    for (let i = 1; i <= writes; i++) {
      if (i === writes / 2) await cluster.crash(leader);
      const res = await cluster.put(key, `v${i}`);
      if (res.status === 201 || res.status === 200) acked.push(((await res.json()) as { node: { modifiedIndex: number } }).node.modifiedIndex);
    }
    expect(acked.length).toBeGreaterThan(writes / 2);
    const newLeader = (await cluster.leader()).name;
    // The crash did happen: the old leader's object started anew (its watch sockets broke).
    expect(await startTime()).not.toBe(startedBefore);
    console.log(`watch failover: leader ${leader} crashed, now ${newLeader}; ${acked.length}/${writes} writes acknowledged`);

    const last = Math.max(...acked);
    await waitFor(async () => Object.values(watchers).every((w) => w.seen.indexes.includes(last)), 60_000).catch(() => undefined);
    for (const [name, w] of Object.entries(watchers)) {
      const { indexes, resumes } = w.seen;
      console.log(`  ${name}: ${indexes.length} events, resumes: ${resumes.join("; ") || "none"}`);
      // Once each, in index order.
      expect(indexes, name).toEqual([...indexes].sort((a, b) => a - b));
      expect(new Set(indexes).size, name).toBe(indexes.length);
      // Every acknowledged write was seen.
      expect(acked.filter((i) => !indexes.includes(i)), name).toEqual([]);
    }
    // And all four saw the same events: nothing seen that another did not see.
    const lists = Object.values(watchers).map((w) => w.seen.indexes.filter((i) => i <= last));
    for (const l of lists) expect(l).toEqual(lists[0]);
  });
});
