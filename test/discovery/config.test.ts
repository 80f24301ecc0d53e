import { describe, expect, it } from "vitest";
import { discoveryDefaults, parseDiscoveryConfig } from "../../src/discovery/config.js";

describe("parseDiscoveryConfig", () => {
  it("defaults: tokens live 7 days, URLs use the request's origin", () => {
    expect(parseDiscoveryConfig({})).toEqual({ tokenTtlSeconds: 604_800, baseUrl: "" });
    expect(parseDiscoveryConfig({ DISCOVERY_TOKEN_TTL: "", DISCOVERY_BASE_URL: "" })).toEqual({ tokenTtlSeconds: 604_800, baseUrl: "" });
  });

  it("takes a TTL in seconds and a base origin (trailing slash dropped)", () => {
    expect(parseDiscoveryConfig({ DISCOVERY_TOKEN_TTL: "3600", DISCOVERY_BASE_URL: "https://discovery.example.com/" })).toEqual({
      tokenTtlSeconds: 3600,
      baseUrl: "https://discovery.example.com",
    });
  });

  it("refuses a bad TTL or base URL", () => {
    for (const ttl of ["0", "-1", "1.5", "7d", String(discoveryDefaults.tokenTtlSecondsMax + 1)]) {
      expect(() => parseDiscoveryConfig({ DISCOVERY_TOKEN_TTL: ttl }), ttl).toThrow(/DISCOVERY_TOKEN_TTL/);
    }
    for (const base of ["discovery.example.com", "https://x.example/path", "ftp://x.example"]) {
      expect(() => parseDiscoveryConfig({ DISCOVERY_BASE_URL: base }), base).toThrow(/DISCOVERY_BASE_URL/);
    }
  });
});
