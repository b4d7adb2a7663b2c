import { describe, expect, it } from "vitest";
import { createWebhooks } from "../../create-webhooks.js";
import type { WebhookEvent, WebhookRequest } from "../../types.js";
import { lissi } from "./index.js";

const KEY = "lissi-unit-key";
const DTO = { id: "c1", createdAt: "2022-11-09T14:35:46.532657Z", updatedAt: "2022-11-09T14:35:46.532657Z", state: "INVITED", alias: "Test" };

function request(path: string, body?: unknown, init: { method?: string; key?: string | null; tenantId?: string; rawBody?: string } = {}): WebhookRequest {
  const text = init.rawBody ?? (body === undefined ? "" : JSON.stringify(body));
  const headers: Record<string, string> = {};
  if (init.key !== null) headers["x-api-key"] = init.key ?? KEY;
  if (text !== "") headers["content-type"] = "application/json";
  return {
    method: init.method ?? "POST",
    path,
    originalUrl: `/events/${init.tenantId ?? "acme"}/lissi${path}`,
    headers,
    params: { tenantId: init.tenantId ?? "acme" },
    body: Buffer.from(text),
  };
}

function setup(apiKey: Parameters<typeof lissi>[0]["apiKey"] = KEY) {
  const hooks = createWebhooks({ provider: lissi({ apiKey }) });
  const seen: Array<WebhookEvent<string, unknown>> = [];
  hooks.onAny((event) => void seen.push(event));
  return { hooks, seen };
}

