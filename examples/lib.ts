/** What every example shares: a private key prefix, a deadline, a log, and a checked property. */
import { EtcdClient } from "../client/index.js";

export interface ExampleContext {
  etcd: EtcdClient;
  /** Keys of this run live under it; the runner deletes it afterwards. */
  prefix: string;
  log: (line: string) => void;
  /** Aborts when the example has run too long. */
  signal: AbortSignal;
}

export type Example = (ctx: ExampleContext) => Promise<void>;

/** Throws (so the run exits non-zero) when the property the example demonstrates fails. */
export function check(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(`property failed: ${what}`);
}

export async function runExample(name: string, example: Example, endpoint: string, log: (line: string) => void, timeoutMs = 60_000): Promise<void> {
  const etcd = new EtcdClient({ endpoints: [endpoint] });
  const prefix = `/examples/${name}-${crypto.randomUUID().slice(0, 8)}`;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    await example({ etcd, prefix, log, signal });
  } finally {
    await etcd.delete(prefix, { recursive: true }).catch(() => undefined);
  }
}
