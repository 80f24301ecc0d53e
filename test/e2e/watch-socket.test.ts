/**
 * A stream watch upgraded to a WebSocket on the local cluster (undici's WebSocket client): one
 * JSON event per message as it happens, `{"waitIndex":N}` resumes, a cleared index is etcd's
 * 401 as the last message and close code 4401, auth asks the watch's question, and a closed
 * socket releases its watcher.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { WebSocket } from "undici";
import { waitFor } from "../../scripts/lib/local-cluster.js";
import { rootAuth, TestCluster, withAuthOn } from "./cluster-helpers.js";

let cluster: TestCluster;
const p = `/watch-ws-${crypto.randomUUID().slice(0, 8)}`;
const opened: WebSocket[] = [];

beforeAll(() => {
  cluster = TestCluster.connect(inject("clusterUrl"));
});
afterAll(async () => {
  for (const ws of opened) ws.close();
  await fetch(`${cluster.url}/v2/keys${p}?recursive=true`, { method: "DELETE" }).catch(() => undefined);
});

/** A socket's messages and its close, read in order. */
class Socket {
  private readonly messages: string[] = [];
  private wake: (() => void) | null = null;
  closed: { code: number; reason: string } | null = null;
  opened: Promise<void>;
  failed: Error | null = null;

  constructor(readonly ws: WebSocket) {
    this.opened = new Promise((resolve, reject) => {
      ws.addEventListener("open", () => resolve());
      ws.addEventListener("error", () => {
        this.failed = new Error("websocket error");
        reject(this.failed);
        this.poke();
      });
    });
    ws.addEventListener("message", (e) => {
      this.messages.push(String(e.data));
      this.poke();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.poke();
    });
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** The next message as JSON, or null once the socket closed with nothing left. */
  async next(timeoutMs = 10_000): Promise<Record<string, unknown> | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.shift();
      if (m !== undefined) return JSON.parse(m) as Record<string, unknown>;
      if (this.closed || this.failed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no message in time");
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => {
        this.wake = r;
        timer = setTimeout(r, left);
      });
      clearTimeout(timer);
    }
  }
}

function openSocket(key: string, query = "", headers: Record<string, string> = {}): Socket {
  const url = `${cluster.url.replace(/^http/, "ws")}/v2/keys${key}?wait=true&stream=true${query}`;
  const ws = new WebSocket(url, { headers: { "Accept-Encoding": "gzip, br", ...headers } });
  opened.push(ws);
  return new Socket(ws);
}

async function put(key: string, value: string): Promise<number> {
  const r = await cluster.put(key, value);
  expect(r.status).toBeLessThan(300);
  return ((await r.json()) as { node: { modifiedIndex: number } }).node.modifiedIndex;
}

function expectEvent(m: Record<string, unknown> | null, index: number, value: string): void {
  expect(m).toMatchObject({ action: "set", node: { value, modifiedIndex: index } });
}

async function watchers(): Promise<number> {
  const r = await fetch(`${cluster.url}/v2/stats/store`);
  return ((await r.json()) as { watchers: number }).watchers;
}

describe("WebSocket watch", () => {
  it("sends one JSON event per message as it happens", async () => {
    const key = `${p}/live`;
    const s = openSocket(key);
    await s.opened;
    // The socket is open once the first link is registered: a write now is seen.
    for (const v of ["one", "two", "three"]) {
      const index = await put(key, v);
      expectEvent(await s.next(), index, v);
    }
  });

  it("starts at waitIndex and resumes from the index the client sends", async () => {
    const key = `${p}/resume`;
    const i1 = await put(key, "a1");
    const i2 = await put(key, "a2");
    const i3 = await put(key, "a3");
    const s = openSocket(key, `&waitIndex=${i2}`);
    await s.opened;
    expectEvent(await s.next(), i2, "a2");
    expectEvent(await s.next(), i3, "a3");
    s.ws.send(JSON.stringify({ waitIndex: i1 }));
    expectEvent(await s.next(), i1, "a1");
    expectEvent(await s.next(), i2, "a2");
    expectEvent(await s.next(), i3, "a3");
    const i4 = await put(key, "a4");
    expectEvent(await s.next(), i4, "a4");
  });

  it("ends with etcd's 401 and close code 4401 when the index left the history", async () => {
    const key = `${p}/cleared`;
    const old = await put(key, "c1");
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < 1010) await put(`${p}/noise/k${next++ % 50}`, "x");
    }));
    const s = openSocket(key, `&waitIndex=${old}`);
    await s.opened;
    expect(await s.next()).toMatchObject({ errorCode: 401, message: "The event in requested index is outdated and cleared" });
    await waitFor(async () => s.closed !== null, 10_000);
    expect(s.closed).toEqual({ code: 4401, reason: "The event in requested index is outdated and cleared" });
  });

  it("answers a resume that is not an index with etcd's 203 and closes", async () => {
    const s = openSocket(`${p}/bad`);
    await s.opened;
    s.ws.send("{\"waitIndex\":\"x\"}");
    expect(await s.next()).toMatchObject({ errorCode: 203 });
    await waitFor(async () => s.closed !== null, 10_000);
    expect(s.closed?.code).toBe(4203);
  });

  it("releases its watcher within seconds of the client closing", async () => {
    const before = await watchers();
    const s = openSocket(`${p}/idle`);
    await s.opened;
    await waitFor(async () => (await watchers()) === before + 1, 10_000);
    s.ws.close();
    await waitFor(async () => (await watchers()) <= before, 15_000);
  });

  it("asks the watch's permission question", async () => {
    const key = `${p}/auth`;
    await withAuthOn(cluster.url, async () => {
      const gone = await fetch(`${cluster.url}/v2/auth/roles/guest`, { method: "DELETE", headers: rootAuth });
      expect(gone.status).toBe(200);
      const denied = openSocket(key);
      await expect(denied.opened).rejects.toThrow();
      const root = openSocket(key, "", rootAuth);
      await root.opened;
      const r = await fetch(`${cluster.url}/v2/keys${key}`, { method: "PUT", headers: { ...rootAuth, "Content-Type": "application/x-www-form-urlencoded" }, body: "value=s" });
      const index = ((await r.json()) as { node: { modifiedIndex: number } }).node.modifiedIndex;
      expectEvent(await root.next(), index, "s");
    });
  });
});
