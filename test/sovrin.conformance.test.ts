import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { afterAll, describe, expect, it, vi } from "vitest";
import { sovrin, type SovrinOptions } from "@credhooks/core/providers/sovrin";
import type { WebhookEvent } from "@credhooks/core";
import { adapters } from "./support/adapters.js";
import { sovrinFixtures } from "./fixtures/sovrin/index.js";
import { digestOf, jwksOf, signWithHms, testKey, type HmsSignOptions } from "./fixtures/sovrin/sign-with-hms.js";

// Every delivery here is signed by http-message-signatures (RFC 9421), an implementation
// credhooks did not write, for the URL Sovrin was given: the full public path.
const PUBLIC = "https://hooks.example.com";
const PATH = "/events/acme/sovrin";
const key = testKey("sovrin-2024-01");
const BODY = sovrinFixtures[0]!.body;
const TEXT = JSON.stringify(BODY);

const mount = (adapter: (typeof adapters)[number], options: Partial<SovrinOptions> = {}) =>
  adapter.build([{ path: "/events/:tenantId/sovrin", options: { provider: sovrin({ jwks: jwksOf(key), ...options }) } }]);

const sign = (options: Partial<HmsSignOptions> = {}) => signWithHms({ key, url: PUBLIC + PATH, body: TEXT, ...options });

const post = (app: Parameters<typeof request>[0], headers: Record<string, string>, body: string = TEXT, path = PATH) =>
  request(app).post(path).set(headers).send(body);

const errorCode = (res: { body: { error?: { code?: string } } }) => res.body.error?.code;

const jwksServers: Server[] = [];
afterAll(async () => {
  await Promise.all(jwksServers.map((s) => new Promise((resolve) => s.close(resolve))));
});

