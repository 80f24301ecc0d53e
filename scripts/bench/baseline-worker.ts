/**
 * The benchmark's baseline: a Worker that sends each write to one Durable Object, which does
 * one SQLite write and answers — no Raft, no replication. The cluster must beat this with
 * group commit (target: cluster writes/s ≥ 1.0× baseline).
 *
 * It is also the floor for `--watch`: `GET …?wait=true` is held in the isolate that took it
 * (headers at once, the body when a write comes), and a PUT answers every request held on its
 * key in that isolate. No Raft, no member, no feed: what 1,000 held responses cost the platform.
 */
import { DurableObject } from "cloudflare:workers";

interface Env {
  BASELINE: DurableObjectNamespace<Baseline>;
}

export class Baseline extends DurableObject<Env> {
  /** A write counter for the reply's index: in memory, so each write is exactly one SQLite write. */
  private writes = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, modified INTEGER NOT NULL)");
  }

  async put(key: string, value: string): Promise<number> {
    const n = ++this.writes;
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO kv (key, value, modified) VALUES (?, ?, ?)", key, value, n);
    return n;
  }

  async get(key: string): Promise<string | null> {
    const row = this.ctx.storage.sql.exec("SELECT value FROM kv WHERE key = ?", key).toArray()[0];
    return row ? String(row.value) : null;
  }
}

/** Requests held by `?wait=true`, by key: each resolves with the body of the write that ends it. */
const waiting = new Map<string, Set<(body: string) => void>>();

/** A held long poll: its body waits (in its own request, with a timer of its own) for the next write to `key`. */
function hold(key: string): Response {
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // The runtime cancels a request that waits on nothing of its own: this interval is its own.
      const keepAlive = setInterval(() => {}, 10_000);
      const text = await new Promise<string>((resolve) => {
        const set = waiting.get(key) ?? new Set();
        waiting.set(key, set);
        set.add(resolve);
      });
      clearInterval(keepAlive);
      controller.enqueue(new TextEncoder().encode(text + "\n"));
      controller.close();
    },
  });
  return new Response(body, { headers: { "Content-Type": "application/json", "Content-Encoding": "identity" } });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const key = url.pathname;
    const stub = env.BASELINE.getByName("baseline");
    if (request.method === "PUT") {
      const value = new URLSearchParams(await request.text()).get("value") ?? "";
      const index = await stub.put(key, value);
      const event = JSON.stringify({ action: "set", node: { key, value, modifiedIndex: index } });
      const held = waiting.get(key);
      waiting.delete(key);
      for (const resolve of held ?? []) resolve(event);
      return new Response(event, { headers: { "Content-Type": "application/json" } });
    }
    if (url.searchParams.get("wait") === "true") return hold(key);
    const value = await stub.get(key);
    return value === null ? Response.json({ errorCode: 100 }, { status: 404 }) : Response.json({ action: "get", node: { key, value } });
  },
} satisfies ExportedHandler<Env>;
