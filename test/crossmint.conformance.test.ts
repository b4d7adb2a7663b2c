import { Webhook as StandardWebhook } from "standardwebhooks";
import request from "supertest";
import { describe, expect, expectTypeOf, it, vi } from "vitest";
import { crossmint, type CrossmintOptions, type CrossmintProvider } from "@credhooks/core/providers/crossmint";
import type { EventMapOf, WebhookEvent, Webhooks } from "@credhooks/core";
import { adapters } from "./support/adapters.js";
import { CROSSMINT_OLD_SECRET, CROSSMINT_SECRET, CROSSMINT_WRONG_SECRET, crossmintFixture, crossmintFixtures, svixHeaders } from "./fixtures/crossmint/index.js";

type CrossmintHooks = Webhooks<EventMapOf<CrossmintProvider>>;

const mountCrossmint = (adapter: (typeof adapters)[number], options: Partial<CrossmintOptions> = {}) => {
  const { app, hooks } = adapter.build([{ path: "/events/:tenantId/crossmint", options: { provider: crossmint({ secret: CROSSMINT_SECRET, ...options }) } }]);
  // The harness is provider-agnostic; the receiver it built is Crossmint's, typed as such.
  return { app, hooks: hooks[0] as unknown as CrossmintHooks };
};

const post = (app: Parameters<typeof request>[0], body: string, headers: Record<string, string>, url = "/events/acme/crossmint") =>
  request(app).post(url).set({ "content-type": "application/json", ...headers }).send(body);

const MINUTE = 60_000;
const succeeded = crossmintFixture("credential-creation-succeeded.json").body;
const succeededJson = JSON.stringify(succeeded);

