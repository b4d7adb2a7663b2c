import request from "supertest";
import { describe, expect, it, vi } from "vitest";
import { acapy, type AcapyOptions } from "@credhooks/core/providers/acapy";
import type { NormalizedPayload, WebhookEvent } from "@credhooks/core";
import { adapters } from "./support/adapters.js";
import { ACAPY_WALLET_ID, acapyFixture, acapyFixtures } from "./fixtures/acapy/index.js";

const KEY = "acapy-test-key";
const BASE = "/events/acme/acapy";
const mountAcapy = (adapter: (typeof adapters)[number], options: Partial<AcapyOptions> = {}, path = "/events/:tenantId/acapy") =>
  adapter.build([{ path, options: { provider: acapy({ apiKey: KEY, ...options }) } }]);

// What ACA-Py's HttpTransport sends: the record as JSON, Content-Type, x-api-key from the
// URL's "#key", and x-wallet-id for a sub-wallet.
const post = (app: Parameters<typeof request>[0], topic: string, body: unknown, headers: Record<string, string> = { "x-api-key": KEY }, base = BASE) =>
  request(app).post(`${base}/topic/${topic}/`).set({ "content-type": "application/json", ...headers }).send(typeof body === "string" ? body : JSON.stringify(body));

const done = acapyFixture("issue-credential-v2-0-done.json");