describe.each(adapters)("Sovrin on $name", (adapter) => {
  it.each(sovrinFixtures)("delivers $file, signed over @method, the full @path and content-digest, to its typed handler", async ({ body }) => {
    const { app, hooks } = mount(adapter);
    const seen: WebhookEvent[] = [];
    hooks[0]!.on(body.event.type, (event) => void seen.push(event));
    const text = JSON.stringify(body);
    const res = await post(app, await signWithHms({ key, url: PUBLIC + PATH, body: text }), text);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ received: true });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ provider: "sovrin", tenantId: "acme", name: body.event.type, id: body.event.id, payload: body.event.payload, raw: body });
  });

  it("uses the full path, not the path below the mount point", async () => {
    const { app, hooks } = mount(adapter);
    const handler = vi.fn();
    hooks[0]!.onAny(handler);
    // What the router hands the middleware is "/": a signature over it is not Sovrin's.
    const res = await post(app, await sign({ url: PUBLIC + "/" }));
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe("INVALID_SIGNATURE");
    expect(handler).not.toHaveBeenCalled();
  });

  it("rejects a delivery signed for another tenant's URL (a changed @path)", async () => {
    const { app } = mount(adapter);
    const res = await post(app, await sign(), TEXT, "/events/globex/sovrin");
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe("INVALID_SIGNATURE");
  });

  it("rejects a tampered covered header, and a Content-Digest recomputed for a tampered body", async () => {
    const { app, hooks } = mount(adapter);
    const handler = vi.fn();
    hooks[0]!.onAny(handler);
    const headers = await sign({ fields: ["@method", "@path", "content-type", "x-mattr-webhook-id", "content-digest"], headers: { "x-mattr-webhook-id": BODY.webhookId } });
    expect((await post(app, { ...headers, "x-mattr-webhook-id": "another-webhook" })).status).toBe(401);
    expect((await post(app, { ...headers, "content-type": "application/json; charset=utf-8" })).status).toBe(401);
    const tampered = JSON.stringify({ ...BODY, event: { ...BODY.event, payload: { ...BODY.event.payload, userId: "mallory" } } });
    const redigested = await post(app, { ...headers, "content-digest": digestOf(tampered) }, tampered);
    expect(redigested.status).toBe(401);
    expect(errorCode(redigested)).toBe("INVALID_SIGNATURE");
    expect(handler).not.toHaveBeenCalled();
    expect((await post(app, headers)).status).toBe(200);
  });

  it("rejects a tampered body under a signature that covers content-digest", async () => {
    const { app } = mount(adapter);
    const tampered = TEXT.replace(BODY.event.payload["userId"] as string, "mallory");
    const res = await post(app, await sign(), tampered);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/Content-Digest/);
  });

  it("rejects a swapped body under a signature that does not cover it, even with a matching Content-Digest", async () => {
    const { app, hooks } = mount(adapter);
    const handler = vi.fn();
    hooks[0]!.onAny(handler);
    const headers = await sign({ fields: ["@method", "@path"] });
    const swapped = JSON.stringify({ ...BODY, event: { ...BODY.event, id: "forged-event" } });
    const res = await post(app, { ...headers, "content-digest": digestOf(swapped) }, swapped);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/not covered/);
    expect(handler).not.toHaveBeenCalled();
  });

  it("rejects an expired signature and one created too far in the future", async () => {
    const { app } = mount(adapter);
    const now = Date.now();
    const expired = await post(app, await sign({ created: new Date(now - 120_000), expires: new Date(now - 60_000) }));
    expect(expired.status).toBe(401);
    expect(errorCode(expired)).toBe("TIMESTAMP_TOO_OLD");
    const old = await post(app, await sign({ created: new Date(now - 3_600_000) }));
    expect(errorCode(old)).toBe("TIMESTAMP_TOO_OLD");
    const future = await post(app, await sign({ created: new Date(now + 3_600_000) }));
    expect(future.status).toBe(401);
    expect(errorCode(future)).toBe("TIMESTAMP_IN_FUTURE");
  });

  it("rejects a delivery without signature headers as MISSING_CREDENTIALS", async () => {
    const { app } = mount(adapter);
    const res = await post(app, { "content-type": "application/json" });
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe("MISSING_CREDENTIALS");
  });

  it("rejects an unknown keyid with an inline JWKS as UNKNOWN_KEY", async () => {
    const { app } = mount(adapter);
    const stranger = testKey("not-published");
    const res = await post(app, await signWithHms({ key: stranger, url: PUBLIC + PATH, body: TEXT }));
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe("UNKNOWN_KEY");
  });

  it("verifies @authority from the Host header, or from publicOrigin behind a proxy", async () => {
    const headers = await sign({ fields: ["@method", "@authority", "@path", "content-digest"] });
    expect((await post(mount(adapter).app, { ...headers, host: "hooks.example.com" })).status).toBe(200);
    expect((await post(mount(adapter).app, { ...headers, host: "internal.local:8080" })).status).toBe(401);
    const proxied = mount(adapter, { publicOrigin: PUBLIC });
    expect((await post(proxied.app, { ...headers, host: "internal.local:8080", "x-forwarded-host": "evil.example" })).status).toBe(200);
  });

  it("picks up a key newly published at the JWKS URL without a restart, and answers 503 while the JWKS is unreachable", async () => {
    const rotated = testKey("sovrin-2025-06");
    let published = jwksOf(key);
    let up = true;
    const server = createServer((_req, res) => {
      if (!up) return void res.writeHead(502).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(published));
    });
    jwksServers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/webhooks/jwks`;
    const { app, hooks } = mount(adapter, { jwks: jwksUrl, remoteJwks: { cooldownMs: 50 } });
    const handler = vi.fn();
    hooks[0]!.on("OpenIdCredentialIssued", handler);

    expect((await post(app, await sign())).status).toBe(200);
    // Sovrin rotates: publishes the new key and signs with it.
    published = jwksOf(key, rotated);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const next = JSON.stringify({ ...BODY, event: { ...BODY.event, id: "after-rotation" } });
    const res = await post(app, await signWithHms({ key: rotated, url: PUBLIC + PATH, body: next }), next);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(handler).toHaveBeenCalledTimes(2);

    // The JWKS goes down and an unknown key arrives: 503 (the sender retries), not 401.
    up = false;
    await new Promise((resolve) => setTimeout(resolve, 80));
    const third = testKey("sovrin-2026-01");
    const down = await post(app, await signWithHms({ key: third, url: PUBLIC + PATH, body: TEXT }));
    expect(down.status).toBe(503);
    expect(errorCode(down)).toBe("CREDENTIALS_UNAVAILABLE");
    expect(down.headers["retry-after"]).toBeDefined();
  });

  it("runs a redelivery (new deliveryId, same event.id) once and answers it 2xx", async () => {
    const { app, hooks } = mount(adapter);
    const handler = vi.fn();
    hooks[0]!.on("OpenIdCredentialIssued", handler);
    expect((await post(app, await sign())).status).toBe(200);
    const retry = JSON.stringify({ ...BODY, deliveryId: "second-attempt" });
    const again = await post(app, await signWithHms({ key, url: PUBLIC + PATH, body: retry }), retry);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("checks the webhook id when configured", async () => {
    const { app } = mount(adapter, { webhookId: "0c099611-19c4-4f29-8724-6b9e5ba1ef7c" });
    const res = await post(app, await sign());
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe("INVALID_CREDENTIALS");
  });
});
