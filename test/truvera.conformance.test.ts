import request from "supertest";
import { describe, expect, expectTypeOf, it, vi } from "vitest";
import { truvera, type TruveraProvider } from "@credhooks/core/providers/truvera";
import type { EventMapOf, WebhookEvent, Webhooks } from "@credhooks/core";
import { adapters } from "./support/adapters.js";
import { truveraBodyWithToken, truveraFixture, truveraFixtures, type TruveraBody } from "./fixtures/truvera/index.js";

const TOKEN = "truvera-test-token-1f0c7d";
const NEXT_TOKEN = "truvera-rotated-token-88ab2e";

type TruveraHooks = Webhooks<EventMapOf<TruveraProvider>>;

const mountTruvera = (adapter: (typeof adapters)[number], token: Parameters<typeof truvera>[0]["token"] = TOKEN, maxAttempts?: number) => {
  const recovery = maxAttempts === undefined ? {} : { recovery: { maxAttempts, automatic: false } };
  const { app, hooks } = adapter.build([{ path: "/events/:tenantId/truvera", options: { provider: truvera({ token }), ...recovery } }]);
  // The harness is provider-agnostic; the receiver it built is Truvera's, typed as such.
  return { app, hooks: hooks[0] as unknown as TruveraHooks };
};

const post = (app: Parameters<typeof request>[0], body: string, url = "/events/acme/truvera") =>
  request(app).post(url).set({ "content-type": "application/json" }).send(body);

const seedFixtures = truveraFixtures.filter((f) => f.inSeed);

describe.each(adapters)("Truvera on $name", (adapter) => {
  it("has a fixture for each of the twelve events of the seed", () => {
    expect(seedFixtures.map((f) => f.event)).toHaveLength(12);
  });

  it.each(truveraFixtures)("delivers $event to its typed handler without the token", async (fixture) => {
    const { app, hooks } = mountTruvera(adapter);
    const seen: WebhookEvent[] = [];
    hooks.on(fixture.event, (event) => void seen.push(event));
    const res = await post(app, truveraBodyWithToken(fixture.body, TOKEN));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true });
    expect(seen).toHaveLength(1);
    const event = seen[0]!;
    expect(event).toMatchObject({ provider: "truvera", tenantId: "acme", name: fixture.event });
    expect(event.payload).toEqual(fixture.body.data);
    expect(event.raw).toEqual({ event: fixture.event, data: fixture.body.data });
    expect(event.id.startsWith(`${fixture.event}:`)).toBe(true);
    expect(JSON.stringify(event)).not.toContain(TOKEN);
  });

  it("rejects a wrong token with 401 before anything else, and runs no handler", async () => {
    const { app, hooks } = mountTruvera(adapter);
    const handler = vi.fn();
    hooks.onAny(handler);
    hooks.onUnhandled(handler);
    hooks.on("proof_submitted", handler);
    const body = truveraFixture("proof_submitted").body;
    const wrong = await post(app, truveraBodyWithToken(body, "not-the-token"));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("INVALID_CREDENTIALS");
    expect(wrong.text).not.toContain(TOKEN);
    expect(wrong.text).not.toContain("not-the-token");
    const missing = await post(app, JSON.stringify({ event: body.event, data: body.data }));
    expect([missing.status, missing.body.error.code]).toEqual([401, "MISSING_CREDENTIALS"]);
    const numeric = await post(app, truveraBodyWithToken(body, 12345));
    expect([numeric.status, numeric.body.error.code]).toEqual([401, "MISSING_CREDENTIALS"]);
    // A broken envelope with a wrong token is still 401: nothing is validated before authentication.
    const broken = await post(app, JSON.stringify({ token: "nope", event: 1 }));
    expect(broken.status).toBe(401);
    expect(handler).not.toHaveBeenCalled();
    expect(await hooks.failures.list()).toEqual([]);
  });

  it("runs a duplicate once and answers it 2xx, even when it carries a rotated token", async () => {
    const { app, hooks } = mountTruvera(adapter, [TOKEN, NEXT_TOKEN]);
    const handler = vi.fn();
    hooks.on("credential_revoke", handler);
    const body = truveraFixture("credential_revoke").body;
    expect((await post(app, truveraBodyWithToken(body, TOKEN))).status).toBe(200);
    const again = await post(app, truveraBodyWithToken(body, NEXT_TOKEN));
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
    expect(handler).toHaveBeenCalledTimes(1);
    // Other data is another event.
    const other: TruveraBody = { ...body, data: { ...body.data, encodedTx: "0x02" } };
    expect((await post(app, truveraBodyWithToken(other, TOKEN))).body).toEqual({ received: true });
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it("checks each tenant's token from a resolver", async () => {
    const tokens: Record<string, string> = { acme: TOKEN, globex: NEXT_TOKEN };
    const { app } = mountTruvera(adapter, (tenantId) => (tenantId === undefined ? undefined : tokens[tenantId]));
    const body = truveraFixture("did_create").body;
    expect((await post(app, truveraBodyWithToken(body, TOKEN))).status).toBe(200);
    expect((await post(app, truveraBodyWithToken(body, NEXT_TOKEN), "/events/globex/truvera")).status).toBe(200);
    expect((await post(app, truveraBodyWithToken(body, TOKEN), "/events/globex/truvera")).status).toBe(401);
    expect((await post(app, truveraBodyWithToken(body, TOKEN), "/events/initech/truvera")).status).toBe(401);
  });

  it("answers an unknown event 2xx, reports it to onUnhandled and keeps it without the token", async () => {
    const { app, hooks } = mountTruvera(adapter);
    const unhandled = vi.fn();
    hooks.onUnhandled(unhandled);
    const res = await post(app, JSON.stringify({ token: TOKEN, event: "ecosystem_create", data: { id: "eco-1" } }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, unhandled: true });
    expect(unhandled).toHaveBeenCalledTimes(1);
    expect(unhandled.mock.calls[0]![0]).toMatchObject({ name: "ecosystem_create", raw: { event: "ecosystem_create", data: { id: "eco-1" } } });
    const kept = await hooks.failures.list();
    expect(kept.map((f) => f.reason)).toEqual(["unhandled"]);
    expect(JSON.stringify(kept)).not.toContain(TOKEN);
  });

  it("keeps a delivery whose handler failed (Truvera documents no retries) and runs only the failed handler on replay", async () => {
    const { app, hooks } = mountTruvera(adapter, TOKEN, 1); // one attempt: straight to the failure sink
    const steady = vi.fn();
    let failures = 1;
    const flaky = vi.fn(() => {
      if (failures-- > 0) throw new Error("ledger unavailable");
    });
    hooks.on("credential_issued", steady).on("credential_issued", flaky);
    const res = await post(app, truveraBodyWithToken(truveraFixture("credential_issued").body, TOKEN));
    expect([res.status, res.body.error.code]).toEqual([500, "HANDLER_FAILED"]);
    const kept = await hooks.failures.list();
    expect(kept.map((f) => [f.reason, f.name])).toEqual([["handler-failed", "credential_issued"]]);
    expect(JSON.stringify(kept)).not.toContain(TOKEN);
    expect(await hooks.replayAll()).toEqual([{ key: kept[0]!.key, status: "handled" }]);
    expect(steady).toHaveBeenCalledTimes(1);
    expect(flaky).toHaveBeenCalledTimes(2);
    expect(await hooks.failures.list()).toEqual([]);
  });

  it("rejects an authentic delivery without Truvera's envelope or with a bad payload as 400, kept without the token", async () => {
    const { app, hooks } = mountTruvera(adapter);
    const envelope = await post(app, JSON.stringify({ token: TOKEN, event: "did_create", data: "finalized" }));
    expect([envelope.status, envelope.body.error.code]).toEqual([400, "INVALID_PAYLOAD"]);
    const schema = await post(app, JSON.stringify({ token: TOKEN, event: "proof_submitted", data: { verified: true } }));
    expect([schema.status, schema.body.error.code]).toEqual([400, "INVALID_PAYLOAD"]);
    expect(schema.body.error.message).toContain("id");
    const kept = await hooks.failures.list();
    expect(kept.map((f) => f.reason)).toEqual(["invalid-payload", "invalid-payload"]);
    expect(JSON.stringify(kept)).not.toContain(TOKEN);
  });
});

