import { describe, expect, expectTypeOf, it, vi } from "vitest";
import { jwksOf, signWithHms, testKey } from "../../../../../test/fixtures/sovrin/sign-with-hms.js";
import { SOVRIN_FIXTURE_WEBHOOK_ID, sovrinFixtures, sovrinUnknownEvent } from "../../../../../test/fixtures/sovrin/index.js";
import { createWebhooks } from "../../create-webhooks.js";
import type { WebhookRequest } from "../../types.js";
import { signSovrinDelivery, sovrin, SOVRIN_RESPONSE_DEADLINE_MS, type SovrinOptions } from "./index.js";

const key = testKey("sovrin-k1");
const PUBLIC_URL = "https://hooks.example.com/events/acme/sovrin";

async function delivery(body: unknown, options: { fields?: string[]; url?: string; host?: string; headers?: Record<string, string>; raw?: string } = {}): Promise<WebhookRequest> {
  const text = options.raw ?? JSON.stringify(body);
  const url = new URL(options.url ?? PUBLIC_URL);
  const headers = await signWithHms({ key, url: url.href, body: text, ...(options.fields ? { fields: options.fields } : {}), headers: { host: url.host, ...options.headers } });
  return { method: "POST", path: "/", originalUrl: url.pathname + url.search, headers: { ...headers, host: options.host ?? url.host }, params: { tenantId: "acme" }, body: Buffer.from(text) };
}

const receiver = (options: Partial<SovrinOptions> = {}) => createWebhooks({ provider: sovrin({ jwks: jwksOf(key), ...options }) });

