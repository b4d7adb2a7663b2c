import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createWebhooks } from "./create-webhooks.js";
import type { MetricEvent } from "./metrics.js";
import { crossmint } from "./providers/crossmint/index.js";
import { lissi } from "./providers/lissi/index.js";
import { proven } from "./providers/proven/index.js";
import type { Provider, WebhookRequest } from "./types.js";

const provenDone = (id: string): WebhookRequest => ({
  method: "POST",
  path: "/",
  originalUrl: "/events/acme/proven",
  headers: { "content-type": "application/json", "x-api-key": "k" },
  params: { tenantId: "acme" },
  body: Buffer.from(JSON.stringify({ event: "credentials:done", webhook: { cred_ex_id: id, state: "done" } })),
});

// The untyped view: what JavaScript callers (and a typo that got past a cast) reach at run time.
type Loose = { on(name: unknown, handler: () => void): unknown; off(name: unknown, handler: () => void): unknown };
const loose = (hooks: object): Loose => hooks as Loose;

describe("on() and off() check names at registration", () => {
  it("throws for a normalized name the provider never emits, listing the valid names", () => {
    const hooks = loose(createWebhooks({ provider: lissi({ apiKey: "k" }) }));
    let message = "";
    try {
      hooks.on("did.created", () => {});
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      message = (error as Error).message;
    }
    expect(message).toContain('hooks.on("did.created"): "did.created" is not an event lissi sends.');
    expect(message).toContain("lissi events: connection:update, connection:delete, connections:delete, credential:update");
    expect(message).toContain("normalized events it emits: connection.established, connection.deleted, credential.issued, credential.offered");
    expect(message).not.toMatch(/did\.created,|did\.updated/);
  });

  it("throws for a misspelled or alternative event name (octokit does too), and for off() alike", () => {
    const hooks = loose(createWebhooks({ provider: proven({ apiKey: "k" }) }));
    expect(() => hooks.on("credentials:don", () => {})).toThrow(/"credentials:don" is not an event proven sends\. proven events: connection:completed, credentials:done/);
    expect(() => hooks.on("webhook:basic-message", () => {})).toThrow(/not an event proven sends/); // the sender's spelling: register the canonical name
    expect(() => hooks.off("credentials:don", () => {})).toThrow(/hooks\.off\("credentials:don"\)/);
    expect(() => hooks.on(undefined, () => {})).toThrow(TypeError);
  });

  it("registers nothing when one name of a list is unknown", async () => {
    const hooks = createWebhooks({ provider: proven({ apiKey: "k" }) });
    const handler = vi.fn();
    expect(() => loose(hooks).on(["credentials:done", "credential:done"], handler)).toThrow(/"credential:done"/);
    expect((await hooks.handle(provenDone("c1"))).status).toBe(200);
    expect(handler).not.toHaveBeenCalled();
  });

  it("accepts the provider's events and the normalized names it declares", () => {
    const hooks = createWebhooks({ provider: crossmint({ secret: "whsec_c2VjcmV0" }) });
    expect(() => hooks.on("credential.creation.succeeded", () => {}).on(["credential.issued", "credential.failed"], () => {})).not.toThrow();
    expect(() => loose(hooks).on("presentation.verified", () => {})).toThrow(/normalized events it emits: credential\.issued, credential\.failed\./);
  });

  it("a provider that normalizes without declaring may emit any normalized name; one that does not normalize, none", () => {
    const events = { "thing.created": z.looseObject({}) };
    const base: Provider<typeof events> = { id: "custom", events, retries: true, authenticate: () => {}, identify: () => ({ name: "thing.created", payload: {}, raw: {}, dedupeId: "1" }) };
    expect(() => loose(createWebhooks({ provider: { ...base, normalize: () => undefined } })).on("did.created", () => {})).not.toThrow();
    expect(() => loose(createWebhooks({ provider: base })).on("did.created", () => {})).toThrow(/custom events: thing\.created; it emits no normalized events\./);
  });
});

describe("off()", () => {
  it("removes a handler: later deliveries do not run it, the others still run", async () => {
    const hooks = createWebhooks({ provider: proven({ apiKey: "k" }) });
    const removed = vi.fn();
    const kept = vi.fn();
    const normalized = vi.fn();
    expect(hooks.on("credentials:done", removed).on("credentials:done", kept).on("credential.issued", normalized).off("credentials:done", removed)).toBe(hooks);
    expect((await hooks.handle(provenDone("c1"))).status).toBe(200);
    expect(removed).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledOnce();
    expect(normalized).toHaveBeenCalledOnce();

    hooks.off(["credential.issued", "credentials:done"], normalized); // not under credentials:done: a no-op there
    expect((await hooks.handle(provenDone("c2"))).status).toBe(200);
    expect(normalized).toHaveBeenCalledOnce();
    expect(kept).toHaveBeenCalledTimes(2);
  });

  it("does not change a delivery already running, and never reuses a default handler id", async () => {
    const settled: string[] = [];
    const hooks = createWebhooks({ provider: proven({ apiKey: "k" }), metrics: (metric: MetricEvent) => void (metric.type === "handler.settled" && settled.push(metric.handler)) });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = vi.fn(() => gate);
    const second = vi.fn();
    hooks.on("credentials:done", first).on("credentials:done", second); // ids credentials:done#0 and #1
    const running = hooks.handle(provenDone("c1"));
    await vi.waitFor(() => expect(first).toHaveBeenCalled());
    hooks.off("credentials:done", second);
    release();
    expect((await running).status).toBe(200);
    expect(second).toHaveBeenCalledOnce(); // registered when the delivery started
    const third = vi.fn();
    hooks.on("credentials:done", third); // #2, not #1: a success recorded for #1 must not skip it
    await hooks.handle(provenDone("c2"));
    expect(settled.slice(0, 2).sort()).toEqual(["credentials:done#0", "credentials:done#1"]);
    expect(settled.slice(2).sort()).toEqual(["credentials:done#0", "credentials:done#2"]);
  });
});
