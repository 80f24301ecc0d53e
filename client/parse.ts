/** Turns HTTP answers into results or typed errors. */
import { EtcdError, EtcdHttpError } from "./errors.js";
import type { HttpAnswer } from "./transport.js";
import type { EtcdResult } from "./types.js";

function header(answer: HttpAnswer, name: string): number | undefined {
  const v = answer.headers.get(name);
  return v === null || v === "" ? undefined : Number(v);
}

/** Throws EtcdError for an etcd error body, EtcdHttpError for anything else that is not 2xx. */
export function throwIfError(answer: HttpAnswer): void {
  if (answer.status >= 200 && answer.status < 300) return;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    throw new EtcdHttpError(answer.status, answer.text, answer.endpoint);
  }
  const e = body as { errorCode?: unknown; message?: unknown; cause?: unknown; index?: unknown };
  if (typeof e.errorCode === "number") {
    throw new EtcdError(e.errorCode, String(e.message ?? ""), typeof e.cause === "string" ? e.cause : "", Number(e.index ?? 0), answer.status);
  }
  throw new EtcdHttpError(answer.status, answer.text, answer.endpoint);
}

/** A keys-API answer; null for a watch that ended with an empty body (the server went away). */
export function keysResult(answer: HttpAnswer): EtcdResult | null {
  throwIfError(answer);
  if (answer.text.trim() === "") return null;
  const body = JSON.parse(answer.text) as Omit<EtcdResult, "etcdIndex">;
  return {
    ...body,
    etcdIndex: header(answer, "X-Etcd-Index") ?? 0,
    raftIndex: header(answer, "X-Raft-Index"),
    raftTerm: header(answer, "X-Raft-Term"),
  };
}

export function jsonResult<T>(answer: HttpAnswer): T {
  throwIfError(answer);
  return JSON.parse(answer.text) as T;
}
