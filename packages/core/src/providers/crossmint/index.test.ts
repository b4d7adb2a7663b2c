import { Webhook } from "svix";
import { describe, expect, it } from "vitest";
import { createWebhooks } from "../../create-webhooks.js";
import type { Logger } from "../../logger.js";
import type { WebhookRequest } from "../../types.js";
import { canonicalCrossmintEvent, crossmint, crossmintEvents, type CrossmintOptions } from "./index.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET = "whsec_" + Buffer.from("tenant b's crossmint signing key").toString("base64");
const NOW = Date.UTC(2025, 2, 13, 12, 0, 0);
const USER_SECRET = "crossmint-recoverable-key-6f1d2a9b8c7e4f30";

const succeeded = {
  type: "credential.creation.succeeded",
  data: {
    credential: { credentialId: "urn:uuid:40ada19e", payload: "ZW5jcnlwdGVk" },
    pass: { url: "https://www.crossmint.com/credentials/pass/40ada19e" },
    secret: USER_SECRET,
    addedLater: { by: "crossmint" },
  },
  addedAtTopLevel: true,
};

function request(body: unknown, options: { secret?: string; id?: string; at?: number; tenantId?: string; names?: "svix" | "webhook" } = {}): WebhookRequest {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const id = options.id ?? "msg_2Lh9KRb0pzN4LePd3XiA";
  const at = new Date(options.at ?? NOW);
  const prefix = options.names ?? "svix";
  return {
    method: "POST",
    path: "/",
    originalUrl: "/events/acme/crossmint",
    headers: {
      "content-type": "application/json",
      [`${prefix}-id`]: id,
      [`${prefix}-timestamp`]: String(Math.floor(at.getTime() / 1000)),
      [`${prefix}-signature`]: new Webhook(options.secret ?? SECRET).sign(id, at, raw),
    },
    params: { tenantId: options.tenantId ?? "acme" },
    body: Buffer.from(raw),
  };
}

const provider = (options: Partial<CrossmintOptions> = {}) => crossmint({ secret: SECRET, now: () => NOW, ...options });