describe("sovrin provider", () => {
  it.each(sovrinFixtures)("delivers $file to its typed handler with event.payload and event.id", async ({ body }) => {
    const hooks = receiver();
    const handler = vi.fn();
    hooks.on(body.event.type as "OpenIdCredentialIssued", handler);
    const res = await hooks.handle(await delivery(body));
    expect(res.status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]![0]).toMatchObject({ provider: "sovrin", tenantId: "acme", name: body.event.type, id: body.event.id, payload: body.event.payload, raw: body });
  });

  it("types handlers from the schemas", () => {
    const hooks = receiver();
    hooks.on("OpenIdCredentialIssued", (event) => {
      expectTypeOf(event.payload.credentialId).toEqualTypeOf<string>();
      expectTypeOf(event.payload.format).toEqualTypeOf<string | undefined>();
    });
    hooks.on("OpenIdCredentialIssuedSummary", (event) => {
      expectTypeOf(event.payload.userId).toEqualTypeOf<string | undefined>();
    });
  });

  it("dedupes on event.id, not deliveryId (which changes on every retry)", async () => {
    const hooks = receiver();
    const handler = vi.fn();
    hooks.on("OpenIdCredentialIssued", handler);
    const body = sovrinFixtures[0]!.body;
    expect((await hooks.handle(await delivery(body))).status).toBe(200);
    const retry = await hooks.handle(await delivery({ ...body, deliveryId: "another-attempt", deliveryTimestamp: "2022-08-30T01:27:38.325Z" }));
    expect(retry.body).toBe('{"received":true,"duplicate":true}');
    expect(handler).toHaveBeenCalledTimes(1);
    await hooks.handle(await delivery({ ...body, event: { ...body.event, id: "a-new-event" } }));
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it("hands unknown event types to onUnhandled (Sovrin retries, so nothing is kept)", async () => {
    const hooks = receiver();
    const unhandled = vi.fn();
    hooks.onUnhandled(unhandled);
    const res = await hooks.handle(await delivery(sovrinUnknownEvent.body));
    expect(res.status).toBe(200);
    expect(unhandled).toHaveBeenCalledWith(expect.objectContaining({ name: "PresentationVerified", id: sovrinUnknownEvent.body.event.id }));
    expect(await hooks.failures.list()).toEqual([]);
  });

  it("rejects an authenticated body without the envelope as INVALID_PAYLOAD", async () => {
    const hooks = receiver();
    const res = await hooks.handle(await delivery({ deliveryId: "d", event: { type: "OpenIdCredentialIssued" } }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe("INVALID_PAYLOAD");
    const wrongPayload = await hooks.handle(await delivery({ ...sovrinFixtures[0]!.body, event: { ...sovrinFixtures[0]!.body.event, payload: { credentialId: 7 } } }));
    expect(JSON.parse(wrongPayload.body).error.code).toBe("INVALID_PAYLOAD");
  });

  describe("body coverage", () => {
    it("rejects a body no signature covers, even when its Content-Digest matches", async () => {
      const hooks = receiver();
      const handler = vi.fn();
      hooks.onAny(handler);
      const res = await hooks.handle(await delivery(sovrinFixtures[0]!.body, { fields: ["@method", "@path"] }));
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body).error).toMatchObject({ code: "INVALID_SIGNATURE", message: expect.stringMatching(/not covered/) });
      expect(handler).not.toHaveBeenCalled();
    });

    it("rejects a body that does not match the covered Content-Digest", async () => {
      const hooks = receiver();
      const signed = await delivery(sovrinFixtures[0]!.body);
      const res = await hooks.handle({ ...signed, body: Buffer.from(JSON.stringify({ ...sovrinFixtures[0]!.body, webhookId: "evil" })) });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body).error.message).toMatch(/does not match its Content-Digest/);
    });

    it("accepts a digest of the canonical JSON only with acceptCanonicalJsonDigest", async () => {
      const body = sovrinFixtures[1]!.body;
      // The body as sent (pretty-printed) differs from what the digest was computed over (JCS).
      const sent = JSON.stringify(body, null, 2);
      const { canonicalJson, createContentDigest } = await import("./content-digest.js");
      const headers = await signWithHms({ key, url: PUBLIC_URL, body: sent, noDigest: true, headers: { "content-digest": createContentDigest(Buffer.from(canonicalJson(body))) } });
      const request: WebhookRequest = { method: "POST", path: "/", originalUrl: "/events/acme/sovrin", headers: { host: "hooks.example.com", ...headers }, params: { tenantId: "acme" }, body: Buffer.from(sent) };
      expect((await receiver().handle(request)).status).toBe(401);
      expect((await receiver({ acceptCanonicalJsonDigest: true }).handle(request)).status).toBe(200);
    });
  });

  describe("request target", () => {
    it("requires a signature over the request target by default", async () => {
      const signed = await delivery(sovrinFixtures[0]!.body, { fields: ["@method", "content-digest"] });
      const res = await receiver().handle(signed);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body).error.message).toMatch(/request target/);
      expect((await receiver({ requireTargetCoverage: false }).handle(signed)).status).toBe(200);
    });

    it("accepts @request-target (what Sovrin's library covers) and @target-uri instead of @path", async () => {
      for (const target of ["@request-target", "@target-uri"]) {
        const signed = await delivery(sovrinFixtures[0]!.body, { fields: ["@method", target, "host", "content-type", "content-digest"] });
        expect((await receiver().handle(signed)).status, target).toBe(200);
      }
    });

    it("uses publicOrigin for scheme, authority and host behind a proxy that rewrites them", async () => {
      const signed = await delivery(sovrinFixtures[0]!.body, { fields: ["@method", "@target-uri", "host", "content-digest"], url: "https://hooks.example.com/api/events/acme/sovrin", host: "10.0.0.7:8080" });
      const behindProxy = { ...signed, originalUrl: "/events/acme/sovrin" };
      expect((await receiver().handle(behindProxy)).status).toBe(401);
      expect((await receiver({ publicOrigin: "https://hooks.example.com/api" }).handle(behindProxy)).status).toBe(200);
    });

    it("refuses a publicOrigin that is not an origin", () => {
      expect(() => sovrin({ jwks: jwksOf(key), publicOrigin: "hooks.example.com" })).toThrow(/absolute URL/);
      expect(() => sovrin({ jwks: jwksOf(key), publicOrigin: "https://hooks.example.com/?a=1" })).toThrow(/origin/);
    });
  });

  describe("webhookId", () => {
    it("accepts the configured webhook id and rejects another (401)", async () => {
      const body = sovrinFixtures[0]!.body;
      expect((await receiver({ webhookId: SOVRIN_FIXTURE_WEBHOOK_ID }).handle(await delivery(body))).status).toBe(200);
      expect((await receiver({ webhookId: ["old", SOVRIN_FIXTURE_WEBHOOK_ID] }).handle(await delivery(body))).status).toBe(200);
      const wrong = await receiver({ webhookId: "another-webhook" }).handle(await delivery(body));
      expect(wrong.status).toBe(401);
      expect(JSON.parse(wrong.body).error.code).toBe("INVALID_CREDENTIALS");
      const perTenant = await receiver({ webhookId: (tenantId) => (tenantId === "acme" ? SOVRIN_FIXTURE_WEBHOOK_ID : undefined) }).handle(await delivery(body));
      expect(perTenant.status).toBe(200);
    });

    it("rejects an x-mattr-webhook-id header that differs from the body", async () => {
      const body = sovrinFixtures[0]!.body;
      const signed = await delivery(body);
      const res = await receiver({ webhookId: SOVRIN_FIXTURE_WEBHOOK_ID }).handle({ ...signed, headers: { ...signed.headers, "x-mattr-webhook-id": "other" } });
      expect(res.status).toBe(401);
      const same = await receiver({ webhookId: SOVRIN_FIXTURE_WEBHOOK_ID }).handle({ ...signed, headers: { ...signed.headers, "x-mattr-webhook-id": SOVRIN_FIXTURE_WEBHOOK_ID } });
      expect(same.status).toBe(200);
    });
  });

  describe("response deadline", () => {
    it("defaults below the 3 s Sovrin waits", () => {
      expect(SOVRIN_RESPONSE_DEADLINE_MS).toBeLessThan(3_000);
      expect(sovrin({ jwks: jwksOf(key) }).responseDeadlineMs).toBe(SOVRIN_RESPONSE_DEADLINE_MS);
      expect(sovrin({ jwks: jwksOf(key), responseDeadlineMs: 1_000 }).responseDeadlineMs).toBe(1_000);
    });

    it("answers 202 at the default deadline and keeps a handler that fails later in the failure sink", async () => {
      // One attempt: the late failure goes straight to the failure sink (the inbox retries are tested in create-webhooks).
      const hooks = createWebhooks({ provider: sovrin({ jwks: jwksOf(key) }), recovery: { maxAttempts: 1 } });
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      hooks.on("OpenIdCredentialIssued", async () => {
        await new Promise((resolve) => setTimeout(resolve, SOVRIN_RESPONSE_DEADLINE_MS + 300));
        finish();
        throw new Error("the slow handler failed");
      });
      const started = Date.now();
      const res = await hooks.handle(await delivery(sovrinFixtures[0]!.body));
      const took = Date.now() - started;
      expect(res.status).toBe(202);
      expect(took).toBeGreaterThanOrEqual(SOVRIN_RESPONSE_DEADLINE_MS - 20);
      expect(took).toBeLessThan(3_000);
      await done;
      await vi.waitFor(async () => expect(await hooks.failures.list()).toHaveLength(1));
      const [failed] = await hooks.failures.list();
      expect(failed).toMatchObject({ provider: "sovrin", tenantId: "acme", name: "OpenIdCredentialIssued", dedupeId: sovrinFixtures[0]!.body.event.id, reason: "failed-after-response" });
      expect(failed!.error).toContain("the slow handler failed");
    }, 10_000);
  });

  describe("signSovrinDelivery (development signer)", () => {
    it("signs with the examples' development key so that their default JWKS accepts it", async () => {
      const { DEV_CREDENTIALS, DEV_SOVRIN_SIGNING_JWK } = await import("../../../../../examples/shared/dev-credentials.js");
      const { body, headers } = signSovrinDelivery({ privateKey: DEV_SOVRIN_SIGNING_JWK, url: "http://localhost:3000/events/acme/sovrin", body: sovrinFixtures[0]!.body });
      const hooks = createWebhooks({ provider: sovrin({ jwks: DEV_CREDENTIALS.SOVRIN_JWKS }) });
      const res = await hooks.handle({ method: "POST", path: "/", originalUrl: "/events/acme/sovrin", headers: { ...headers, host: "localhost:3000" }, params: { tenantId: "acme" }, body });
      expect(res.status).toBe(200);
    });

    it("produces deliveries the provider accepts", async () => {
      const dev = testKey("dev");
      const privateJwk = { ...dev.privateKey.export({ format: "jwk" }), kid: "dev" };
      const { body, headers } = signSovrinDelivery({ privateKey: privateJwk, url: "http://localhost:3000/events/acme/sovrin", body: sovrinFixtures[2]!.body });
      const hooks = createWebhooks({ provider: sovrin({ jwks: jwksOf(dev) }) });
      const res = await hooks.handle({ method: "POST", path: "/", originalUrl: "/events/acme/sovrin", headers: { ...headers, host: "localhost:3000" }, params: { tenantId: "acme" }, body });
      expect(res.status).toBe(200);
    });

    it("is checked by an independent verifier (http-message-signatures)", async () => {
      const { httpbis, createVerifier } = await import("http-message-signatures");
      const { createPublicKey } = await import("node:crypto");
      const dev = testKey("dev");
      const { headers } = signSovrinDelivery({ privateKey: dev.privateKey, keyid: "dev", url: "https://hooks.example.com/events/acme/sovrin?x=1", body: "{}", components: ["@method", "@target-uri", '"@query-param";name="x"', "content-digest"] });
      const ok = await httpbis.verifyMessage(
        { keyLookup: async () => ({ id: "dev", algs: ["ed25519"], verify: createVerifier(createPublicKey(dev.privateKey), "ed25519") }) },
        { method: "POST", url: "https://hooks.example.com/events/acme/sovrin?x=1", headers },
      );
      expect(ok).toBe(true);
    });
  });
});
