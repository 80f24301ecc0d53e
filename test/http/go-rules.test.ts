// Unit tests: Go parsing/formatting rules the HTTP layer reproduces.
import { describe, expect, test } from "vitest";
import { goParseQuery } from "../../src/http/form.js";
import { goJsonString } from "../../src/http/go-json.js";
import {
  goDurationString,
  goParseBool,
  goParseUint64,
  goRfc3339NanoUtc,
  goTtlSeconds,
  ttlToExpirationMs,
} from "../../src/http/go-parse.js";
import { goEscapePath, goPathClean, goUnescape, muxCleanPath } from "../../src/http/go-url.js";

describe("go-url", () => {
  test("unescape: %XX and + in query mode; errors quote at most 3 bytes", () => {
    expect(goUnescape("a%20b+c", true)).toBe("a b c");
    expect(goUnescape("a%20b+c", false)).toBe("a b+c");
    expect(goUnescape("%C3%A9", false)).toBe("é");
    expect(() => goUnescape("x%zz", true)).toThrow('invalid URL escape "%zz"');
    expect(() => goUnescape("x%4", true)).toThrow('invalid URL escape "%4"');
    expect(() => goUnescape("%", true)).toThrow('invalid URL escape "%"');
  });

  test("path.Clean and ServeMux cleanPath keep a trailing slash", () => {
    expect(goPathClean("/1/")).toBe("/1");
    expect(goPathClean("/a/../../b")).toBe("/b");
    expect(muxCleanPath("/v2/keys/a/")).toBe("/v2/keys/a/");
    expect(muxCleanPath("/v2/keys//a")).toBe("/v2/keys/a");
    expect(muxCleanPath("/v2/keys/a/./b/")).toBe("/v2/keys/a/b/");
    expect(muxCleanPath("/v2/keys/a/..")).toBe("/v2/keys");
    expect(muxCleanPath("")).toBe("/");
  });

  test("escaping for Location matches url.URL.String()", () => {
    expect(goEscapePath("/v2/keys/a b(x)!*'?é")).toBe("/v2/keys/a%20b%28x%29%21%2A%27%3F%C3%A9");
    expect(goEscapePath("/a:b@c=d&e+f,g;h$i~j")).toBe("/a:b@c=d&e+f,g;h$i~j");
  });
});

describe("form", () => {
  test("ParseQuery keeps order, reports the first error and goes on", () => {
    const f = goParseQuery("a=1&b&a=2&%zz=3&c=%4&d=x;y&e=ok");
    expect(f.values.get("a")).toEqual(["1", "2"]);
    expect(f.values.get("b")).toEqual([""]);
    expect(f.values.get("e")).toEqual(["ok"]);
    expect(f.values.has("c")).toBe(false);
    expect(f.error).toBe('invalid URL escape "%zz"');
    expect(goParseQuery("a;b=1").error).toBe("invalid semicolon separator in query");
  });
});

describe("go-parse", () => {
  test("ParseBool accepts exactly Go's spellings", () => {
    for (const s of ["1", "t", "T", "TRUE", "true", "True"]) expect(goParseBool(s)).toBe(true);
    for (const s of ["0", "f", "F", "FALSE", "false", "False"]) expect(goParseBool(s)).toBe(false);
    for (const s of ["", "yes", "tRue", " true", "2"]) expect(goParseBool(s)).toBeNull();
  });

  test("ParseUint: digits only, up to 2^64−1", () => {
    expect(goParseUint64("007")).toBe(7n);
    expect(goParseUint64("18446744073709551615")).toBe(18446744073709551615n);
    for (const s of ["", "-1", "+1", " 1", "1.0", "18446744073709551616", "0x1"]) expect(goParseUint64(s)).toBeNull();
  });

  test("TTL arithmetic wraps like Go int64 nanoseconds", () => {
    const now = Date.UTC(2026, 10, 24);
    expect(ttlToExpirationMs(5n, now)).toBe(now + 5000);
    expect(ttlToExpirationMs(0n, now)).toBe(now);
    // 99999999999 s overflows int64 ns: lands before 2000, which the store treats as permanent.
    const wrapped = ttlToExpirationMs(99999999999n, now);
    expect(wrapped).toBeLessThan(Date.UTC(2000, 0, 1));
    expect(wrapped).not.toBe(0);
    // 2^64−1 s = −1 s after the uint64 → int64 conversion.
    expect(ttlToExpirationMs(18446744073709551615n, now)).toBe(now - 1000);
  });

  test("ttl is Go's ceil of the remaining duration", () => {
    expect(goTtlSeconds(10_000, 5_000)).toBe(5);
    expect(goTtlSeconds(10_000, 5_800)).toBe(5);
    expect(goTtlSeconds(10_000, 10_000)).toBe(0);
    expect(goTtlSeconds(10_000, 10_400)).toBe(0);
    expect(goTtlSeconds(10_000, 11_500)).toBe(-1);
    expect(goTtlSeconds(-9e15, 1.7e12)).toBe(-9223372036);
  });

  test("RFC3339Nano trims trailing zeros; Go duration strings", () => {
    expect(goRfc3339NanoUtc(Date.UTC(2026, 0, 2, 3, 4, 5, 120))).toBe("2026-01-02T03:04:05.12Z");
    expect(goRfc3339NanoUtc(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe("2026-01-02T03:04:05Z");
    expect(goDurationString(250)).toBe("250ms");
    expect(goDurationString(61_500)).toBe("1m1.5s");
    expect(goDurationString(3_600_000)).toBe("1h0m0s");
  });
});

describe("go-json", () => {
  test("HTML-safe escapes, U+2028/9, short escapes only for \\n \\r \\t", () => {
    expect(goJsonString("<a&b>")).toBe('"\\u003ca\\u0026b\\u003e"');
    expect(goJsonString("\u2028\u2029")).toBe('"\\u2028\\u2029"');
    expect(goJsonString("\b\f\n\r\t\u0001\"\\")).toBe('"\\u0008\\u000c\\n\\r\\t\\u0001\\"\\\\"');
    expect(goJsonString("é😀")).toBe('"é😀"');
    expect(goJsonString("\ud800x")).toBe('"\ufffdx"');
  });
});
