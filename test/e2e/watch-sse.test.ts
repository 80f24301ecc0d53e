/**
 * A stream watch as Server-Sent Events on the local cluster, read by Node's fetch (a
 * gzip-accepting client): frames arrive as they happen, a reconnect resumes by Last-Event-ID or
 * waitIndex, a cleared index is an `event: error`, and auth asks the watch's question.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../../scripts/lib/local-cluster.js";
import { rootAuth, TestCluster, withAuthOn } from "./cluster-helpers.js";

let cluster: TestCluster;
const p = `/watch-sse-${crypto.randomUUID().slice(0, 8)}`;
const opened: AbortController[] = [];
const sse = { Accept: "text/event-stream", "Accept-Encoding": "gzip, br" };

beforeAll(() => {
  cluster = TestCluster.connect(inject("clusterUrl"));
});
afterAll(async () => {
  for (const c of opened) c.abort();
  await fetch(`${cluster.url}/v2/keys${p}?recursive=true`, { method: "DELETE" }).catch(() => undefined);
});

interface Frame {
  event?: string;
  id?: string;
  data: string;
}

/** An SSE reader: frames in order, comments (the liveness probe) skipped. */
class FrameReader {
  private text = "";
  private readonly decoder = new TextDecoder();
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  /** The body is read only when a frame is asked for: an error answer stays readable as JSON. */
  constructor(private readonly res: Response) {}

  async next(timeoutMs = 10_000): Promise<Frame | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const cut = this.text.indexOf("\n\n");
      if (cut >= 0) {
        const block = this.text.slice(0, cut);
        this.text = this.text.slice(cut + 2);
        const frame: Frame = { data: "" };
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const [field, ...rest] = line.split(": ");
          if (field === "event" || field === "id" || field === "data") frame[field] = rest.join(": ");
        }
        if (block.split("\n").every((l) => l.startsWith(":"))) continue;
        return frame;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame in time; have ${JSON.stringify(this.text)}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no frame in time; have ${JSON.stringify(this.text)}`)), left)));
      try {
        this.reader ??= this.res.body!.getReader();
        const r = await Promise.race([this.reader.read(), timeout]);
        if (r.done) return null;
        this.text += this.decoder.decode(r.value, { stream: true });
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

async function openSse(key: string, query = "", headers: Record<string, string> = {}): Promise<{ res: Response; frames: FrameReader; ctl: AbortController }> {
  const ctl = new AbortController();
  opened.push(ctl);
  const res = await fetch(`${cluster.url}/v2/keys${key}?wait=true&stream=true${query}`, { signal: ctl.signal, headers: { ...sse, ...headers } });
  return { res, frames: new FrameReader(res), ctl };
}

async function watchers(): Promise<number> {
  const r = await fetch(`${cluster.url}/v2/stats/store`);
  return ((await r.json()) as { watchers: number }).watchers;
}

async function put(key: string, value: string): Promise<number> {
  const r = await cluster.put(key, value);
  expect(r.status).toBeLessThan(300);
  return ((await r.json()) as { node: { modifiedIndex: number } }).node.modifiedIndex;
}

function expectEvent(f: Frame | null, index: number, value: string): void {
  expect(f?.event).toBeUndefined();
  expect(f?.id).toBe(String(index));
  expect(JSON.parse(f!.data)).toMatchObject({ action: "set", node: { value, modifiedIndex: index } });
}

describe("SSE watch", () => {
  it("answers text/event-stream, uncompressed, one frame per event as it happens", async () => {
    const key = `${p}/live`;
    const { res, frames } = await openSse(key);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/event-stream");
    expect(res.headers.get("Content-Encoding")).not.toMatch(/gzip|br/);
    for (const v of ["one", "two"]) {
      const index = await put(key, v);
      expectEvent(await frames.next(), index, v);
    }
  });

  it("resumes after Last-Event-ID: every event since, then live ones", async () => {
    const key = `${p}/resume`;
    const i1 = await put(key, "a1");
    const i2 = await put(key, "a2");
    const i3 = await put(key, "a3");
    const { res, frames } = await openSse(key, "", { "Last-Event-ID": String(i1) });
    expect(res.status).toBe(200);
    expectEvent(await frames.next(), i2, "a2");
    expectEvent(await frames.next(), i3, "a3");
    const i4 = await put(key, "a4");
    expectEvent(await frames.next(), i4, "a4");
  });

  it("starts at waitIndex", async () => {
    const key = `${p}/since`;
    const i1 = await put(key, "b1");
    const i2 = await put(key, "b2");
    const { frames } = await openSse(key, `&waitIndex=${i1}`);
    expectEvent(await frames.next(), i1, "b1");
    expectEvent(await frames.next(), i2, "b2");
  });

  it("sends etcd's 401 as event: error when Last-Event-ID + 1 left the history", async () => {
    const key = `${p}/cleared`;
    const old = await put(key, "c1");
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < 1010) await put(`${p}/noise/k${next++ % 50}`, "x");
    }));
    const { res, frames } = await openSse(key, "", { "Last-Event-ID": String(old - 1) });
    expect(res.status).toBe(200);
    const f = await frames.next();
    expect(f?.event).toBe("error");
    expect(JSON.parse(f!.data)).toMatchObject({ errorCode: 401, message: "The event in requested index is outdated and cleared" });
    expect(await frames.next()).toBeNull();
  });

  it("refuses a Last-Event-ID that is not an index as etcd refuses a bad waitIndex", async () => {
    const { res } = await openSse(`${p}/bad`, "", { "Last-Event-ID": "x" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errorCode: 203 });
  });

  it("releases an idle SSE watch's watcher within seconds of the client going away", async () => {
    const before = await watchers(); // the earlier tests' streams stay open until afterAll
    const { res, ctl } = await openSse(`${p}/idle`);
    expect(res.status).toBe(200);
    await waitFor(async () => (await watchers()) === before + 1, 10_000);
    ctl.abort();
    await waitFor(async () => (await watchers()) <= before, 15_000);
  });

  it("asks the watch's permission question", async () => {
    const key = `${p}/auth`;
    await withAuthOn(cluster.url, async () => {
      const gone = await fetch(`${cluster.url}/v2/auth/roles/guest`, { method: "DELETE", headers: rootAuth });
      expect(gone.status).toBe(200);
      const denied = await openSse(key);
      expect(denied.res.status).toBe(401);
      expect(await denied.res.json()).toMatchObject({ errorCode: 110 });
      const root = await openSse(key, "", rootAuth);
      expect(root.res.status).toBe(200);
      expect(root.res.headers.get("Content-Type")).toBe("text/event-stream");
      const r = await fetch(`${cluster.url}/v2/keys${key}`, { method: "PUT", headers: { ...rootAuth, "Content-Type": "application/x-www-form-urlencoded" }, body: "value=s" });
      const index = ((await r.json()) as { node: { modifiedIndex: number } }).node.modifiedIndex;
      expectEvent(await root.frames.next(), index, "s");
    });
  });
});
