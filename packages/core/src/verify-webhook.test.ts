import { describe, expect, it } from "vitest";
import { verifyWebhook } from "./verify-webhook.js";
import { proven } from "./providers/proven/index.js";
import { lissi } from "./providers/lissi/index.js";

const body = JSON.stringify({ event: "credentials:done", webhook: { cred_ex_id: "c1", state: "done" } });

describe("verifyWebhook (standalone, no middleware)", () => {
  it("returns the typed event for an authentic delivery", async () => {
    const result = await verifyWebhook(proven({ apiKey: (t) => (t === "acme" ? "k" : undefined) }), {
      headers: { "Content-Type": "application/json", "X-API-Key": "k" },
      body,
      tenantId: "acme",
    });
    expect(result.ok && result.known && result.event.name).toBe("credentials:done");
    if (result.ok && result.known && result.event.name === "credentials:done") {
      expect(result.event.payload.cred_ex_id).toBe("c1");
      expect(result.event.tenantId).toBe("acme");
    }
  });

  it("returns a coded error, never throws, for a wrong key, bad JSON or a bad payload", async () => {
    const provider = proven({ apiKey: "k" });
    const wrong = await verifyWebhook(provider, { headers: { "content-type": "application/json", "x-api-key": "no" }, body });
    expect(wrong.ok ? undefined : [wrong.error.code, wrong.error.status]).toEqual(["INVALID_CREDENTIALS", 401]);
    const broken = await verifyWebhook(provider, { headers: { "content-type": "application/json", "x-api-key": "k" }, body: "{" });
    expect(broken.ok ? undefined : broken.error.code).toBe("INVALID_JSON");
    const invalid = await verifyWebhook(provider, { headers: { "content-type": "application/json", "x-api-key": "k" }, body: '{"event":"credentials:done","webhook":{"cred_ex_id":1}}' });
    expect(invalid.ok ? undefined : invalid.error.code).toBe("INVALID_PAYLOAD");
  });

  it("accepts a fetch Request, with the path for providers that route by path", async () => {
    const request = new Request("https://app.example/connections/c-9/delete", { method: "DELETE", headers: { "x-api-key": "k" } });
    const result = await verifyWebhook(lissi({ apiKey: "k" }), request);
    expect(result.ok && result.event.name).toBe("connection:delete");
    expect(result.ok && result.event.payload).toEqual({ id: "c-9" });
  });
});

describe("verifyWebhook with a mount path", () => {
  it("takes the tenant and the path below the mount from the full URL", async () => {
    const request = new Request("https://app.example/events/acme/lissi/connections/c-7/delete", { method: "POST", headers: { "x-api-key": "acme-key" } });
    const result = await verifyWebhook(lissi({ apiKey: (t) => (t === "acme" ? "acme-key" : undefined) }), request, { mountPath: "/events/:tenantId/lissi" });
    expect(result.ok && [result.event.name, result.event.tenantId, result.event.payload]).toEqual(["connection:delete", "acme", { id: "c-7" }]);
    const elsewhere = await verifyWebhook(lissi({ apiKey: "k" }), new Request("https://app.example/other", { method: "POST" }), { mountPath: "/events/:tenantId/lissi" });
    expect(elsewhere.ok ? undefined : elsewhere.error.code).toBe("UNKNOWN_ROUTE");
  });
});

describe("per-provider verify()", () => {
  it("takes the provider's options or a built provider", async () => {
    const { verify } = await import("./providers/proven/index.js");
    const request = { headers: { "content-type": "application/json", "x-api-key": "k" }, body };
    expect((await verify(request, { apiKey: "k" })).ok).toBe(true);
    expect((await verify(request, proven({ apiKey: "other" }))).ok).toBe(false);
  });
});
