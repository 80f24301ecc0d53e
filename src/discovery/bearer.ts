/**
 * The optional bearer token on `/new` (the DISCOVERY_NEW_TOKEN secret). The comparison is over
 * SHA-256 digests with no early exit, so its time reveals neither the secret's length nor how
 * much of a guess matched.
 *
 * @module
 */

export type BearerCheck = "ok" | "missing" | "wrong";

/** RFC 6750 §2.1: `Bearer` (any case), one space, the token. Anything else counts as missing. */
export function bearerOf(authorization: string | null): string | null {
  const m = /^bearer +([\x21-\x7e]+) *$/i.exec(authorization ?? "");
  return m ? m[1]! : null;
}

export async function checkBearer(authorization: string | null, secret: string): Promise<BearerCheck> {
  if (secret === "") throw new Error("checkBearer: no secret configured");
  const given = bearerOf(authorization);
  if (given === null) return "missing";
  return (await constantTimeEqual(given, secret)) ? "ok" : "wrong";
}

export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [da, db] = await Promise.all([crypto.subtle.digest("SHA-256", enc.encode(a)), crypto.subtle.digest("SHA-256", enc.encode(b))]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}