describe("crossmint provider", () => {
  it("delivers credential.creation.succeeded with the typed payload, data.secret included, and raw whole", async () => {
    const hooks = createWebhooks({ provider: provider() });
    const seen: unknown[] = [];
    hooks.on("credential.creation.succeeded", (event) => {
      seen.push(event);
      expect(event.payload.secret).toBe(USER_SECRET);
      expect(event.payload.credential.credentialId).toBe("urn:uuid:40ada19e");
    });
    const res = await hooks.handle(request(succeeded));
    expect(res.status).toBe(200);
    expect(seen).toEqual([
      expect.objectContaining({
        provider: "crossmint",
        tenantId: "acme",
        name: "credential.creation.succeeded",
        id: "msg_2Lh9KRb0pzN4LePd3XiA",
        payload: succeeded.data,
        raw: succeeded,
      }),
    ]);
  });

  it.each([
    ["credential:creation.succeeded", "credential.creation.succeeded", { credential: { id: "urn:uuid:1" } }],
    ["credential:creation.failed", "credential.creation.failed", { error: "boom" }],
    ["credential.creation.failed", "credential.creation.failed", { error: { message: "boom", code: 42 } }],
  ] as const)("maps %s to %s", async (sent, canonical, data) => {
    const hooks = createWebhooks({ provider: provider() });
    const names: string[] = [];
    hooks.on(canonical, (event) => void names.push(event.name));
    const res = await hooks.handle(request({ type: sent, data }));
    expect(res.status).toBe(200);
    expect(names).toEqual([canonical]);
  });

  it("canonicalCrossmintEvent leaves unknown names as sent", () => {
    expect(canonicalCrossmintEvent("credential:creation.succeeded")).toBe("credential.creation.succeeded");
    expect(canonicalCrossmintEvent("wallets:transfer.succeeded")).toBe("wallets:transfer.succeeded");
  });

  it("accepts the webhook-* header names and dedupes on their id", async () => {
    const hooks = createWebhooks({ provider: provider() });
    const ids: string[] = [];
    hooks.onAny((event) => void ids.push(event.id));
    expect((await hooks.handle(request(succeeded, { names: "webhook", id: "msg_std" }))).status).toBe(200);
    expect(ids).toEqual(["msg_std"]);
  });

  it("runs a redelivery with the same svix-id once and answers it 200", async () => {
    const hooks = createWebhooks({ provider: provider() });
    let runs = 0;
    hooks.on("credential.creation.succeeded", () => void runs++);
    const first = await hooks.handle(request(succeeded, { id: "msg_same", at: NOW - 60_000 }));
    // Svix re-signs each attempt with a new timestamp; the id stays.
    const retry = await hooks.handle(request(succeeded, { id: "msg_same", at: NOW }));
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(JSON.parse(retry.body)).toEqual({ received: true, duplicate: true });
    expect(runs).toBe(1);
    const other = await hooks.handle(request(succeeded, { id: "msg_other" }));
    expect(other.status).toBe(200);
    expect(runs).toBe(2);
  });

  it("answers unknown event types 200 and hands them to onUnhandled (Svix would retry for a day otherwise)", async () => {
    const hooks = createWebhooks({ provider: provider() });
    const unhandled: string[] = [];
    hooks.onUnhandled((event) => void unhandled.push(event.name));
    const res = await hooks.handle(request({ type: "credential.revocation.succeeded", data: { id: "x" } }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ received: true, unhandled: true });
    expect(unhandled).toEqual(["credential.revocation.succeeded"]);
  });

  it.each([
    ["no type", { data: {} }],
    ["no data", { type: "credential.creation.failed" }],
    ["an array", [1, 2]],
  ])("is INVALID_PAYLOAD (400) for an authentic body with %s", async (_label, body) => {
    const hooks = createWebhooks({ provider: provider() });
    const res = await hooks.handle(request(body));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe("INVALID_PAYLOAD");
  });

  it("is INVALID_PAYLOAD when the documented fields are missing, and keeps the delivery", async () => {
    const hooks = createWebhooks({ provider: provider() });
    const res = await hooks.handle(request({ type: "credential.creation.succeeded", data: { pass: {} } }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.message).toContain("credential");
    expect((await hooks.failures.list()).map((f) => f.reason)).toEqual(["invalid-payload"]);
  });

  it("authenticates before it looks at the body: a bad signature on garbage is 401, not 400", async () => {
    const hooks = createWebhooks({ provider: provider() });
    const req = request({ nonsense: true }, { secret: OTHER_SECRET });
    const res = await hooks.handle(req);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe("INVALID_SIGNATURE");
    expect(await hooks.failures.list()).toEqual([]);
  });

  it("verifies against the tenant's secret from a resolver", async () => {
    const secrets: Record<string, string> = { a: SECRET, b: OTHER_SECRET };
    const hooks = createWebhooks({ provider: provider({ secret: (tenantId) => (tenantId === undefined ? undefined : secrets[tenantId]) }) });
    expect((await hooks.handle(request(succeeded, { tenantId: "a", id: "m1" }))).status).toBe(200);
    expect((await hooks.handle(request(succeeded, { tenantId: "b", id: "m2", secret: OTHER_SECRET }))).status).toBe(200);
    const crossed = await hooks.handle(request(succeeded, { tenantId: "b", id: "m3", secret: SECRET }));
    expect(JSON.parse(crossed.body).error.code).toBe("INVALID_SIGNATURE");
    const unknown = await hooks.handle(request(succeeded, { tenantId: "c", id: "m4" }));
    expect(unknown.status).toBe(401);
  });

  it("answers 503 when the secret resolver fails, so Svix retries", async () => {
    const hooks = createWebhooks({
      provider: provider({
        secret: () => {
          throw new Error("vault down");
        },
      }),
    });
    const res = await hooks.handle(request(succeeded));
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe("CREDENTIALS_UNAVAILABLE");
  });

  it("uses the injected clock and tolerance", async () => {
    const strict = createWebhooks({ provider: provider({ toleranceSeconds: 10 }) });
    const res = await strict.handle(request(succeeded, { at: NOW - 11_000 }));
    expect(JSON.parse(res.body).error.code).toBe("TIMESTAMP_TOO_OLD");
    const later = createWebhooks({ provider: provider({ now: () => NOW + 6 * 60_000 }) });
    expect(JSON.parse((await later.handle(request(succeeded))).body).error.code).toBe("TIMESTAMP_TOO_OLD");
  });

  it("refuses a malformed static secret or tolerance at construction, without echoing the secret", () => {
    expect(() => crossmint({ secret: "whsec_not base64" })).toThrow(TypeError);
    expect(() => crossmint({ secret: [SECRET, "whsec_%%%"] })).toThrow(/whsec_ followed by base64/);
    expect(() => crossmint({ secret: SECRET, toleranceSeconds: -1 })).toThrow(TypeError);
    expect(() => crossmint({ secret: SECRET, toleranceSeconds: Number.NaN })).toThrow(TypeError);
  });

  it("never logs data.secret, even when handlers fail", async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: (obj, msg) => void lines.push(JSON.stringify(obj) + msg),
      info: (obj, msg) => void lines.push(JSON.stringify(obj) + msg),
      warn: (obj, msg) => void lines.push(JSON.stringify(obj) + msg),
      error: (obj, msg) => void lines.push(JSON.stringify(obj) + msg),
    };
    const hooks = createWebhooks({ provider: provider(), logger });
    hooks.on("credential.creation.succeeded", () => {
      throw new Error("storage down");
    });
    const res = await hooks.handle(request(succeeded));
    expect(res.status).toBe(500);
    expect(res.body).not.toContain(USER_SECRET);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n")).not.toContain(USER_SECRET);
  });

  it("declares what the sender does", () => {
    const p = provider();
    expect(p.id).toBe("crossmint");
    expect(p.retries).toBe(true);
    expect(p.responseDeadlineMs).toBeUndefined();
    expect(Object.keys(p.events)).toEqual(Object.keys(crossmintEvents));
  });
});
