/**
 * Password hashes for the user records in "/2/users". etcd uses bcrypt; Workers have no bcrypt
 * but do have WebCrypto, whose PBKDF2-HMAC-SHA256 runs natively (not in JS) and is the same on
 * workerd and Node. Workers cap PBKDF2 at 100,000 iterations, so that is the cost used here.
 * Stored as `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`.
 *
 * Hashing runs once per user write; verification at most once per credential and stored hash
 * per isolate (see http/credentials.ts), so the cost never lands on every request.
 *
 * @module
 */

export const passwordHashIterations = 100_000;
const saltBytes = 16;
const hashBits = 256;
const scheme = "pbkdf2-sha256";

const utf8 = new TextEncoder();

function b64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function unb64(s: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, hashBits);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string, random: (n: number) => Uint8Array = randomBytes): Promise<string> {
  const salt = random(saltBytes);
  const hash = await derive(password, salt, passwordHashIterations);
  return `${scheme}$${passwordHashIterations}$${b64(salt)}$${b64(hash)}`;
}

/** A stored hash that does not parse never verifies, and still costs a full derivation. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [name, iters, saltText, hashText] = stored.split("$");
  const iterations = Number(iters);
  const salt = unb64(saltText ?? "");
  const want = unb64(hashText ?? "");
  const valid = name === scheme && Number.isInteger(iterations) && iterations > 0 && iterations <= passwordHashIterations && salt && want;
  const got = await derive(password, salt ?? new Uint8Array(saltBytes), valid ? iterations : passwordHashIterations);
  if (!valid || !want) return false;
  let diff = got.length ^ want.length;
  for (let i = 0; i < Math.min(got.length, want.length); i++) diff |= got[i]! ^ want[i]!;
  return diff === 0;
}

/** A verification against nothing: an unknown user costs what a wrong password costs. */
export async function verifyNothing(password: string): Promise<false> {
  await derive(password, new Uint8Array(saltBytes), passwordHashIterations);
  return false;
}

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}
