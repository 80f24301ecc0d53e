/**
 * Discovery tokens: the unguessable name of one cluster's registry directory. Knowing a token
 * is the only credential a joining member has, so it carries 128 random bits (as
 * discovery.etcd.io's tokens do), rendered as 32 lowercase hex digits.
 *
 * @module
 */

export const tokenBytes = 16;
const tokenPattern = /^[0-9a-f]{32}$/;

export function newToken(): string {
  const b = crypto.getRandomValues(new Uint8Array(tokenBytes));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export function isToken(s: string): boolean {
  return tokenPattern.test(s);
}