describe("lissi provider", () => {
  it("is a non-retrying provider that accepts POST and DELETE", () => {
    const provider = lissi({ apiKey: KEY });
    expect(provider.id).toBe("lissi");
    expect(provider.retries).toBe(false);
    expect(provider.methods).toEqual(["POST", "DELETE"]);
  });

  it("gives the same dedupe id to the path form and the shared-topic form of one event", async () => {
    const { hooks, seen } = setup();
    // Same DTO, different key order and whitespace in the two encodings.
    const reordered = Object.fromEntries(Object.entries(DTO).reverse());
    const first = await hooks.handle(request("/connections/c1/update", DTO));
    const second = await hooks.handle(request("/", undefined, { rawBody: JSON.stringify({ event: "/connections/c1/update/", payload: reordered }, null, 2) }));
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(JSON.parse(second.body)).toEqual({ received: true, duplicate: true });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.id).toMatch(/^\/connections\/c1\/update:[A-Za-z0-9_-]{22}$/);
  });

  it("runs an identical redelivery once, and a new state of the same record again", async () => {
    const { hooks, seen } = setup();
    await hooks.handle(request("/connections/c1/update", DTO));
    const again = await hooks.handle(request("/connections/c1/update", DTO));
    expect(JSON.parse(again.body)).toMatchObject({ duplicate: true });
    const next = await hooks.handle(request("/connections/c1/update", { ...DTO, state: "COMPLETED", updatedAt: "2022-11-09T14:36:00Z" }));
    expect(JSON.parse(next.body)).toEqual({ received: true });
    expect(seen.map((e) => (e.payload as { state: string }).state)).toEqual(["INVITED", "COMPLETED"]);
    expect(new Set(seen.map((e) => e.id)).size).toBe(2);
  });

  it("dedupes a bodyless single delete and its shared-topic form with a null payload alike", async () => {
    const { hooks, seen } = setup();
    await hooks.handle(request("/proofs/p1/delete", undefined, { method: "DELETE" }));
    const shared = await hooks.handle(request("/", { event: "/proofs/p1/delete", payload: null }));
    expect(JSON.parse(shared.body)).toMatchObject({ duplicate: true });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.payload).toEqual({ id: "p1" });
  });

  it("separates tenants: the same event for two tenants runs twice", async () => {
    const { hooks, seen } = setup();
    await hooks.handle(request("/connections/c1/delete", undefined, { tenantId: "a" }));
    await hooks.handle(request("/connections/c1/delete", undefined, { tenantId: "b" }));
    expect(seen.map((e) => e.tenantId)).toEqual(["a", "b"]);
  });

  it("fills in the DTO id from the path when the body has none", async () => {
    const { hooks, seen } = setup();
    const { id: _omit, ...withoutId } = DTO;
    const res = await hooks.handle(request("/connections/c1/update", withoutId));
    expect(res.status).toBe(200);
    expect(seen[0]?.payload).toMatchObject({ id: "c1", state: "INVITED" });
  });

  it("rejects a DTO whose id differs from the path, keeps it in the sink, and says which ids differ", async () => {
    const { hooks, seen } = setup();
    const res = await hooks.handle(request("/connections/c1/update", { ...DTO, id: "other" }));
    expect(res.status).toBe(400);
    const error = JSON.parse(res.body).error as { code: string; message: string };
    expect(error.code).toBe("INVALID_PAYLOAD");
    expect(error.message).toContain('"c1"');
    expect(error.message).toContain('"other"');
    expect(seen).toHaveLength(0);
    const [kept] = await hooks.failures.list();
    expect(kept).toMatchObject({ reason: "invalid-payload", raw: { ...DTO, id: "other" } });
  });

  it("decides the same for a shared-topic body whose DTO id differs from its event path: refused, no handler, kept with both ids", async () => {
    const { hooks, seen } = setup();
    const res = await hooks.handle(request("/", { event: "/connections/c1/update", payload: { ...DTO, id: "other" } }));
    expect(res.status).toBe(400);
    const error = JSON.parse(res.body).error as { code: string; message: string };
    expect(error.code).toBe("INVALID_PAYLOAD");
    expect(error.message).toMatch(/"c1".*"other".*does not guess.*failure sink/s);
    expect(seen).toHaveLength(0);
    const [kept] = await hooks.failures.list();
    expect(kept).toMatchObject({ reason: "invalid-payload", raw: { event: "/connections/c1/update", payload: { id: "other" } } });
  });

  it("rejects a shared-topic body without an event path, kept in the sink", async () => {
    const { hooks } = setup();
    for (const body of [{ payload: DTO }, { event: "connection:update", payload: DTO }, undefined]) {
      const res = await hooks.handle(request("/", body));
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).error.message).toMatch(/shared-topic|"event" of a shared-topic/);
    }
    expect((await hooks.failures.list()).length).toBe(3);
  });

  it("gives an unknown route's handler the path, the id and the body", async () => {
    const { hooks } = setup();
    const unhandled: Array<WebhookEvent<string, unknown>> = [];
    hooks.onUnhandled((event) => void unhandled.push(event));
    await hooks.handle(request("/widgets/w%201/explode", { power: 3 }));
    await hooks.handle(request("/", { event: "/widgets/archive", payload: ["w1"] }));
    expect(unhandled.map((e) => [e.name, e.payload])).toEqual([
      ["/widgets/:id/explode", { path: "/widgets/w%201/explode", id: "w 1", body: { power: 3 } }],
      ["/widgets/archive", { path: "/widgets/archive", body: ["w1"] }],
    ]);
  });

  it("authenticates X-API-Key per tenant, in constant time, without echoing keys", async () => {
    const { hooks, seen } = setup((tenantId) => (tenantId === "acme" ? ["new-key", "old-key"] : undefined));
    expect((await hooks.handle(request("/connections/c1/delete", undefined, { key: "old-key" }))).status).toBe(200);
    const wrong = await hooks.handle(request("/connections/c2/delete", undefined, { key: "new-key-but-wrong" }));
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body).error.code).toBe("INVALID_CREDENTIALS");
    expect(wrong.body).not.toContain("new-key");
    const otherTenant = await hooks.handle(request("/connections/c3/delete", undefined, { key: "new-key", tenantId: "globex" }));
    expect(otherTenant.status).toBe(401);
    const missing = await hooks.handle(request("/connections/c4/delete", undefined, { key: null }));
    expect(JSON.parse(missing.body).error.code).toBe("MISSING_CREDENTIALS");
    expect(seen).toHaveLength(1);
    expect(await hooks.failures.list()).toEqual([]);
  });

  it("answers 405 for DELETE on updates and revocations, and on the shared-topic mount point", async () => {
    const { hooks } = setup();
    for (const path of ["/connections/c1/update", "/credentials/k1/revoke", "/credentials/revoke", "/"]) {
      const res = await hooks.handle(request(path, undefined, { method: "DELETE" }));
      expect(res.status).toBe(405);
      expect(res.headers["allow"]).toBe("POST");
    }
    expect((await hooks.handle(request("/connections/c1/update", DTO, { method: "PUT" }))).status).toBe(405);
  });
});
