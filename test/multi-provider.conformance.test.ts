import request from "supertest";
import { describe, expect, it } from "vitest";
import { MemoryFailureSink, normalizedEventsOf, type MultiWebhooks, type MultiWebhooksOptions, type Provider, type ProviderEntry, type WebhookEvent } from "@credhooks/core";
import { proven } from "@credhooks/core/providers/proven";
import { DEV_CREDENTIALS, PROVIDER_IDS, buildDelivery, deliveries, devProviders, eventsOf, type TestDelivery } from "@credhooks/testing";
import { adapters, type AdapterHarness } from "./support/adapters.js";

// The one-mount form on every adapter: all six providers behind one
// `app.use("/events/:tenantId", webhooks({ providers }))`, addressed exactly as the
// single-provider mounts were (`/events/<tenant>/<provider>/…`), so senders see no change.

// The test kit's development providers: what `deliveries` signs for, keyed by provider id.
const allProviders = () => devProviders();

function send(app: Parameters<typeof request>[0], delivery: TestDelivery) {
  const method = delivery.method === "DELETE" ? "delete" : "post";
  let req = request(app)[method](delivery.path).set(delivery.headers);
  if (delivery.body !== "") req = req.send(delivery.body);
  return req;
}

function build(adapter: AdapterHarness, options: Partial<MultiWebhooksOptions<Record<string, ProviderEntry>>> = {}) {
  return adapter.buildMulti({ providers: allProviders(), recovery: false, ...options });
}

const everySample = PROVIDER_IDS.flatMap((provider) => eventsOf(provider).map((event) => ({ provider, event })));

describe.each(adapters)("one mount for every provider on $name", (adapter) => {
  it("delivers every sample event of all six providers to its provider's typed handler, deduped per provider", async () => {
    const { app, hooks } = build(adapter);
    const seen: Array<{ key: string; event: WebhookEvent<string, unknown> }> = [];
    for (const key of PROVIDER_IDS) {
      for (const event of eventsOf(key)) (hooks as MultiWebhooks).on(key, event as never, ((e: WebhookEvent<string, unknown>) => void seen.push({ key, event: e })) as never);
    }
    for (const { provider, event } of everySample) {
      const delivery = buildDelivery(provider, event);
      const res = await send(app, delivery);
      expect(res.status, `${provider} ${event}: ${res.text}`).toBeLessThan(300);
    }
    expect(seen).toHaveLength(everySample.length);
    for (const [i, { provider, event }] of everySample.entries()) {
      expect(seen[i]).toMatchObject({ key: provider, event: { provider, name: event, tenantId: "acme" } });
    }
    // A redelivery is a duplicate of its own provider's event only.
    const again = await send(app, buildDelivery("proven", "credentials:done"));
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
    expect(seen).toHaveLength(everySample.length);
    expect(await hooks.failures.list()).toEqual([]);
  });

  it("runs one normalized handler for every provider that emits the event, with the provider in the payload", async () => {
    const { app, hooks } = build(adapter);
    const providers = hooks.providers;
    const all: Array<WebhookEvent<string, unknown>> = [];
    const issued: Array<WebhookEvent<string, unknown>> = [];
    hooks.onAny((event) => void all.push(event));
    hooks.on("credential.issued", (event) => void issued.push(event));
    for (const { provider, event } of everySample) expect((await send(app, buildDelivery(provider, event))).status).toBeLessThan(300);
    // What each provider's own mapping says was issued, from the events that arrived.
    const expected = all.flatMap((event) => normalizedEventsOf(event, (providers[event.provider] as Provider).normalize!).filter((n) => n.name === "credential.issued"));
    expect(new Set(expected.map((e) => (e.payload as { provider: string }).provider)).size).toBeGreaterThanOrEqual(4);
    expect(issued.map((e) => [e.name, (e.payload as { provider: string }).provider, e.id])).toEqual(expected.map((e) => [e.name, (e.payload as { provider: string }).provider, e.id]));
  });

  it("answers 404 UNKNOWN_ROUTE naming the keys served for a key it does not serve", async () => {
    const { app } = build(adapter);
    const delivery = deliveries.proven("credentials:done");
    const res = await send(app, { ...delivery, path: "/events/acme/provn" });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("UNKNOWN_ROUTE");
    for (const key of PROVIDER_IDS) expect(res.body.error.message).toContain(`/${key}`);
  });

  it("serves two instances of one provider under two keys, each with its own credential and its own dedupe", async () => {
    const { app, hooks } = adapter.buildMulti({ providers: { "proven-eu": proven({ apiKey: "eu-key" }), "proven-us": proven({ apiKey: "us-key" }) }, recovery: false });
    const runs: string[] = [];
    hooks.on("proven-eu", "credentials:done", () => void runs.push("eu"));
    hooks.on("proven-us", "credentials:done", () => void runs.push("us"));
    const eu = deliveries.proven("credentials:done", undefined, { apiKey: "eu-key", mountPath: "/events/acme/proven-eu" });
    const us = deliveries.proven("credentials:done", undefined, { apiKey: "us-key", mountPath: "/events/acme/proven-us" });
    expect((await send(app, eu)).status).toBe(200);
    expect((await send(app, us)).status).toBe(200); // the same body under another key is another event
    expect((await send(app, { ...us, headers: { ...us.headers, "x-api-key": "eu-key" } })).status).toBe(401);
    expect((await send(app, eu)).body).toEqual({ received: true, duplicate: true });
    expect(runs).toEqual(["eu", "us"]);
  });

  it("applies a provider's own settings (body limit) without changing the others'", async () => {
    const { app, hooks } = build(adapter, { providers: { ...allProviders(), proven: { provider: proven({ apiKey: DEV_CREDENTIALS.PROVEN_API_KEY }), maxBodyBytes: 64 } } });
    hooks.onAny(() => undefined);
    expect((await send(app, deliveries.proven("credentials:done"))).status).toBe(413);
    expect((await send(app, deliveries.acapy("issue_credential_v2_0.done"))).status).toBe(200);
  });

  it("keeps failures of every provider in one sink, under their keys, and replays them", async () => {
    const failures = new MemoryFailureSink();
    const { app, hooks } = build(adapter, { failures, recovery: { maxAttempts: 1, automatic: false } });
    let broken = true;
    hooks.on("lissi", "connection:update", () => {
      if (broken) throw new Error("database down");
    });
    const delivery = deliveries.lissi("connection:update");
    expect((await send(app, delivery)).status).toBe(500);
    const [kept] = await failures.list();
    expect(kept).toMatchObject({ provider: "lissi", tenantId: "acme", name: "connection:update", reason: "handler-failed" });
    expect(kept!.key.startsWith("lissi:acme:")).toBe(true);
    broken = false;
    expect(await hooks.replay(kept!.key)).toEqual({ key: kept!.key, status: "handled" });
    expect(await hooks.replay("nobody:acme:x")).toEqual({ key: "nobody:acme:x", status: "not-found" });
    expect(await failures.list()).toEqual([]);
  });

  it("closes every provider at once: new deliveries of any provider are 503 SHUTTING_DOWN", async () => {
    const { app, hooks } = build(adapter);
    expect(await hooks.close()).toEqual({ settled: 0, unfinished: 0 });
    for (const provider of ["proven", "crossmint"] as const) {
      const res = await send(app, buildDelivery(provider, eventsOf(provider)[0]!));
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("SHUTTING_DOWN");
    }
  });
});