describe.each(adapters)("Crossmint on $name", (adapter) => {
  it.each(crossmintFixtures)("delivers $file, signed by the svix package, to its typed handler as $canonical", async (fixture) => {
    const { app, hooks } = mountCrossmint(adapter);
    const seen: WebhookEvent[] = [];
    hooks.on(fixture.canonical, (event) => void seen.push(event));
    const body = JSON.stringify(fixture.body);
    const headers = svixHeaders({ body, id: "msg_fixture" });
    const res = await post(app, body, headers);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ provider: "crossmint", tenantId: "acme", name: fixture.canonical, id: "msg_fixture", payload: fixture.body.data, raw: fixture.body });
  });

  it("hands data.secret to the handler (it is the user's) and never answers it back", async () => {
    const { app, hooks } = mountCrossmint(adapter);
    const secrets: Array<string | null | undefined> = [];
    hooks.on("credential.creation.succeeded", (event) => void secrets.push(event.payload.secret));
    const res = await post(app, succeededJson, svixHeaders({ body: succeededJson }));
    expect(res.status).toBe(200);
    expect(secrets).toEqual([succeeded.data["secret"]]);
    expect(res.text).not.toContain(String(succeeded.data["secret"]));
  });

  it("verifies the bytes as received, not a re-serialisation", async () => {
    const { app, hooks } = mountCrossmint(adapter);
    const handler = vi.fn();
    hooks.on("credential.creation.failed", handler);
    // Spacing, key order and escapes a JSON round trip would change.
    const body = '{ "data" : {"error":"caf\\u00e9 \u2713 failed"},\n  "type":"credential.creation.failed" }';
    const res = await post(app, body, svixHeaders({ body }));
    expect(res.status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]![0].payload).toEqual({ error: "café ✓ failed" });
  });

  it("accepts the webhook-* header names, signed by the standardwebhooks package", async () => {
    const { app, hooks } = mountCrossmint(adapter);
    const handler = vi.fn();
    hooks.on("credential.creation.succeeded", handler);
    const at = new Date();
    const headers = {
      "webhook-id": "msg_standard",
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": new StandardWebhook(CROSSMINT_SECRET).sign("msg_standard", at, succeededJson),
    };
    const res = await post(app, succeededJson, headers);
    expect(res.status).toBe(200);
    expect(handler.mock.calls[0]![0].id).toBe("msg_standard");
  });

  describe("rotation", () => {
    it("accepts two signatures in one header (old and new secret)", async () => {
      const { app } = mountCrossmint(adapter);
      const byOld = svixHeaders({ body: succeededJson, secret: CROSSMINT_OLD_SECRET, id: "msg_rot" });
      const headers = svixHeaders({ body: succeededJson, id: "msg_rot", extraSignatures: [byOld["svix-signature"]!] });
      expect(headers["svix-signature"]!.split(" ")).toHaveLength(2);
      expect((await post(app, succeededJson, headers)).status).toBe(200);
    });

    it("accepts a signature by either of two configured secrets", async () => {
      const { app } = mountCrossmint(adapter, { secret: [CROSSMINT_SECRET, CROSSMINT_OLD_SECRET] });
      expect((await post(app, succeededJson, svixHeaders({ body: succeededJson, secret: CROSSMINT_OLD_SECRET }))).status).toBe(200);
      expect((await post(app, succeededJson, svixHeaders({ body: succeededJson, secret: CROSSMINT_SECRET }))).status).toBe(200);
      const wrong = await post(app, succeededJson, svixHeaders({ body: succeededJson, secret: CROSSMINT_WRONG_SECRET }));
      expect([wrong.status, wrong.body.error.code]).toEqual([401, "INVALID_SIGNATURE"]);
    });
  });

  describe("rejections (401, no handler runs)", () => {
    const rejected = async (body: string, headers: Record<string, string>) => {
      const { app, hooks } = mountCrossmint(adapter);
      const handler = vi.fn();
      hooks.onAny(handler);
      hooks.onUnhandled(handler);
      const res = await post(app, body, headers);
      expect(handler).not.toHaveBeenCalled();
      expect(await hooks.failures.list()).toEqual([]);
      return [res.status, res.body.error?.code];
    };

    it("one byte changed in the body", async () => {
      const headers = svixHeaders({ body: succeededJson });
      const tampered = succeededJson.replace("crossmint-recoverable", "crossmint-recoverablf");
      expect(tampered).not.toBe(succeededJson);
      expect(await rejected(tampered, headers)).toEqual([401, "INVALID_SIGNATURE"]);
    });

    it("a wrong secret", async () => {
      expect(await rejected(succeededJson, svixHeaders({ body: succeededJson, secret: CROSSMINT_WRONG_SECRET }))).toEqual([401, "INVALID_SIGNATURE"]);
    });

    it("a timestamp 6 minutes old", async () => {
      expect(await rejected(succeededJson, svixHeaders({ body: succeededJson, at: new Date(Date.now() - 6 * MINUTE) }))).toEqual([401, "TIMESTAMP_TOO_OLD"]);
    });

    it("a timestamp 6 minutes ahead", async () => {
      expect(await rejected(succeededJson, svixHeaders({ body: succeededJson, at: new Date(Date.now() + 6 * MINUTE) }))).toEqual([401, "TIMESTAMP_IN_FUTURE"]);
    });

    it.each(["svix-id", "svix-timestamp", "svix-signature"])("no %s header", async (name) => {
      const headers = svixHeaders({ body: succeededJson });
      delete headers[name];
      expect(await rejected(succeededJson, headers)).toEqual([401, "MISSING_CREDENTIALS"]);
    });
  });

  it("accepts timestamps 4 minutes old and 4 minutes ahead", async () => {
    const { app } = mountCrossmint(adapter);
    expect((await post(app, succeededJson, svixHeaders({ body: succeededJson, at: new Date(Date.now() - 4 * MINUTE) }))).status).toBe(200);
    expect((await post(app, succeededJson, svixHeaders({ body: succeededJson, at: new Date(Date.now() + 4 * MINUTE) }))).status).toBe(200);
  });

  it("runs a Svix retry (same svix-id, new timestamp and signature) once and answers it 2xx", async () => {
    const { app, hooks } = mountCrossmint(adapter);
    const handler = vi.fn();
    hooks.on("credential.creation.succeeded", handler);
    const first = await post(app, succeededJson, svixHeaders({ body: succeededJson, id: "msg_retry", at: new Date(Date.now() - 2 * MINUTE) }));
    const retry = await post(app, succeededJson, svixHeaders({ body: succeededJson, id: "msg_retry" }));
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(retry.body).toEqual({ received: true, duplicate: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("answers 500 when a handler fails, so Svix redelivers, and runs it again on the retry", async () => {
    const { app, hooks } = mountCrossmint(adapter);
    let failures = 1;
    const handler = vi.fn(() => {
      if (failures-- > 0) throw new Error("vault unavailable");
    });
    hooks.on("credential.creation.succeeded", handler);
    const first = await post(app, succeededJson, svixHeaders({ body: succeededJson, id: "msg_flaky" }));
    expect([first.status, first.body.error.code]).toEqual([500, "HANDLER_FAILED"]);
    // Crossmint retries, so nothing is kept in the failure sink.
    expect(await hooks.failures.list()).toEqual([]);
    const retry = await post(app, succeededJson, svixHeaders({ body: succeededJson, id: "msg_flaky" }));
    expect(retry.status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it("answers an unknown event type 2xx and reports it to onUnhandled", async () => {
    const { app, hooks } = mountCrossmint(adapter);
    const unhandled = vi.fn();
    hooks.onUnhandled(unhandled);
    const body = JSON.stringify({ type: "credential.revocation.succeeded", data: { credentialId: "urn:uuid:1" } });
    const res = await post(app, body, svixHeaders({ body }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, unhandled: true });
    expect(unhandled).toHaveBeenCalledTimes(1);
  });
});

describe("Crossmint handler types", () => {
  it("are derived from the schemas", () => {
    const { hooks } = mountCrossmint(adapters[0]!);
    hooks.on("credential.creation.succeeded", (event) => {
      expectTypeOf(event.name).toEqualTypeOf<"credential.creation.succeeded">();
      expectTypeOf(event.payload.secret).toEqualTypeOf<string | null | undefined>();
      expectTypeOf(event.payload.credential.credentialId).toEqualTypeOf<string | undefined>();
      expectTypeOf(event.id).toEqualTypeOf<string>();
      // @ts-expect-error: a misspelled payload field is a compile error
      void event.payload.credentail;
    });
    hooks.on("credential.creation.failed", (event) => {
      expectTypeOf(event.payload.error).toEqualTypeOf<string | { [k: string]: unknown; message?: string | undefined; code?: string | number | undefined }>();
    });
    // and at run time, registering it throws with the valid names
    // @ts-expect-error: the older colon spelling is accepted on the wire, but handlers use the canonical name
    expect(() => hooks.on("credential:creation.succeeded", () => {})).toThrow(/crossmint events: credential\.creation\.succeeded/);
    expect(hooks.provider.id).toBe("crossmint");
  });
});
