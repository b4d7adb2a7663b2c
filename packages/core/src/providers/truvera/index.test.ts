import { describe, expect, it } from "vitest";
import { createWebhooks } from "../../create-webhooks.js";
import type { Logger } from "../../logger.js";
import type { WebhookRequest } from "../../types.js";
import { redactTruveraToken, truvera, truveraDedupeId, truveraEvents, type TruveraOptions } from "./index.js";

const TOKEN = "4A_Z0fYD19q1qKZ03qAfB0zTu8XYuLPpGk0oHfP8OrvGGDi5Jz8C86F6EVz8Wd2c";
const NEXT_TOKEN = "rotated-truvera-token-7d1f0c";

const proof = { id: "7fbbe582-66d6-4fbc-92f3-c13d9cf7975a", verified: true };

function request(body: unknown, tenantId = "acme"): WebhookRequest {
  return {
    method: "POST",
    path: "/",
    originalUrl: `/events/${tenantId}/truvera`,
    headers: { "content-type": "application/json" },
    params: { tenantId },
    body: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
  };
}

const receiver = (options: Partial<TruveraOptions> = {}) => createWebhooks({ provider: truvera({ token: TOKEN, ...options }) });
const codeOf = (body: string): string => (JSON.parse(body) as { error: { code: string } }).error.code;

