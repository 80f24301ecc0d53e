// Differential: §14 stats / machines / version / health (cases 138–144) plus extras.
import { describe, expect, test } from "vitest";
import { diff, useTargets, type Client } from "./harness.js";
import type { Reply } from "./http-client.js";

const t = useTargets();
const rfc3339Nano = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;
const goDuration = /^(\d+h)?(\d+m)?\d+(\.\d+)?s$|^\d+(\.\d+)?(ms|µs|ns)$/;

/** Record a reply with its body replaced by `body` (ids and times masked by the caller). */
function recordMasked(c: Client, label: string, r: Reply, body: unknown): void {
  c.record(label, { ...r, body: "" });
  c.note(`${label} body`, body);
}

describe("member stats and misc endpoints", () => {
  test("case 138: /v2/stats/leader on a single member", () =>
    diff(t, async (c) => {
      const r = await c.raw("GET", "/v2/stats/leader");
      const j = c.json(r);
      expect(j.leader).toMatch(/^[0-9a-f]{1,16}$/);
      recordMasked(c, "leader", r, { ...j, leader: "<id>", raw: r.body.replace(j.leader, "<id>") });
    }));

  test("case 139: /v2/stats/self shape, state, leader = own id, no rate fields", () =>
    diff(t, async (c) => {
      const r = await c.raw("GET", "/v2/stats/self");
      const j = c.json(r);
      expect(j.startTime).toMatch(rfc3339Nano);
      expect(j.leaderInfo.startTime).toMatch(rfc3339Nano);
      expect(j.leaderInfo.uptime).toMatch(goDuration);
      expect(j.leaderInfo.leader).toBe(j.id);
      const masked = JSON.parse(
        r.body
          .replaceAll(j.id, "<id>")
          .replaceAll(/"\d{4}-[^"]*Z"/g, '"<time>"')
          .replace(/"uptime":"[^"]*"/, '"uptime":"<uptime>"'),
      );
      recordMasked(c, "self", r, { keys: Object.keys(j), leaderInfo: Object.keys(j.leaderInfo), masked });
    }));

  test("cases 140–141: /v2/stats/store field order, HEAD 405; /v2/stats and /v2/stats/self/ 404", () =>
    diff(t, async (c) => {
      const r = await c.raw("GET", "/v2/stats/store");
      const j = c.json(r);
      expect(Object.values(j).every((v) => typeof v === "number")).toBe(true);
      recordMasked(c, "store stats", r, { keys: Object.keys(j), newline: r.body.endsWith("\n") });
      await c.req("HEAD", "/v2/stats/store");
      await c.req("POST", "/v2/stats/store");
      await c.req("GET", "/v2/stats");
      await c.req("GET", "/v2/stats/");
      await c.req("GET", "/v2/stats/self/");
      await c.req("PUT", "/v2/stats/leader");
      await c.req("PUT", "/v2/stats/self");
    }));

  test("case 142: /v2/machines is this member's client URL, no newline", () =>
    diff(t, async (c) => {
      const r = await c.raw("GET", "/v2/machines");
      expect(r.body).toBe(`http://127.0.0.1:${c.port}`);
      c.record("machines", { ...r, body: r.body.replace(String(c.port), "<port>") });
      const h = await c.raw("HEAD", "/v2/machines");
      c.record("machines HEAD", { ...h, body: h.body.replace(String(c.port), "<port>") });
      await c.req("POST", "/v2/machines");
    }));

  test("cases 143–144: /version and /health; other methods 405", () =>
    diff(t, async (c) => {
      const v = await c.req("GET", "/version");
      expect(v.body).toBe('{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}');
      await c.req("POST", "/version");
      await c.req("HEAD", "/version");
      const h = await c.req("GET", "/health");
      expect(h.body).toBe('{"health":"true"}');
      await c.req("POST", "/health");
      await c.req("GET", "/health?exclude=NOSPACE");
      await c.req("OPTIONS", "/health");
    }));
});
