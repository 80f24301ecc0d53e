import { describe, expect, it } from "vitest";
import { bearerOf, checkBearer, constantTimeEqual } from "../../src/discovery/bearer.js";

const secret = "s3cret-0123456789abcdef";

describe("bearer token on /new", () => {
  it("reads RFC 6750's `Bearer <token>` (scheme in any case)", () => {
    expect(bearerOf(`Bearer ${secret}`)).toBe(secret);
    expect(bearerOf(`bearer ${secret}`)).toBe(secret);
    for (const bad of [null, "", "Bearer", "Bearer ", `Basic ${secret}`, `Bearer ${secret} extra`, secret]) expect(bearerOf(bad), String(bad)).toBeNull();
  });

  it("ok, missing or wrong", async () => {
    expect(await checkBearer(`Bearer ${secret}`, secret)).toBe("ok");
    expect(await checkBearer(null, secret)).toBe("missing");
    expect(await checkBearer(`Basic ${secret}`, secret)).toBe("missing");
    expect(await checkBearer(`Bearer ${secret}x`, secret)).toBe("wrong");
    expect(await checkBearer(`Bearer ${secret.slice(0, -1)}`, secret)).toBe("wrong");
    await expect(checkBearer(`Bearer ${secret}`, "")).rejects.toThrow(/no secret/);
  });

  it("constantTimeEqual compares whole strings of any length", async () => {
    expect(await constantTimeEqual("abc", "abc")).toBe(true);
    expect(await constantTimeEqual("abc", "abd")).toBe(false);
    expect(await constantTimeEqual("abc", "abcd")).toBe(false);
    expect(await constantTimeEqual("", "")).toBe(true);
  });
});
