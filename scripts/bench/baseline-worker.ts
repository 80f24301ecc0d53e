/**
 * The benchmark's baseline: a Worker that sends each write to one Durable Object, which does
 * one SQLite write and answers — no Raft, no replication. The cluster must beat this with
 * group commit (target: cluster writes/s ≥ 1.0× baseline).
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

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const key = url.pathname;
    const stub = env.BASELINE.getByName("baseline");
    if (request.method === "PUT") {
      const value = new URLSearchParams(await request.text()).get("value") ?? "";
      const index = await stub.put(key, value);
      return Response.json({ action: "set", node: { key, value, modifiedIndex: index } });
    }
    const value = await stub.get(key);
    return value === null ? Response.json({ errorCode: 100 }, { status: 404 }) : Response.json({ action: "get", node: { key, value } });
  },
} satisfies ExportedHandler<Env>;
