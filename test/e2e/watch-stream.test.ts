/**
 * Long-lived watch responses on the local cluster, read by Node's fetch (which sends
 * `Accept-Encoding: gzip, deflate` like a browser): a stream delivers each event as it happens
 * (no compression buffering it), and a client that goes away releases its watcher.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../../scripts/lib/local-cluster.js";
import { TestCluster } from "./cluster-helpers.js";

let cluster: TestCluster;
const p = `/watch-stream-${crypto.randomUUID().slice(0, 8)}`;
const opened: AbortController[] = [];

beforeAll(() => {
  cluster = TestCluster.connect(inject("clusterUrl"));
});
afterAll(async () => {
  for (const c of opened) c.abort();
  await fetch(`${cluster.url}/v2/keys${p}?recursive=true`, { method: "DELETE" }).catch(() => undefined);
});

async function watchers(): Promise<number> {
  const r = await fetch(`${cluster.url}/v2/stats/store`);
  return ((await r.json()) as { watchers: number }).watchers;
}

/** Opens a watch; the caller's controller ends it. */
async function openWatch(query: string, headers: Record<string, string> = {}): Promise<{ res: Response; ctl: AbortController }> {
  const ctl = new AbortController();
  opened.push(ctl);
  const res = await fetch(`${cluster.url}/v2/keys${p}${query}`, { signal: ctl.signal, headers });
  return { res, ctl };
}

/** Reads from `reader` until `text` holds `want` complete lines, or fails at the deadline. */
async function readLines(reader: ReadableStreamDefaultReader<Uint8Array>, want: number, timeoutMs = 10_000): Promise<string[]> {
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  while (text.split("\n").length - 1 < want) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out with ${JSON.stringify(text)}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out with ${JSON.stringify(text)}`)), left)));
    try {
      const r = await Promise.race([reader.read(), timeout]);
      if (r.done) throw new Error(`stream ended with ${JSON.stringify(text)}`);
      text += decoder.decode(r.value, { stream: true });
    } finally {
      clearTimeout(timer);
    }
  }
  return text.split("\n").slice(0, want);
}

describe("stream=true with a gzip-accepting client", () => {
  it("is sent uncompressed and delivers each event while the stream stays open", async () => {
    const before = await watchers();
    const { res, ctl } = await openWatch("/s?wait=true&stream=true", { "Accept-Encoding": "gzip, br" });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Encoding")).not.toMatch(/gzip|br/);
    const reader = res.body!.getReader();
    for (const v of ["one", "two"]) {
      await cluster.put(`${p}/s`, v);
      const [line] = await readLines(reader, 1);
      expect(JSON.parse(line!)).toMatchObject({ action: "set", node: { key: `${p}/s`, value: v } });
    }
    ctl.abort();
    await waitFor(async () => (await watchers()) <= before, 15_000);
  });
});

describe("a client that goes away", () => {
  it("releases an idle stream's watcher within seconds", async () => {
    const before = await watchers();
    const { res, ctl } = await openWatch("/idle?wait=true&stream=true");
    expect(res.status).toBe(200);
    await waitFor(async () => (await watchers()) === before + 1, 10_000);
    ctl.abort();
    await waitFor(async () => (await watchers()) <= before, 15_000);
  });

  it("releases an idle long poll's watcher within seconds", async () => {
    const before = await watchers();
    const { res, ctl } = await openWatch("/idle-poll?wait=true");
    expect(res.status).toBe(200);
    await waitFor(async () => (await watchers()) === before + 1, 10_000);
    ctl.abort();
    await waitFor(async () => (await watchers()) <= before, 15_000);
  });
});

describe("streams that share their isolate's feed to a member", () => {
  // The feed's listener runs in another request than the watches it wakes: a wake that touched
  // the watch's own timer from there failed, and the event waited for that timer (3.5 s here).
  it("each get every event promptly, also after idling between writes", async () => {
    const streams = await Promise.all([openWatch("/shared?wait=true&stream=true"), openWatch("/shared?wait=true&stream=true")]);
    const readers = streams.map(({ res }) => res.body!.getReader());
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 1_500)); // idle, as between config changes
      await cluster.put(`${p}/shared`, `v${i}`);
      for (const reader of readers) {
        const [line] = await readLines(reader, 1, 2_500);
        expect(JSON.parse(line!)).toMatchObject({ node: { key: `${p}/shared`, value: `v${i}` } });
      }
    }
    for (const { ctl } of streams) ctl.abort();
  });
});
