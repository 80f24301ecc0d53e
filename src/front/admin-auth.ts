/**
 * Admin protection, in etcd's terms: the root user. Member changes, backup and restore need
 * HTTP Basic `root:<password>`, the password from the Worker secret ETCD_ROOT_PASSWORD. Without
 * the secret every admin request is refused (fail closed). Reads of /v2/members stay open.
 *
 * @module
 */

export const insufficientCredentials = "Insufficient credentials";

export function isRoot(authorization: string | null, rootPassword: string | undefined): boolean {
  if (!rootPassword || !authorization) return false;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
  if (!m) return false;
  let decoded: string;
  try {
    decoded = atob(m[1]!);
  } catch {
    return false;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  return decoded.slice(0, colon) === "root" && constantTimeEqual(decoded.slice(colon + 1), rootPassword);
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
