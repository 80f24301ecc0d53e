import { describe, expect, it } from "vitest";
import { bindingLimiter, clientKey, ipv6Prefix64, isolateLimiter } from "../../src/discovery/rate-limit.js";

const minute = 60_000;

describe("isolateLimiter", () => {
  it("allows perMinuteMax calls per key in a minute, then refuses until the next minute", async () => {
    let now = 5 * minute + 58_000;
    const l = isolateLimiter({ perMinuteMax: 3, now: () => now });
    const burst = [];
    for (let i = 0; i < 5; i++) burst.push(await l.allow("a"));
    expect(burst).toEqual([true, true, true, false, false]);
    expect(await l.allow("b")).toBe(true); // another client has its own count
    now += 1_999;
    expect(await l.allow("a")).toBe(false); // still the same minute
    now += 1; // windows are epoch minutes, as the binding's simulation has them
    expect(await l.allow("a")).toBe(true);
  });

  it("past clientsMax keys in a window, new keys share one bucket (memory stays bounded)", async () => {
    const l = isolateLimiter({ perMinuteMax: 2, now: () => 0, clientsMax: 2 });
    expect(await l.allow("a")).toBe(true);
    expect(await l.allow("b")).toBe(true);
    expect([await l.allow("c"), await l.allow("d"), await l.allow("e")]).toEqual([true, true, false]);
    expect(await l.allow("a")).toBe(true); // known keys keep their own count
  });

  it("refuses a nonsense limit", () => {
    expect(() => isolateLimiter({ perMinuteMax: 0, now: () => 0 })).toThrow(/perMinuteMax/);
  });
});

describe("bindingLimiter", () => {
  it("answers the binding's outcome, keyed by client", async () => {
    const keys: string[] = [];
    const binding = { limit: async ({ key }: { key: string }) => (keys.push(key), { success: key !== "blocked" }) };
    const l = bindingLimiter(binding, isolateLimiter({ perMinuteMax: 1, now: () => 0 }));
    expect([await l.allow("a"), await l.allow("a"), await l.allow("blocked")]).toEqual([true, true, false]);
    expect(keys).toEqual(["a", "a", "blocked"]);
  });

  it("falls back to the in-isolate count when the binding throws", async () => {
    const binding = { limit: async () => Promise.reject(new Error("binding unavailable")) };
    const l = bindingLimiter(binding, isolateLimiter({ perMinuteMax: 1, now: () => 0 }));
    expect([await l.allow("a"), await l.allow("a")]).toEqual([true, false]);
  });
});

describe("clientKey", () => {
  const key = (ip?: string) => clientKey(new Headers(ip === undefined ? {} : { "CF-Connecting-IP": ip }));
  it("is the IPv4 address, the IPv6 /64, or 'unknown'", () => {
    expect(key("203.0.113.7")).toBe("203.0.113.7");
    expect(key("2001:DB8:0:1:aaaa::1")).toBe("2001:db8:0:1::/64");
    expect(key("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(key("2001:db8:0:0:ffff::2")).toBe(key("2001:db8::1")); // same /64, same key
    expect(key("::ffff:192.0.2.1")).toBe("::ffff:192.0.2.1");
    expect(key()).toBe("unknown");
    expect(key("  ")).toBe("unknown");
  });

  it("ipv6Prefix64 refuses what is not an IPv6 address", () => {
    expect(ipv6Prefix64("::")).toBe("0:0:0:0");
    expect(ipv6Prefix64("fe80::1%eth0")).toBe("fe80:0:0:0");
    for (const bad of ["1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3", "g::1", "12345::1"]) expect(ipv6Prefix64(bad), bad).toBeNull();
  });
});