describe.each(adapters)("ACA-Py on $name", (adapter) => {
  it.each(acapyFixtures)("delivers $file posted to /topic/$topic/ to its typed handler as $event", async (fixture) => {
    const { app, hooks } = mountAcapy(adapter);
    const seen: WebhookEvent[] = [];
    const unhandled = vi.fn();
    hooks[0]!.on(fixture.event, (event) => void seen.push(event)).onUnhandled(unhandled);
    const res = await post(app, fixture.topic, fixture.body, { "x-api-key": KEY, "x-wallet-id": ACAPY_WALLET_ID });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ received: true });
    expect(unhandled).not.toHaveBeenCalled();
    expect(seen).toHaveLength(1);
    const event = seen[0]!;
    expect(event).toMatchObject({ provider: "acapy", tenantId: "acme", name: fixture.event, raw: fixture.body });
    const payload = event.payload as { topic: string; state?: string; walletId?: string; record: Record<string, unknown> };
    expect(payload.topic).toBe(fixture.topic);
    expect(payload.state).toBe(fixture.body["state"]);
    expect(payload.walletId).toBe(ACAPY_WALLET_ID);
    expect(payload.record).toEqual(fixture.body);
    expect(event.id).toContain(String(fixture.body[fixture.recordIdField]));
  });

  it("delivers issue_credential_v2_0 with state done to its own handler and to credential.issued", async () => {
    const { app, hooks } = mountAcapy(adapter);
    const own: WebhookEvent[] = [];
    const normalized: Array<WebhookEvent<string, NormalizedPayload>> = [];
    hooks[0]!.on("issue_credential_v2_0.done", (event) => void own.push(event));
    hooks[0]!.on("credential.issued", (event) => void normalized.push(event as WebhookEvent<string, NormalizedPayload>));
    const res = await post(app, "issue_credential_v2_0", done.body);
    expect(res.status).toBe(200);
    expect(own).toHaveLength(1);
    expect(normalized).toHaveLength(1);
    expect(normalized[0]!.payload).toMatchObject({ provider: "acapy", tenantId: "acme", recordId: done.body["cred_ex_id"] });
    expect(normalized[0]!.payload.source).toBe(own[0]);
  });

  it("accepts the topic path without its trailing slash, and with the double slash of a base URL ending in /", async () => {
    const { app, hooks } = mountAcapy(adapter);
    const seen: string[] = [];
    hooks[0]!.onAny((event) => void seen.push(event.name));
    const bare = await request(app).post(`${BASE}/topic/connections`).set({ "content-type": "application/json", "x-api-key": KEY }).send(JSON.stringify(acapyFixtures[0]!.body));
    expect(bare.status).toBe(200);
    const doubled = await request(app).post(`${BASE}//topic/basicmessages/`).set({ "content-type": "application/json", "x-api-key": KEY }).send(JSON.stringify(acapyFixture("basicmessages-received.json").body));
    expect(doubled.status).toBe(200);
    expect(seen).toEqual(["connections.active", "basicmessages.received"]);
  });

  it("answers 404 for paths that are not /topic/<topic>/", async () => {
    const { app } = mountAcapy(adapter);
    for (const path of ["", "/", "/topic", "/topic/", "/topic/a/b", "/topics/connections/", "/topic/issue.credential/"]) {
      const res = await request(app).post(BASE + path).set({ "content-type": "application/json", "x-api-key": KEY }).send("{}");
      expect([path, res.status, res.body.error?.code]).toEqual([path, 404, "UNKNOWN_ROUTE"]);
    }
  });

  it("runs a redelivery's handler once, and a new state or updated_at of the same record again", async () => {
    const { app, hooks } = mountAcapy(adapter);
    const handler = vi.fn();
    hooks[0]!.onAny(handler);
    expect((await post(app, "issue_credential_v2_0", done.body)).status).toBe(200);
    const again = await post(app, "issue_credential_v2_0", done.body);
    expect(again.body).toEqual({ received: true, duplicate: true });
    expect(handler).toHaveBeenCalledTimes(1);
    await post(app, "issue_credential_v2_0", { ...done.body, updated_at: "2025-03-13T23:00:00.000000Z" });
    await post(app, "issue_credential_v2_0", { ...done.body, state: "deleted" });
    expect(handler.mock.calls.map(([e]) => (e as WebhookEvent).name)).toEqual(["issue_credential_v2_0.done", "issue_credential_v2_0.done", "issue_credential_v2_0.deleted"]);
  });

  it("keeps deliveries of different sub-wallets apart in dedupe", async () => {
    const { app, hooks } = mountAcapy(adapter);
    const wallets: Array<string | undefined> = [];
    hooks[0]!.on("basicmessages.received", (event) => void wallets.push((event.payload as { walletId?: string }).walletId));
    const body = acapyFixture("basicmessages-received.json").body;
    await post(app, "basicmessages", body, { "x-api-key": KEY, "x-wallet-id": "wallet-a" });
    await post(app, "basicmessages", body, { "x-api-key": KEY, "x-wallet-id": "wallet-b" });
    await post(app, "basicmessages", body, { "x-api-key": KEY, "x-wallet-id": "wallet-a" });
    expect(wallets).toEqual(["wallet-a", "wallet-b"]);
  });

  it("rejects a wrong or missing x-api-key with 401 and runs nothing", async () => {
    const { app, hooks } = mountAcapy(adapter);
    const handler = vi.fn();
    hooks[0]!.onAny(handler);
    const wrong = await post(app, "connections", acapyFixtures[0]!.body, { "x-api-key": "not-the-key" });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, "INVALID_CREDENTIALS"]);
    expect(wrong.text).not.toContain(KEY);
    const missing = await post(app, "connections", acapyFixtures[0]!.body, {});
    expect([missing.status, missing.body.error.code]).toEqual([401, "MISSING_CREDENTIALS"]);
    expect(handler).not.toHaveBeenCalled();
  });

  it("resolves keys per tenant and accepts any key of a rotation", async () => {
    const keys: Record<string, string[]> = { acme: ["new-acme", "old-acme"], globex: ["globex-key"] };
    const { app } = mountAcapy(adapter, { apiKey: (tenantId) => (tenantId ? keys[tenantId] : undefined) });
    const body = acapyFixtures[0]!.body;
    expect((await post(app, "connections", body, { "x-api-key": "old-acme" })).status).toBe(200);
    expect((await post(app, "connections", body, { "x-api-key": "globex-key" }, "/events/globex/acapy")).status).toBe(200);
    expect((await post(app, "connections", body, { "x-api-key": "globex-key" })).status).toBe(401);
  });

  it("with requireWalletId: true, requires x-wallet-id to equal the tenant id", async () => {
    const { app, hooks } = mountAcapy(adapter, { requireWalletId: true });
    const handler = vi.fn();
    hooks[0]!.onAny(handler);
    const body = acapyFixtures[0]!.body;
    const base = `/events/${ACAPY_WALLET_ID}/acapy`;
    expect((await post(app, "connections", body, { "x-api-key": KEY, "x-wallet-id": ACAPY_WALLET_ID }, base)).status).toBe(200);
    const other = await post(app, "connections", body, { "x-api-key": KEY, "x-wallet-id": "another-wallet" }, base);
    expect([other.status, other.body.error.code]).toEqual([401, "INVALID_CREDENTIALS"]);
    const none = await post(app, "connections", body, { "x-api-key": KEY }, base);
    expect([none.status, none.body.error.code]).toEqual([401, "MISSING_CREDENTIALS"]);
    // The key is checked first: a wrong key says nothing about wallets.
    const wrongKey = await post(app, "connections", body, { "x-api-key": "nope", "x-wallet-id": "another-wallet" }, base);
    expect(wrongKey.body.error.message).toContain("x-api-key");
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("with a wallet id resolver, accepts the wallets it names for the tenant", async () => {
    const wallets: Record<string, string[]> = { acme: ["wallet-1", "wallet-2"] };
    const { app } = mountAcapy(adapter, { requireWalletId: (tenantId) => (tenantId ? wallets[tenantId] : undefined) });
    const body = acapyFixtures[0]!.body;
    expect((await post(app, "connections", body, { "x-api-key": KEY, "x-wallet-id": "wallet-2" })).status).toBe(200);
    expect((await post(app, "connections", body, { "x-api-key": KEY, "x-wallet-id": "wallet-3" })).status).toBe(401);
    expect((await post(app, "connections", body, { "x-api-key": KEY, "x-wallet-id": "wallet-1" }, "/events/globex/acapy")).status).toBe(401);
  });

  it("answers an unknown state or topic 2xx and reports it to onUnhandled under <topic>.<state>", async () => {
    const { app, hooks } = mountAcapy(adapter);
    const unhandled = vi.fn();
    hooks[0]!.onUnhandled(unhandled);
    const newState = { ...acapyFixtures[0]!.body, state: "hibernating" };
    const res = await post(app, "connections", newState);
    expect([res.status, res.body]).toEqual([200, { received: true, unhandled: true }]);
    // A plugin's topic (ACA-Py's own topics are typed).
    const plugin = { comment: "hello", connection_id: "c1", state: "received", thread_id: "t1" };
    expect((await post(app, "my_plugin", plugin)).status).toBe(200);
    expect(unhandled.mock.calls.map(([e]) => (e as WebhookEvent).name)).toEqual(["connections.hibernating", "my_plugin.received"]);
    expect(unhandled.mock.calls[1]![0]).toMatchObject({ payload: { topic: "my_plugin", state: "received", record: plugin }, raw: plugin });
  });

  it("rejects a record without its id, or a body that is not an object, with 400", async () => {
    const { app } = mountAcapy(adapter);
    const noId = await post(app, "issue_credential_v2_0", { state: "done", cred_ex_id: 42 });
    expect([noId.status, noId.body.error.code]).toEqual([400, "INVALID_PAYLOAD"]);
    expect(noId.body.error.message).toContain("cred_ex_id");
    const list = await post(app, "connections", [1, 2]);
    expect([list.status, list.body.error.code]).toEqual([400, "INVALID_PAYLOAD"]);
  });

  it("answers 500 when a handler fails so that ACA-Py retries, and runs only the failed handler again", async () => {
    const { app, hooks } = mountAcapy(adapter);
    const steady = vi.fn();
    let failures = 1;
    const flaky = vi.fn(() => {
      if (failures-- > 0) throw new Error("database unavailable");
    });
    hooks[0]!.on("issue_credential_v2_0.done", steady).on("issue_credential_v2_0.done", flaky);
    const first = await post(app, "issue_credential_v2_0", done.body);
    expect([first.status, first.body.error.code]).toEqual([500, "HANDLER_FAILED"]);
    expect((await post(app, "issue_credential_v2_0", done.body)).status).toBe(200);
    expect(steady).toHaveBeenCalledTimes(1);
    expect(flaky).toHaveBeenCalledTimes(2);
    // ACA-Py retries, so a failure it will redeliver is not kept in the failure sink.
    expect(await hooks[0]!.failures.list()).toEqual([]);
  });

  it("checks method, route, size, content type and JSON with coded errors, and never answers 5xx to hostile JSON", async () => {
    const { app } = mountAcapy(adapter);
    const get = await request(app).get(`${BASE}/topic/connections/`);
    expect([get.status, get.body.error?.code]).toEqual([405, "METHOD_NOT_ALLOWED"]);
    const big = await post(app, "connections", JSON.stringify({ connection_id: "c", pad: "a".repeat(1024 * 1024) }));
    expect([big.status, big.body.error.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    const text = await request(app).post(`${BASE}/topic/connections/`).set({ "content-type": "text/plain", "x-api-key": KEY }).send("hello");
    expect([text.status, text.body.error.code]).toEqual([415, "UNSUPPORTED_MEDIA_TYPE"]);
    for (const body of ["[".repeat(20_000) + "]".repeat(20_000), '{"__proto__":{"polluted":true},"connection_id":"p1","state":"active"}', "null", '"x"', '{"connection_id":"c","state":{"toString":1}}']) {
      const res = await post(app, "connections", body);
      expect(res.status, body.slice(0, 40)).toBeLessThan(500);
    }
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("works mounted without :tenantId", async () => {
    const { app, hooks } = mountAcapy(adapter, {}, "/hooks/acapy");
    const seen: Array<string | undefined> = [];
    hooks[0]!.onAny((event) => void seen.push(event.tenantId));
    expect((await post(app, "connections", acapyFixtures[0]!.body, undefined, "/hooks/acapy")).status).toBe(200);
    expect(seen).toEqual([undefined]);
  });
});
