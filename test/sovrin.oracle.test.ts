import { createHash } from "node:crypto";
import request from "supertest";
import { describe, expect, it, vi } from "vitest";
import { sovrin, type SovrinOptions } from "@credhooks/core/providers/sovrin";
import type { WebhookEvent } from "@credhooks/core";
import { adapters } from "./support/adapters.js";
import { MATTR_ORACLE_CREATED_MS, MATTR_ORACLE_JWKS, mattrOracleFixture, mattrOracleFixtures, type MattrOracleFixture } from "./fixtures/sovrin/oracle/index.js";

// Test oracle: deliveries whose signatures MATTR's own http-signatures library made (the
// library Sovrin / MATTR VII signs with), replayed byte for byte through every adapter.
const delivered = mattrOracleFixtures.filter((f) => f.expect.outcome === "delivered");
const WEBHOOK_ID = "5be4f663-af93-41d8-8542-f5c9a2a2d588";

const mount = (adapter: (typeof adapters)[number], options: Partial<SovrinOptions> = {}) =>
  adapter.build([{ path: "/events/:tenantId/sovrin", options: { provider: sovrin({ jwks: MATTR_ORACLE_JWKS, webhookId: WEBHOOK_ID, now: () => MATTR_ORACLE_CREATED_MS + 2_000, ...options }) } }]);

// The request as the sender's HTTP client sends it: Host, the signed headers, the exact bytes.
const replay = (app: Parameters<typeof request>[0], fixture: MattrOracleFixture, headers: Record<string, string> = {}) =>
  request(app).post(fixture.request.path).set({ ...fixture.request.headers, ...headers }).send(fixture.request.body);

const envelopeOf = (fixture: MattrOracleFixture) => JSON.parse(fixture.request.body) as { event: { id: string; type: string; payload: unknown } };

describe("the MATTR oracle fixtures", () => {
  it("are byte-exact and were produced by MATTR's library", () => {
    expect(mattrOracleFixtures.length).toBeGreaterThanOrEqual(9);
    for (const fixture of mattrOracleFixtures) {
      expect(createHash("sha256").update(fixture.request.body).digest("hex"), fixture.name).toBe(fixture.request.bodySha256);
      expect(fixture.producedBy).toMatchObject({ repository: "mattrglobal/http-signatures", commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
    }
  });
});

describe.each(adapters)("MATTR-signed deliveries on $name", (adapter) => {
  it.each(delivered)("$name reaches its typed handler exactly once", async (fixture) => {
    const { app, hooks } = mount(adapter);
    const seen: WebhookEvent[] = [];
    const unhandled = vi.fn();
    hooks[0]!.on(fixture.expect.event!, (event) => void seen.push(event)).onUnhandled(unhandled);
    const res = await replay(app, fixture);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ received: true });
    const again = await replay(app, fixture);
    expect(again.body).toEqual({ received: true, duplicate: true });
    expect(unhandled).not.toHaveBeenCalled();
    expect(seen).toHaveLength(1);
    const envelope = envelopeOf(fixture);
    expect(seen[0]).toMatchObject({ provider: "sovrin", tenantId: "acme", name: fixture.expect.event, id: envelope.event.id, payload: envelope.event.payload });
  });

  it("hands an event type it does not know to onUnhandled, once", async () => {
    const fixture = mattrOracleFixture("default-unknown-event");
    const { app, hooks } = mount(adapter);
    const unhandled = vi.fn();
    hooks[0]!.onUnhandled(unhandled);
    const res = await replay(app, fixture);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, unhandled: true });
    expect(unhandled).toHaveBeenCalledTimes(1);
  });

  it("refuses a re-formatted body by default, and accepts it with acceptReserializedJsonDigest (MATTR hashes JSON.stringify of the body object)", async () => {
    const fixture = mattrOracleFixture("reformatted-body");
    const strict = mount(adapter);
    const refused = await replay(strict.app, fixture);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("INVALID_SIGNATURE");
    expect(refused.body.error.message).toMatch(/Content-Digest/);

    const lenient = mount(adapter, { acceptReserializedJsonDigest: true });
    const seen: WebhookEvent[] = [];
    lenient.hooks[0]!.on("OpenIdCredentialIssued", (event) => void seen.push(event));
    const res = await replay(lenient.app, fixture);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(seen).toHaveLength(1);
    // The deprecated option accepts it too (it now includes the JSON.stringify form).
    const legacy = mount(adapter, { acceptCanonicalJsonDigest: true });
    expect((await replay(legacy.app, fixture)).status).toBe(200);
  });

  it("still refuses what protects users: an uncovered body, a stale signature, a changed body", async () => {
    const { app, hooks } = mount(adapter);
    const handler = vi.fn();
    hooks[0]!.onAny(handler);
    const uncovered = await replay(app, mattrOracleFixture("body-not-covered"));
    expect([uncovered.status, uncovered.body.error?.code]).toEqual([401, "INVALID_SIGNATURE"]);
    expect(uncovered.body.error.message).toMatch(/not covered/);

    const stale = mount(adapter, { now: () => MATTR_ORACLE_CREATED_MS + 10 * 60_000 });
    const old = await replay(stale.app, mattrOracleFixture("default-open-id-credential-issued"));
    expect([old.status, old.body.error?.code]).toEqual([401, "TIMESTAMP_TOO_OLD"]);

    const fixture = mattrOracleFixture("default-open-id-credential-issued");
    const changed = await request(app).post(fixture.request.path).set(fixture.request.headers).send(fixture.request.body.replace("Ada", "Eve"));
    expect([changed.status, changed.body.error?.code]).toEqual([401, "INVALID_SIGNATURE"]);

    // The draft-13 spellings bind the same request: another host is still refused.
    const moved = await replay(app, mattrOracleFixture("explicit-default-port"), { host: "evil.example.com" });
    expect([moved.status, moved.body.error?.code]).toEqual([401, "INVALID_SIGNATURE"]);
    expect(handler).not.toHaveBeenCalled();
  });

  it("verifies behind a proxy that rewrites Host and strips a path prefix, with publicOrigin", async () => {
    const fixture = mattrOracleFixture("scheme-and-authority");
    const { app, hooks } = adapter.build([
      { path: "/:tenantId/sovrin", options: { provider: sovrin({ jwks: MATTR_ORACLE_JWKS, now: () => MATTR_ORACLE_CREATED_MS, publicOrigin: "https://hooks.example.com/events" }) } },
    ]);
    const seen = vi.fn();
    hooks[0]!.on("OpenIdCredentialIssued", seen);
    // The proxy forwards https://hooks.example.com/events/acme/sovrin to http://internal:8080/acme/sovrin.
    const res = await request(app).post("/acme/sovrin").set({ ...fixture.request.headers, host: "internal:8080" }).send(fixture.request.body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(seen).toHaveBeenCalledTimes(1);
  });
});
