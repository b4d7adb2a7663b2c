import request from "supertest";
import { describe, expect, it, vi } from "vitest";
import { proven } from "@credhooks/core/providers/proven";
import type { WebhookEvent } from "@credhooks/core";
import { adapters } from "./support/adapters.js";
import { provenFixtures } from "./fixtures/proven/index.js";

const KEY = "proven-test-key";
const mountProven = (adapter: (typeof adapters)[number], apiKey: Parameters<typeof proven>[0]["apiKey"] = KEY, path = "/events/:tenantId/proven") =>
  adapter.build([{ path, options: { provider: proven({ apiKey }) } }]);

const post = (app: Parameters<typeof request>[0], body: unknown, headers: Record<string, string> = { "x-api-key": KEY }, url = "/events/acme/proven") =>
  request(app).post(url).set({ "content-type": "application/json", "user-agent": "node-fetch/1.0", ...headers }).send(typeof body === "string" ? body : JSON.stringify(body));

describe.each(adapters)("Proven on $name", (adapter) => {
  it.each(provenFixtures)("delivers $file to its typed handler as $canonical", async (fixture) => {
    const { app, hooks } = mountProven(adapter);
    const seen: WebhookEvent[] = [];
    hooks[0]!.on(fixture.canonical, (event) => void seen.push(event));
    const res = await post(app, fixture.body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true });
    expect(seen).toHaveLength(1);
    const event = seen[0]!;
    expect(event.provider).toBe("proven");
    expect(event.tenantId).toBe("acme");
    expect(event.name).toBe(fixture.canonical);
    expect((event.payload as Record<string, unknown>)[fixture.recordIdField]).toBe(fixture.body.webhook[fixture.recordIdField]);
    expect(event.raw).toEqual(fixture.body);
    expect(event.id).toContain(String(fixture.body.webhook[fixture.recordIdField]));
  });

  it("runs a duplicate delivery's handler once and answers it 2xx", async () => {
    const { app, hooks } = mountProven(adapter);
    const handler = vi.fn();
    hooks[0]!.on("credentials:done", handler);
    const body = provenFixtures[1]!.body;
    expect((await post(app, body)).status).toBe(200);
    const again = await post(app, body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("runs a new state of the same record", async () => {
    const { app, hooks } = mountProven(adapter);
    const handler = vi.fn();
    hooks[0]!.on("credentials:done", handler);
    const body = provenFixtures[1]!.body;
    await post(app, body);
    await post(app, { ...body, webhook: { ...body.webhook, updated_at: "2025-03-13T23:00:00.000000Z" } });
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it("rejects a wrong key with 401 and runs nothing", async () => {
    const { app, hooks } = mountProven(adapter);
    const handler = vi.fn();
    hooks[0]!.onAny(handler);
    const wrong = await post(app, provenFixtures[0]!.body, { "x-api-key": "not-the-key" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("INVALID_CREDENTIALS");
    expect(JSON.stringify(wrong.body)).not.toContain(KEY);
    const missing = await post(app, provenFixtures[0]!.body, {});
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe("MISSING_CREDENTIALS");
    expect(handler).not.toHaveBeenCalled();
  });

  it("resolves keys per tenant, accepts any key of a rotation, and treats no key as 401", async () => {
    const keys: Record<string, string[]> = { acme: ["new-acme", "old-acme"], globex: ["globex-key"] };
    const { app } = mountProven(adapter, async (tenantId) => (tenantId ? keys[tenantId] : undefined));
    const body = provenFixtures[0]!.body;
    expect((await post(app, body, { "x-api-key": "old-acme" })).status).toBe(200);
    expect((await post(app, body, { "x-api-key": "globex-key" }, "/events/globex/proven")).status).toBe(200);
    expect((await post(app, body, { "x-api-key": "globex-key" }, "/events/acme/proven")).status).toBe(401);
    const unknownTenant = await post(app, body, { "x-api-key": "anything" }, "/events/initech/proven");
    expect(unknownTenant.status).toBe(401);
    expect(unknownTenant.body.error.code).toBe("INVALID_CREDENTIALS");
  });

  it("answers 503 when the key resolver fails, so the sender retries", async () => {
    const { app } = mountProven(adapter, () => {
      throw new Error("vault down: secret=hunter2");
    });
    const res = await post(app, provenFixtures[0]!.body);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("CREDENTIALS_UNAVAILABLE");
    expect(res.text).not.toContain("hunter2");
  });

  it("works mounted without :tenantId, with tenantId undefined", async () => {
    const { app, hooks } = mountProven(adapter, KEY, "/hooks/proven");
    const seen: Array<string | undefined> = [];
    hooks[0]!.onAny((event) => void seen.push(event.tenantId));
    expect((await post(app, provenFixtures[0]!.body, undefined, "/hooks/proven")).status).toBe(200);
    expect(seen).toEqual([undefined]);
  });

  it("answers 500 when a handler fails, reports an AggregateError, and runs only the failed handler on redelivery", async () => {
    const { app, hooks } = mountProven(adapter);
    const steady = vi.fn();
    let failures = 1;
    const flaky = vi.fn(() => {
      if (failures-- > 0) throw new Error("database unavailable");
    });
    const errors: AggregateError[] = [];
    hooks[0]!.on("credentials:done", steady).on("credentials:done", flaky).onError((error) => void errors.push(error));
    const body = provenFixtures[1]!.body;
    const first = await post(app, body);
    expect(first.status).toBe(500);
    expect(first.body.error.code).toBe("HANDLER_FAILED");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(AggregateError);
    expect(errors[0]!.errors.map((e) => (e as Error).message)).toEqual(["database unavailable"]);
    const second = await post(app, body);
    expect(second.status).toBe(200);
    expect(steady).toHaveBeenCalledTimes(1);
    expect(flaky).toHaveBeenCalledTimes(2);
    expect((await post(app, body)).body).toEqual({ received: true, duplicate: true });
  });

  it("answers an unknown event name 2xx and reports it to onUnhandled once", async () => {
    const { app, hooks } = mountProven(adapter);
    const unhandled = vi.fn();
    hooks[0]!.onUnhandled(unhandled);
    const body = { event: "credentials:revoked", webhook: { cred_ex_id: "x1", state: "revoked" } };
    const res = await post(app, body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, unhandled: true });
    await post(app, body);
    expect(unhandled).toHaveBeenCalledTimes(1);
    expect(unhandled.mock.calls[0]![0]).toMatchObject({ name: "credentials:revoked", raw: body });
  });

  it("rejects a payload that does not match its schema with 400 and the failing path, and keeps it", async () => {
    const { app, hooks } = mountProven(adapter);
    const handler = vi.fn();
    hooks[0]!.on("credentials:done", handler);
    const res = await post(app, { event: "credentials:done", webhook: { state: "done", cred_ex_id: 42 } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_PAYLOAD");
    expect(res.body.error.message).toContain("cred_ex_id");
    expect(handler).not.toHaveBeenCalled();
    const kept = await hooks[0]!.failures.list();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ provider: "proven", tenantId: "acme", name: "credentials:done", reason: "invalid-payload" });
  });

  it("rejects a body without Proven's envelope with 400 INVALID_PAYLOAD", async () => {
    const { app } = mountProven(adapter);
    const res = await post(app, [1, 2, 3]);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_PAYLOAD");
  });

  it("checks method, route, size, content type and JSON in that order, with coded errors", async () => {
    const { app } = mountProven(adapter);
    const get = await request(app).get("/events/acme/proven");
    expect([get.status, get.body.error?.code, get.headers["allow"]]).toEqual([405, "METHOD_NOT_ALLOWED", "POST"]);
    const route = await post(app, provenFixtures[0]!.body, undefined, "/events/acme/proven/elsewhere");
    expect([route.status, route.body.error.code]).toEqual([404, "UNKNOWN_ROUTE"]);
    const big = await post(app, JSON.stringify({ event: "x", webhook: { pad: "a".repeat(1024 * 1024) } }));
    expect([big.status, big.body.error.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    const text = await request(app).post("/events/acme/proven").set({ "content-type": "text/plain", "x-api-key": KEY }).send("hello");
    expect([text.status, text.body.error.code]).toEqual([415, "UNSUPPORTED_MEDIA_TYPE"]);
    const broken = await post(app, '{"event":"connection:completed",');
    expect([broken.status, broken.body.error.code]).toEqual([400, "INVALID_JSON"]);
    // JSON errors come before authentication (the body must be read to find Truvera's token),
    // but nothing is validated against a schema before it.
    const unauthenticatedBadSchema = await post(app, { event: "credentials:done", webhook: { cred_ex_id: 1 } }, { "x-api-key": "nope" });
    expect(unauthenticatedBadSchema.status).toBe(401);
  });

  it("never answers 5xx to hostile JSON", async () => {
    const { app } = mountProven(adapter);
    const deep = "[".repeat(20_000) + "]".repeat(20_000);
    const cases = [
      deep,
      '{"__proto__":{"polluted":true},"event":"credentials:done","webhook":{"cred_ex_id":"p1","__proto__":{"x":1},"constructor":{"prototype":{"y":2}}}}',
      '{"event":{"toString":1},"webhook":[]}',
      "null",
      '"string"',
      "\uFEFF{}",
    ];
    for (const body of cases) {
      const res = await post(app, body);
      expect(res.status, body.slice(0, 40)).toBeLessThan(500);
    }
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    const ok = await post(app, provenFixtures[2]!.body);
    expect(ok.status).toBe(200);
  });
});
