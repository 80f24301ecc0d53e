/**
 * The gate in front of every write through a token URL. A write must not recreate an unknown
 * or expired token's directory, must not create hidden nodes (a v2 listing would not show them,
 * so they would escape the count), and must keep the registry within DISCOVERY_TOKEN_KEYS_MAX
 * and DISCOVERY_TOKEN_BYTES_MAX. One quorum read of the registry answers all three.
 *
 * The count is checked against that read, not inside the Raft write: writers racing on one
 * token can together overshoot by the writes in flight. Joining etcd members write once each.
 *
 * @module
 */
import { formGet, parseForm } from "../http/form.js";
import { errorMessages } from "../store/errors.js";
import type { V2Error } from "../store/types.js";
import type { KeysCall } from "./new-cluster.js";
import { registryDir } from "./paths.js";
import { checkQuota, hiddenSegment, registryUsage, writeCost, type ListedNode } from "./quota.js";

export interface TokenWriteOptions {
  keysCall: KeysCall;
  keysError: (err: V2Error, status?: number) => Response;
  tokenKeysMax: number;
  tokenBytesMax: number;
}

export interface TokenWrite {
  token: string;
  /** Decoded, clean path below the token directory; never "" or "/" (the read-only root). */
  keyPath: string;
  rawQuery: string;
}

/** etcd's 106, the nearest it has to "this name is reserved". */
const EcodeKeyIsPreserved = 106;
/** etcd's 103, which once meant a full cluster registry; our status: 403, as refused abuse. */
const EcodeNoMorePeer = 103;

/** null when the write may go on; else the answer to give instead. */
export async function guardTokenWrite(req: Request, w: TokenWrite, opts: TokenWriteOptions): Promise<Response | null> {
  const dirKey = `${registryDir}/${w.token}`;
  const listed = await opts.keysCall(`/v2/keys${dirKey}?quorum=true&recursive=true`);
  if (listed.status !== 200) return listed;
  const index = Number(listed.headers.get("X-Etcd-Index") ?? "0");
  const body = (await listed.json()) as { node?: ListedNode };
  if (req.method === "DELETE") return null; // only ever frees room
  if (req.method !== "PUT" && req.method !== "POST") throw new Error(`guardTokenWrite: ${req.method}`);

  const hidden = hiddenSegment(w.keyPath);
  if (hidden !== null) {
    const cause = `${w.keyPath}: names starting with "_" are kept for the discovery service`;
    return opts.keysError({ errorCode: EcodeKeyIsPreserved, message: errorMessages[EcodeKeyIsPreserved] ?? "", cause, index });
  }
  // The value as the keys API will read it; a malformed form is left for it to refuse.
  const form = await parseForm(req.clone(), w.rawQuery);
  if (form.error !== null) return null;
  const usage = registryUsage(body.node ?? { key: dirKey }, dirKey);
  const cost = writeCost(usage, req.method, w.keyPath, formGet(form.values, "value"));
  const verdict = checkQuota(usage, cost, { keys: opts.tokenKeysMax, bytes: opts.tokenBytesMax });
  if (verdict.ok) return null;
  const setting = verdict.limit === "keys" ? "DISCOVERY_TOKEN_KEYS_MAX" : "DISCOVERY_TOKEN_BYTES_MAX";
  const cause = `${w.keyPath}: the discovery token would hold ${verdict.would} ${verdict.limit}, more than ${setting} (${verdict.max})`;
  return opts.keysError({ errorCode: EcodeNoMorePeer, message: errorMessages[EcodeNoMorePeer] ?? "", cause, index }, 403);
}