describe("Truvera handler types", () => {
  it("are derived from the schemas", () => {
    const { hooks } = mountTruvera(adapters[0]!);
    hooks.on("proof_submitted", (event) => {
      expectTypeOf(event.name).toEqualTypeOf<"proof_submitted">();
      expectTypeOf(event.payload.id).toEqualTypeOf<string>();
      expectTypeOf(event.payload.verified).toEqualTypeOf<boolean | undefined>();
      expectTypeOf(event.raw).toBeUnknown();
      // @ts-expect-error: a misspelled payload field is a compile error
      void event.payload.verifed;
    });
    hooks.on("credential_issued", (event) => {
      expectTypeOf(event.payload.id).toEqualTypeOf<string>();
      expectTypeOf(event.payload.byteSize).toEqualTypeOf<number | undefined>();
      expectTypeOf(event.payload.credential?.issuanceDate).toEqualTypeOf<string | undefined>();
      // @ts-expect-error: the token never reaches handlers
      void event.payload.token;
    });
    hooks.on(["credential_revoke", "did_update_controller"], (event) => {
      expectTypeOf(event.name).toEqualTypeOf<"credential_revoke" | "did_update_controller">();
      expectTypeOf(event.payload.result).toEqualTypeOf<{ [k: string]: unknown; InBlock?: string | undefined } | undefined>();
    });
    // @ts-expect-error: only known event names can be registered with on() (at run time it throws)
    expect(() => hooks.on("proof_submited", () => {})).toThrow(/"proof_submited" is not an event truvera sends/);
    expect(hooks.provider.id).toBe("truvera");
  });
});