describe("truvera provider", () => {
  it("delivers proof_submitted typed, with the token removed from payload and raw", async () => {
    const hooks = receiver();
    const events: unknown[] = [];
    hooks.on("proof_submitted", (event) => {
      events.push(event);
      expect(event.payload.verified).toBe(true);
    });
    const res = await hooks.handle(request({ token: TOKEN, event: "proof_submitted", data: proof }));
    expect(res.status).toBe(200);
    expect(events).toEqual([
      expect.objectContaining({ provider: "truvera", tenantId: "acme", name: "proof_submitted", payload: proof, raw: { event: "proof_submitted", data: proof } }),
    ]);
    expect(JSON.stringify(events)).not.toContain(TOKEN);
  });

  describe("authentication comes before the event is looked at", () => {
    it.each([
      ["no token", { event: "proof_submitted", data: proof }],
      ["an empty token", { token: "", event: "proof_submitted", data: proof }],
      ["a numeric token", { token: 42, event: "proof_submitted", data: proof }],
      ["a token object", { token: { value: TOKEN }, event: "proof_submitted", data: proof }],
      ["an array body", [{ token: TOKEN }]],
      ["a string body", JSON.stringify(TOKEN)],
      ["a null body", "null"],
    ])("is 401 MISSING_CREDENTIALS with %s", async (_label, body) => {
      const hooks = receiver();
      let ran = false;
      hooks.onAny(() => void (ran = true));
      const res = await hooks.handle(request(body));
      expect(res.status).toBe(401);
      expect(codeOf(res.body)).toBe("MISSING_CREDENTIALS");
      expect(ran).toBe(false);
    });

    it("is 401 MISSING_CREDENTIALS for an empty body", async () => {
      const res = await receiver().handle({ ...request(""), body: Buffer.alloc(0) });
      expect(res.status).toBe(401);
      expect(codeOf(res.body)).toBe("MISSING_CREDENTIALS");
    });

    it("is 401 INVALID_CREDENTIALS with a wrong token, runs nothing and keeps nothing", async () => {
      const hooks = receiver();
      let ran = false;
      hooks.onAny(() => void (ran = true));
      hooks.onUnhandled(() => void (ran = true));
      const res = await hooks.handle(request({ token: "guess", event: "proof_submitted", data: proof }));
      expect(res.status).toBe(401);
      expect(codeOf(res.body)).toBe("INVALID_CREDENTIALS");
      expect(ran).toBe(false);
      expect(await hooks.failures.list()).toEqual([]);
    });

    it("answers a wrong token 401 even when the envelope is broken (no schema leak before auth)", async () => {
      const res = await receiver().handle(request({ token: "guess", event: 7 }));
      expect(res.status).toBe(401);
      expect(codeOf(res.body)).toBe("INVALID_CREDENTIALS");
    });

    it("never echoes the sent or the configured token", async () => {
      const sent = "a-token-someone-guessed-0123";
      const res = await receiver().handle(request({ token: sent, event: "proof_submitted", data: proof }));
      expect(res.body).not.toContain(sent);
      expect(res.body).not.toContain(TOKEN);
    });
  });

  it("accepts any token of a rotation list", async () => {
    const hooks = receiver({ token: [TOKEN, NEXT_TOKEN] });
    expect((await hooks.handle(request({ token: TOKEN, event: "did_create", data: { status: "finalized", encodedTx: "0x01" } }))).status).toBe(200);
    expect((await hooks.handle(request({ token: NEXT_TOKEN, event: "did_create", data: { status: "finalized", encodedTx: "0x02" } }))).status).toBe(200);
    expect((await hooks.handle(request({ token: "old", event: "did_create", data: { status: "finalized", encodedTx: "0x03" } }))).status).toBe(401);
  });

  it("checks the tenant's token from a resolver", async () => {
    const tokens: Record<string, string> = { a: TOKEN, b: NEXT_TOKEN };
    const hooks = receiver({ token: (tenantId) => (tenantId === undefined ? undefined : tokens[tenantId]) });
    expect((await hooks.handle(request({ token: TOKEN, event: "proof_submitted", data: proof }, "a"))).status).toBe(200);
    expect((await hooks.handle(request({ token: TOKEN, event: "proof_submitted", data: proof }, "b"))).status).toBe(401);
    expect((await hooks.handle(request({ token: NEXT_TOKEN, event: "proof_submitted", data: proof }, "b"))).status).toBe(200);
    const unknown = await hooks.handle(request({ token: TOKEN, event: "proof_submitted", data: proof }, "c"));
    expect([unknown.status, codeOf(unknown.body)]).toEqual([401, "INVALID_CREDENTIALS"]);
  });

  it("answers 503 when the token resolver fails", async () => {
    const hooks = receiver({
      token: async () => {
        throw new Error("db down");
      },
    });
    const res = await hooks.handle(request({ token: TOKEN, event: "proof_submitted", data: proof }));
    expect([res.status, codeOf(res.body)]).toEqual([503, "CREDENTIALS_UNAVAILABLE"]);
  });

  describe("dedupe", () => {
    it("runs the same event and data once, even when the redelivery carries a rotated token", async () => {
      const hooks = receiver({ token: [TOKEN, NEXT_TOKEN] });
      let runs = 0;
      hooks.on("proof_submitted", () => void runs++);
      const first = await hooks.handle(request({ token: TOKEN, event: "proof_submitted", data: proof }));
      const again = await hooks.handle(request({ token: NEXT_TOKEN, event: "proof_submitted", data: { verified: true, id: proof.id } }));
      expect([first.status, again.status]).toEqual([200, 200]);
      expect(JSON.parse(again.body)).toEqual({ received: true, duplicate: true });
      expect(runs).toBe(1);
    });

    it("tells different data or a different event apart", () => {
      const base = truveraDedupeId("proof_submitted", proof);
      expect(truveraDedupeId("proof_submitted", { ...proof, verified: false })).not.toBe(base);
      expect(truveraDedupeId("credential_issued", proof)).not.toBe(base);
      expect(truveraDedupeId("proof_submitted", { verified: true, id: proof.id })).toBe(base);
      expect(truveraDedupeId("did_create", { result: { b: 1, a: [2, { y: 1, x: 2 }] } })).toBe(truveraDedupeId("did_create", { result: { a: [2, { x: 2, y: 1 }], b: 1 } }));
      expect(truveraDedupeId("did_create", { a: [1, 2] })).not.toBe(truveraDedupeId("did_create", { a: [2, 1] }));
      expect(base.startsWith("proof_submitted:")).toBe(true);
    });
  });

  it("hands unknown events to onUnhandled with 200 and keeps them (Truvera is assumed not to redeliver)", async () => {
    const hooks = receiver();
    const names: string[] = [];
    hooks.onUnhandled((event) => void names.push(event.name));
    const res = await hooks.handle(request({ token: TOKEN, event: "ecosystem_create", data: { id: "eco-1" } }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ received: true, unhandled: true });
    expect(names).toEqual(["ecosystem_create"]);
    const kept = await hooks.failures.list();
    expect(kept.map((f) => [f.reason, f.name])).toEqual([["unhandled", "ecosystem_create"]]);
    expect(JSON.stringify(kept)).not.toContain(TOKEN);
  });

  it("types the legacy anchor_create", async () => {
    const hooks = receiver();
    const seen: string[] = [];
    hooks.on("anchor_create", (event) => void seen.push(event.payload.status ?? ""));
    expect((await hooks.handle(request({ token: TOKEN, event: "anchor_create", data: { status: "finalized" } }))).status).toBe(200);
    expect(seen).toEqual(["finalized"]);
  });

  it.each([
    ["no event", { token: TOKEN, data: {} }],
    ["a numeric event", { token: TOKEN, event: 1, data: {} }],
    ["no data", { token: TOKEN, event: "did_create" }],
    ["array data", { token: TOKEN, event: "did_create", data: [] }],
  ])("is 400 INVALID_PAYLOAD with %s, kept without the token", async (_label, body) => {
    const hooks = receiver();
    const res = await hooks.handle(request(body));
    expect([res.status, codeOf(res.body)]).toEqual([400, "INVALID_PAYLOAD"]);
    const kept = await hooks.failures.list();
    expect(kept).toHaveLength(1);
    expect(JSON.stringify(kept)).not.toContain(TOKEN);
  });

  it("is 400 INVALID_PAYLOAD when a documented required field is missing, kept without the token", async () => {
    const hooks = receiver();
    const res = await hooks.handle(request({ token: TOKEN, event: "proof_submitted", data: { verified: "yes" } }));
    expect([res.status, codeOf(res.body)]).toEqual([400, "INVALID_PAYLOAD"]);
    const kept = await hooks.failures.list();
    expect(kept.map((f) => f.reason)).toEqual(["invalid-payload"]);
    expect(JSON.stringify(kept)).not.toContain(TOKEN);
  });

  it("keeps a failed delivery without the token and never logs it", async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: (obj, msg) => void lines.push(JSON.stringify(obj) + msg),
      info: (obj, msg) => void lines.push(JSON.stringify(obj) + msg),
      warn: (obj, msg) => void lines.push(JSON.stringify(obj) + msg),
      error: (obj, msg) => void lines.push(JSON.stringify(obj) + msg),
    };
    const hooks = createWebhooks({ provider: truvera({ token: TOKEN }), logger, recovery: { maxAttempts: 1 } });
    hooks.on("credential_revoke", () => {
      throw new Error("ledger down");
    });
    const res = await hooks.handle(request({ token: TOKEN, event: "credential_revoke", data: { status: "finalized" } }));
    expect(res.status).toBe(500);
    const kept = await hooks.failures.list();
    expect(kept.map((f) => f.reason)).toEqual(["handler-failed"]);
    expect(kept[0]?.raw).toEqual({ event: "credential_revoke", data: { status: "finalized" } });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n") + JSON.stringify(kept)).not.toContain(TOKEN);
  });

  it("redactTruveraToken removes only the top-level token", () => {
    const body = { token: TOKEN, event: "did_create", data: { token: "not-ours" } };
    expect(redactTruveraToken(body)).toEqual({ event: "did_create", data: { token: "not-ours" } });
    expect(body.token).toBe(TOKEN);
    expect(redactTruveraToken([1])).toEqual([1]);
    expect(redactTruveraToken(undefined)).toBeUndefined();
    expect(redactTruveraToken({ event: "x" })).toEqual({ event: "x" });
  });

  it("declares what the sender does", () => {
    const p = truvera({ token: TOKEN });
    expect(p.id).toBe("truvera");
    expect(p.retries).toBe(false);
    expect(Object.keys(p.events)).toHaveLength(13);
    expect(Object.keys(truveraEvents)).toContain("did_update_controller");
  });
});
