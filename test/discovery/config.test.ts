import { describe, expect, it } from "vitest";
import { discoveryDefaults, parseDiscoveryConfig } from "../../src/discovery/config.js";

const defaults = { tokenTtlSeconds: 604_800, baseUrl: "", newPerMinuteMax: 10, tokenKeysMax: 256, tokenBytesMax: 65_536, newBearerToken: "" };

describe("parseDiscoveryConfig", () => {
  it("defaults: tokens live 7 days, URLs use the request's origin, /new is open at 10 a minute, 256 keys / 64 KiB a token", () => {
    expect(parseDiscoveryConfig({})).toEqual(defaults);
    const empty = { DISCOVERY_TOKEN_TTL: "", DISCOVERY_BASE_URL: "", DISCOVERY_NEW_PER_MINUTE_MAX: " ", DISCOVERY_TOKEN_KEYS_MAX: "", DISCOVERY_TOKEN_BYTES_MAX: "", DISCOVERY_NEW_TOKEN: "" };
    expect(parseDiscoveryConfig(empty)).toEqual(defaults);
  });

  it("takes a TTL in seconds and a base origin (trailing slash dropped)", () => {
    expect(parseDiscoveryConfig({ DISCOVERY_TOKEN_TTL: "3600", DISCOVERY_BASE_URL: "https://discovery.example.com/" })).toEqual({
      ...defaults,
      tokenTtlSeconds: 3600,
      baseUrl: "https://discovery.example.com",
    });
  });

  it("takes the limits and the bearer secret", () => {
    const env = { DISCOVERY_NEW_PER_MINUTE_MAX: "3", DISCOVERY_TOKEN_KEYS_MAX: "12", DISCOVERY_TOKEN_BYTES_MAX: "4096", DISCOVERY_NEW_TOKEN: " 0123456789abcdef0123 " };
    expect(parseDiscoveryConfig(env)).toEqual({ ...defaults, newPerMinuteMax: 3, tokenKeysMax: 12, tokenBytesMax: 4096, newBearerToken: "0123456789abcdef0123" });
  });

  it("refuses a bad TTL or base URL", () => {
    for (const ttl of ["0", "-1", "1.5", "7d", String(discoveryDefaults.tokenTtlSecondsMax + 1)]) {
      expect(() => parseDiscoveryConfig({ DISCOVERY_TOKEN_TTL: ttl }), ttl).toThrow(/DISCOVERY_TOKEN_TTL/);
    }
    for (const base of ["discovery.example.com", "https://x.example/path", "ftp://x.example"]) {
      expect(() => parseDiscoveryConfig({ DISCOVERY_BASE_URL: base }), base).toThrow(/DISCOVERY_BASE_URL/);
    }
  });

  it("refuses limits out of range, naming the var and the range", () => {
    expect(() => parseDiscoveryConfig({ DISCOVERY_NEW_PER_MINUTE_MAX: "0" })).toThrow('DISCOVERY_NEW_PER_MINUTE_MAX: expected calls a minute from 1 to 10000, got "0"');
    expect(() => parseDiscoveryConfig({ DISCOVERY_NEW_PER_MINUTE_MAX: "ten" })).toThrow(/DISCOVERY_NEW_PER_MINUTE_MAX/);
    // A size-1 registry needs 3 keys: _config, _config/size and the member.
    expect(() => parseDiscoveryConfig({ DISCOVERY_TOKEN_KEYS_MAX: "2" })).toThrow('DISCOVERY_TOKEN_KEYS_MAX: expected keys from 3 to 10000, got "2"');
    expect(() => parseDiscoveryConfig({ DISCOVERY_TOKEN_KEYS_MAX: "10001" })).toThrow(/DISCOVERY_TOKEN_KEYS_MAX/);
    expect(() => parseDiscoveryConfig({ DISCOVERY_TOKEN_BYTES_MAX: "255" })).toThrow('DISCOVERY_TOKEN_BYTES_MAX: expected bytes from 256 to 1048576, got "255"');
    expect(() => parseDiscoveryConfig({ DISCOVERY_TOKEN_BYTES_MAX: "64KiB" })).toThrow(/DISCOVERY_TOKEN_BYTES_MAX/);
  });

  it("refuses a short or spaced bearer secret without echoing it", () => {
    for (const secret of ["short-secret", "has a space in the middle of it", "0123456789abcde\u00e9"]) {
      let message = "";
      try {
        parseDiscoveryConfig({ DISCOVERY_NEW_TOKEN: secret });
      } catch (e) {
        message = String(e);
      }
      expect(message, secret).toMatch(/DISCOVERY_NEW_TOKEN: expected at least 16 printable characters/);
      expect(message).not.toContain(secret);
    }
  });
});
