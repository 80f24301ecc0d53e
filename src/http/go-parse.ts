/**
 * Go `strconv` parsing as etcd applies it to form values, and the keys API's TTL arithmetic.
 *
 * @module
 */

/** Go `strconv.ParseBool`: exactly these spellings. */
export function goParseBool(s: string): boolean | null {
  switch (s) {
    case "1": case "t": case "T": case "TRUE": case "true": case "True":
      return true;
    case "0": case "f": case "F": case "FALSE": case "false": case "False":
      return false;
    default:
      return null;
  }
}

const uint64Max = (1n << 64n) - 1n;

/** Go `strconv.ParseUint(s, 10, 64)`: digits only, at most 2^64−1. */
export function goParseUint64(s: string): bigint | null {
  if (!/^[0-9]+$/.test(s)) return null;
  const v = BigInt(s);
  return v > uint64Max ? null : v;
}

const nsPerMs = 1_000_000n;
const nsPerSec = 1_000_000_000n;

/**
 * etcd's `clock.Now().Add(time.Duration(ttl) * time.Second).UnixNano()` with Go's 64-bit
 * wrap-around, as Unix ms (0 = no expiration, when the wrapped nanoseconds are exactly 0).
 * A result before 2000 is kept: set/create treat it as permanent, update/CAS expire it.
 */
export function ttlToExpirationMs(ttlSeconds: bigint, nowMs: number): number {
  const d = BigInt.asIntN(64, BigInt.asIntN(64, ttlSeconds) * nsPerSec);
  const exp = BigInt.asIntN(64, BigInt(nowMs) * nsPerMs + d);
  if (exp === 0n) return 0;
  const ms = exp / nsPerMs;
  // Sub-millisecond non-zero expirations are before 2000 either way; keep them non-zero.
  return ms === 0n ? -1 : Number(ms);
}

const int64Max = (1n << 63n) - 1n;
const int64Min = -(1n << 63n);

/** Go's ttl of a node: ceil of (expiration − now) in seconds, on a saturated int64 Duration. */
export function goTtlSeconds(expirationMs: number, nowMs: number): number {
  let diff = (BigInt(expirationMs) - BigInt(nowMs)) * nsPerMs;
  if (diff > int64Max) diff = int64Max;
  if (diff < int64Min) diff = int64Min;
  let q = diff / nsPerSec;
  if (diff % nsPerSec > 0n) q += 1n;
  return Number(q);
}

/** Go `time.Time.Format(time.RFC3339Nano)` in UTC, from Unix ms. */
export function goRfc3339NanoUtc(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-24T07:28:31.138Z
  const [whole, frac = ""] = iso.slice(0, -1).split(".");
  const trimmed = frac.replace(/0+$/, "");
  return `${whole}${trimmed === "" ? "" : "." + trimmed}Z`;
}

/** Go `time.Duration.String()` of a non-negative millisecond count ("1h2m3.5s", "250ms"). */
export function goDurationString(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const sMs = ms % 60_000;
  const whole = Math.floor(sMs / 1000);
  const frac = String(sMs % 1000).padStart(3, "0").replace(/0+$/, "");
  const s = `${whole}${frac === "" ? "" : "." + frac}s`;
  return h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
}
