import { context, metrics, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader, type DataPoint, type Histogram, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createWebhooks, LruDedupeStore, MemoryFailureSink, type MetricEvent, type WebhookRequest } from "@credhooks/core";
import { lissi } from "@credhooks/core/providers/lissi";
import { proven } from "@credhooks/core/providers/proven";
import { truvera } from "@credhooks/core/providers/truvera";
import { CREDENTIAL_ID, lissiFixtureBytes } from "./fixtures/lissi/index.js";

// OpenTelemetry through the real SDK's in-memory exporters: the span tree of a delivery
// (a delivery span, a child span per handler), its attributes, the credhooks.* metrics for
// processed, duplicate, rejected, failed and kept deliveries, and a scan of everything
// recorded for the secrets and payload values the deliveries carried.

const PROVEN_KEY = "proven-otel-key-6c1d9a";
const WRONG_KEY = "wrong-otel-key-0b77e2";
const LISSI_KEY = "lissi-otel-key-3f5e81";
const TRUVERA_TOKEN = "truvera-otel-token-a4c2d0";
/** Payload values that are not part of any dedupe id: none may reach a span or a metric. */
const PAYLOAD_SECRETS = ["Alice Payloadsdottir", "wallet-otel-9d3c", "thread-otel-51ab"];
const SECRETS = [PROVEN_KEY, WRONG_KEY, LISSI_KEY, TRUVERA_TOKEN, ...PAYLOAD_SECRETS];

/** A metric reader the test collects from on demand (cumulative, the SDK's default). */
class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Every span and metric data point any test recorded: scanned for secrets at the end. */
const recorded: unknown[] = [];

function sdk() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = (): ReadableSpan[] => {
    const finished = exporter.getFinishedSpans();
    recorded.push(...finished.map(serialiseSpan));
    return finished;
  };
  const collect = async (): Promise<ResourceMetrics> => {
    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    recorded.push(serialiseMetrics(resourceMetrics));
    return resourceMetrics;
  };
  return { exporter, tracerProvider, meterProvider, telemetry: { tracerProvider, meterProvider }, spans, collect };
}

/** Everything a span carries that an exporter would send. */
function serialiseSpan(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    kind: span.kind,
    attributes: span.attributes,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
    status: span.status,
    links: span.links,
    resource: span.resource.attributes,
    scope: span.instrumentationScope,
  });
}

function serialiseMetrics(resourceMetrics: ResourceMetrics): string {
  return JSON.stringify(resourceMetrics.scopeMetrics.map((scope) => ({ scope: scope.scope, metrics: scope.metrics.map((metric) => ({ descriptor: metric.descriptor, points: metric.dataPoints })) })));
}

/** The data points of one metric. */
function points<T = number>(resourceMetrics: ResourceMetrics, name: string): DataPoint<T>[] {
  const metric = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((candidate) => candidate.descriptor.name === name);
  return (metric?.dataPoints ?? []) as DataPoint<T>[];
}

/** The value of the data point with exactly these attributes (undefined when there is none). */
function valueOf(resourceMetrics: ResourceMetrics, name: string, attributes: Attributes): number | undefined {
  return points(resourceMetrics, name).find((point) => sameAttributes(point.attributes, attributes))?.value;
}

const sameAttributes = (a: Attributes, b: Attributes): boolean => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

const provenBody = (credExId: string) =>
  JSON.stringify({
    event: "credentials:done",
    webhook: { state: "done", cred_ex_id: credExId, connection_id: "conn-1", thread_id: PAYLOAD_SECRETS[2], wallet_id: PAYLOAD_SECRETS[1], comment: PAYLOAD_SECRETS[0], updated_at: "2025-03-13T22:15:02.479961Z" },
  });

const provenDelivery = (credExId = "cred-1", extra: { key?: string; tenant?: string; headers?: Record<string, string> } = {}): WebhookRequest => ({
  method: "POST",
  path: "/",
  originalUrl: `/events/${extra.tenant ?? "acme"}/proven?token=${PROVEN_KEY}`,
  headers: { "content-type": "application/json", "x-api-key": extra.key ?? PROVEN_KEY, ...extra.headers },
  params: { tenantId: extra.tenant ?? "acme" },
  body: Buffer.from(provenBody(credExId)),
});

const deliverySpan = (spans: ReadableSpan[]) => spans.filter((span) => span.name.startsWith("credhooks.delivery "));
const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) => spans.filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);

afterEach(() => {
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
});

describe("OpenTelemetry traces", () => {
  it("a processed delivery: a SERVER span with the credhooks attributes and HTTP ones, a child span per handler, the store's work as events", async () => {
    const otel = sdk();
    const listened: MetricEvent[] = [];
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), telemetry: otel.telemetry, metrics: (metric) => void listened.push(metric) });
    hooks.on("credentials:done", () => undefined, { id: "save-credential" });
    hooks.on("credentials:done", async () => undefined, { id: "notify" });
    const response = await hooks.handle(provenDelivery("cred-1"));
    expect(response.status).toBe(200);

    const spans = otel.spans();
    const [delivery] = deliverySpan(spans);
    expect(deliverySpan(spans)).toHaveLength(1);
    expect(delivery!.name).toBe("credhooks.delivery proven");
    expect(delivery!.kind).toBe(SpanKind.SERVER);
    expect(delivery!.parentSpanContext).toBeUndefined();
    expect(delivery!.instrumentationScope.name).toBe("@credhooks/core");
    expect(delivery!.attributes).toEqual({
      "credhooks.provider": "proven",
      "credhooks.tenant": "acme",
      "credhooks.event": "credentials:done",
      "credhooks.dedupe_id": expect.stringContaining("cred-1"),
      "credhooks.outcome": "processed",
      "http.request.method": "POST",
      "http.response.status_code": 200,
      "url.path": "/events/acme/proven",
    });
    expect(delivery!.status.code).toBe(SpanStatusCode.UNSET);
    expect(delivery!.events.map((event) => event.name)).toEqual(["credhooks.store.claim", "credhooks.store.complete"]);
    expect(delivery!.events[0]!.attributes).toEqual({ "credhooks.claim.result": "claimed", "credhooks.inbox": false });

    const handlers = childrenOf(spans, delivery!);
    expect(handlers.map((span) => span.name).sort()).toEqual(["credhooks.handler notify", "credhooks.handler save-credential"]);
    for (const handler of handlers) {
      expect(handler.kind).toBe(SpanKind.INTERNAL);
      expect(handler.spanContext().traceId).toBe(delivery!.spanContext().traceId);
      expect(handler.attributes).toEqual({ "credhooks.handler": expect.any(String), "credhooks.provider": "proven", "credhooks.event": "credentials:done", "credhooks.outcome": "ok" });
      expect(handler.status.code).toBe(SpanStatusCode.UNSET);
    }
    // The metrics callback goes on unchanged beside OpenTelemetry.
    expect(listened.map((metric) => metric.type)).toEqual(["delivery.accepted", "handler.settled", "handler.settled", "delivery.settled"]);
  });

  it("a duplicate: its own span, outcome duplicate, the claim answered done, no handler span", async () => {
    const otel = sdk();
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), telemetry: otel.telemetry });
    hooks.on("credentials:done", () => undefined, { id: "save-credential" });
    await hooks.handle(provenDelivery("cred-dup"));
    otel.exporter.reset();
    const response = await hooks.handle(provenDelivery("cred-dup"));
    expect(JSON.parse(response.body)).toEqual({ received: true, duplicate: true });
    const spans = otel.spans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes).toMatchObject({ "credhooks.outcome": "duplicate", "http.response.status_code": 200, "credhooks.tenant": "acme" });
    expect(spans[0]!.events.map((event) => [event.name, event.attributes])).toEqual([["credhooks.store.claim", { "credhooks.claim.result": "done", "credhooks.inbox": false }]]);
  });

  it("a rejected delivery (a wrong key): outcome rejected with its code, no tenant, status left unset for a 4xx", async () => {
    const otel = sdk();
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), telemetry: otel.telemetry });
    const response = await hooks.handle(provenDelivery("cred-2", { key: WRONG_KEY }));
    expect(response.status).toBe(401);
    const [span] = otel.spans();
    expect(span!.attributes).toEqual({
      "credhooks.provider": "proven",
      "credhooks.outcome": "rejected",
      "credhooks.error.code": "INVALID_CREDENTIALS",
      "http.request.method": "POST",
      "http.response.status_code": 401,
      "url.path": "/events/acme/proven",
    });
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("a failed delivery (a handler throws): the handler span records the exception's message and ERROR, the delivery span ERROR with HANDLER_FAILED", async () => {
    const otel = sdk();
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), telemetry: otel.telemetry });
    hooks.on("credentials:done", () => undefined, { id: "fine" });
    hooks.on(
      "credentials:done",
      () => {
        throw new TypeError("the ledger is read-only");
      },
      { id: "broken" },
    );
    const response = await hooks.handle(provenDelivery("cred-3"));
    expect(response.status).toBe(500);
    const spans = otel.spans();
    const [delivery] = deliverySpan(spans);
    expect(delivery!.attributes).toMatchObject({ "credhooks.outcome": "failed", "credhooks.error.code": "HANDLER_FAILED", "error.type": "HANDLER_FAILED", "http.response.status_code": 500 });
    expect(delivery!.status).toEqual({ code: SpanStatusCode.ERROR, message: "HANDLER_FAILED" });
    expect(delivery!.events.map((event) => event.name)).toEqual(["credhooks.store.claim", "credhooks.store.release"]);
    const broken = childrenOf(spans, delivery!).find((span) => span.name === "credhooks.handler broken")!;
    expect(broken.attributes).toMatchObject({ "credhooks.outcome": "error", "error.type": "TypeError" });
    expect(broken.status.code).toBe(SpanStatusCode.ERROR);
    expect(broken.events.map((event) => [event.name, event.attributes])).toEqual([["exception", { "exception.type": "TypeError", "exception.message": "the ledger is read-only" }]]);
    expect(childrenOf(spans, delivery!).find((span) => span.name === "credhooks.handler fine")!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("a delivery in flight elsewhere: outcome in_flight with DUPLICATE_IN_FLIGHT", async () => {
    const otel = sdk();
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), telemetry: otel.telemetry });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    hooks.on("credentials:done", () => gate);
    const first = hooks.handle(provenDelivery("cred-4"));
    await new Promise((resolve) => setImmediate(resolve));
    expect((await hooks.handle(provenDelivery("cred-4"))).status).toBe(409);
    release();
    await first;
    const outcomes = deliverySpan(otel.spans()).map((span) => [span.attributes["credhooks.outcome"], span.attributes["credhooks.error.code"]]);
    expect(outcomes).toEqual([
      ["in_flight", "DUPLICATE_IN_FLIGHT"],
      ["processed", undefined],
    ]);
  });

  it("takes its parent from the sender's traceparent when no span is active", async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const otel = sdk();
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), telemetry: otel.telemetry });
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const parentId = "b7ad6b7169203331";
    await hooks.handle(provenDelivery("cred-5", { headers: { traceparent: `00-${traceId}-${parentId}-01` } }));
    const [delivery] = deliverySpan(otel.spans());
    expect(delivery!.kind).toBe(SpanKind.SERVER);
    expect(delivery!.spanContext().traceId).toBe(traceId);
    expect(delivery!.parentSpanContext).toMatchObject({ traceId, spanId: parentId, isRemote: true });
  });

  it("is an INTERNAL child of the span already active (the framework's HTTP server span), whatever traceparent says", async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const otel = sdk();
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), telemetry: otel.telemetry });
    let innerParent: string | undefined;
    hooks.on("credentials:done", () => void (innerParent = trace.getActiveSpan()?.spanContext().spanId));
    const http = otel.tracerProvider.getTracer("framework").startSpan("POST /events/:tenantId/proven", { kind: SpanKind.SERVER });
    await context.with(trace.setSpan(ROOT_CONTEXT, http), () => hooks.handle(provenDelivery("cred-6", { headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } })));
    http.end();
    const spans = otel.spans();
    const [delivery] = deliverySpan(spans);
    expect(delivery!.kind).toBe(SpanKind.INTERNAL);
    expect(delivery!.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
    expect(delivery!.spanContext().traceId).toBe(http.spanContext().traceId);
    // The handler runs with its own span active: the app's instrumentation nests under it.
    const [handler] = childrenOf(spans, delivery!);
    expect(innerParent).toBe(handler!.spanContext().spanId);
  });

  it("reports to the global providers by default (an app that registers an SDK needs no option), and to none with telemetry: false", async () => {
    const otel = sdk();
    trace.setGlobalTracerProvider(otel.tracerProvider);
    metrics.setGlobalMeterProvider(otel.meterProvider);
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }) });
    const off = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), telemetry: false });
    expect((await hooks.handle(provenDelivery("cred-7"))).status).toBe(200);
    expect((await off.handle(provenDelivery("cred-7"))).status).toBe(200);
    expect(deliverySpan(otel.spans())).toHaveLength(1);
    expect(valueOf(await otel.collect(), "credhooks.deliveries", { "credhooks.provider": "proven", "credhooks.tenant": "acme", "credhooks.event": "credentials:done", "credhooks.outcome": "processed" })).toBe(1);
  });
});

describe("OpenTelemetry metrics", () => {
  it("counts deliveries by provider, tenant, event and outcome; rejections by code; handler durations in seconds", async () => {
    const otel = sdk();
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), telemetry: otel.telemetry });
    let fail = false;
    hooks.on(
      "credentials:done",
      () => {
        if (fail) throw new Error("flaky downstream");
      },
      { id: "save-credential" },
    );
    await hooks.handle(provenDelivery("m-1")); // processed
    await hooks.handle(provenDelivery("m-1")); // duplicate
    await hooks.handle(provenDelivery("m-2", { key: WRONG_KEY })); // rejected, 401
    fail = true;
    await hooks.handle(provenDelivery("m-3")); // failed, 500
    const collected = await otel.collect();

    const delivered = { "credhooks.provider": "proven", "credhooks.tenant": "acme", "credhooks.event": "credentials:done" };
    expect(valueOf(collected, "credhooks.deliveries", { ...delivered, "credhooks.outcome": "processed" })).toBe(1);
    expect(valueOf(collected, "credhooks.deliveries", { ...delivered, "credhooks.outcome": "duplicate" })).toBe(1);
    expect(valueOf(collected, "credhooks.deliveries", { ...delivered, "credhooks.outcome": "failed" })).toBe(1);
    // Refused before authentication: no tenant, no event.
    expect(valueOf(collected, "credhooks.deliveries", { "credhooks.provider": "proven", "credhooks.outcome": "rejected" })).toBe(1);
    expect(points(collected, "credhooks.rejections").map((point) => [point.attributes, point.value])).toEqual([[{ "credhooks.provider": "proven", "credhooks.error.code": "INVALID_CREDENTIALS" }, 1]]);

    const durations = points<Histogram>(collected, "credhooks.handler.duration");
    expect(durations.map((point) => [point.attributes, point.value.count])).toEqual(
      expect.arrayContaining([
        [{ "credhooks.provider": "proven", "credhooks.event": "credentials:done", "credhooks.handler": "save-credential", "credhooks.outcome": "ok" }, 1],
        [{ "credhooks.provider": "proven", "credhooks.event": "credentials:done", "credhooks.handler": "save-credential", "credhooks.outcome": "error" }, 1],
      ]),
    );
    expect(durations).toHaveLength(2);
    const metric = collected.scopeMetrics.flatMap((scope) => scope.metrics).find((candidate) => candidate.descriptor.name === "credhooks.handler.duration")!;
    expect(metric.descriptor.unit).toBe("s");
    expect(metric.dataPointType).toBe(DataPointType.HISTOGRAM);
  });

  it("never labels a tenant before authentication: a flood of random tenant ids is one series", async () => {
    const otel = sdk();
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), telemetry: otel.telemetry });
    for (let i = 0; i < 50; i++) await hooks.handle(provenDelivery(`f-${i}`, { key: WRONG_KEY, tenant: `random-${i}` }));
    const collected = await otel.collect();
    expect(points(collected, "credhooks.deliveries").map((point) => [point.attributes, point.value])).toEqual([[{ "credhooks.provider": "proven", "credhooks.outcome": "rejected" }, 50]]);
    expect(JSON.stringify(collected)).not.toContain("random-");
  });

  it("a kept delivery (Lissi never redelivers, attempts used up): outcome kept, and the failure sink's size", async () => {
    const otel = sdk();
    const failures = new MemoryFailureSink();
    const hooks = createWebhooks({ provider: lissi({ apiKey: LISSI_KEY }), failures, telemetry: otel.telemetry, recovery: { maxAttempts: 1, automatic: false } });
    hooks.on("credential:update", () => {
      throw new Error("issuer database down");
    });
    const response = await hooks.handle({
      method: "POST",
      path: `/credentials/${CREDENTIAL_ID}/update`,
      originalUrl: `/events/acme/lissi/credentials/${CREDENTIAL_ID}/update`,
      headers: { "content-type": "application/json", "x-api-key": LISSI_KEY },
      params: { tenantId: "acme" },
      body: lissiFixtureBytes("credential-update.json"),
    });
    expect(response.status).toBe(500);
    expect(failures.size).toBe(1);
    const [delivery] = deliverySpan(otel.spans());
    expect(delivery!.attributes).toMatchObject({ "credhooks.outcome": "kept", "credhooks.error.code": "HANDLER_FAILED" });
    expect(delivery!.events.map((event) => event.name)).toContain("credhooks.failures.put");
    const collected = await otel.collect();
    expect(valueOf(collected, "credhooks.deliveries", { "credhooks.provider": "lissi", "credhooks.tenant": "acme", "credhooks.event": "credential:update", "credhooks.outcome": "kept" })).toBe(1);
    expect(valueOf(collected, "credhooks.failures.size", {})).toBe(1);
    // The inbox queue is observed too: the kept event left it.
    expect(valueOf(collected, "credhooks.inbox.depth", { "credhooks.provider": "lissi", "credhooks.queue": "lissi" })).toBe(0);
  });

  it("inbox depth while an acknowledged event waits, then a recovery: its span with the handler's child, and credhooks.recoveries", async () => {
    const otel = sdk();
    let now = 1_000_000;
    const store = new LruDedupeStore({ now: () => now });
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), store, telemetry: otel.telemetry, acknowledge: "when-stored", recovery: { automatic: false, backoffMs: () => 1_000 } });
    let fail = true;
    hooks.on(
      "credentials:done",
      () => {
        if (fail) throw new Error("not yet");
      },
      { id: "save-credential" },
    );
    const response = await hooks.handle(provenDelivery("r-1"));
    expect(response.status).toBe(202);
    // Answered before the handlers settled: the span ends when they do, in the background.
    await vi.waitFor(() => expect(deliverySpan(otel.exporter.getFinishedSpans())).toHaveLength(1));
    const [delivery] = deliverySpan(otel.spans());
    // Answered 202 once stored; the span ended when the handlers settled (failed, retried later).
    expect(delivery!.attributes).toMatchObject({ "http.response.status_code": 202, "credhooks.outcome": "failed" });
    expect(valueOf(await otel.collect(), "credhooks.inbox.depth", { "credhooks.provider": "proven", "credhooks.queue": "proven" })).toBe(1);

    otel.exporter.reset();
    fail = false;
    now += 1_001;
    expect(await hooks.recover()).toMatchObject({ claimed: 1, recovered: 1 });
    const spans = otel.spans();
    const recovery = spans.find((span) => span.name === "credhooks.recovery proven")!;
    expect(recovery.attributes).toMatchObject({ "credhooks.provider": "proven", "credhooks.tenant": "acme", "credhooks.event": "credentials:done", "credhooks.outcome": "recovered" });
    expect(childrenOf(spans, recovery).map((span) => span.name)).toEqual(["credhooks.handler save-credential"]);
    const collected = await otel.collect();
    expect(valueOf(collected, "credhooks.recoveries", { "credhooks.provider": "proven", "credhooks.outcome": "recovered" })).toBe(1);
    expect(valueOf(collected, "credhooks.inbox.depth", { "credhooks.provider": "proven", "credhooks.queue": "proven" })).toBe(0);
    await hooks.close();
  });

  it("a multi-provider receiver counts a request to no served key as provider (unknown), never the requested text", async () => {
    const otel = sdk();
    const hooks = createWebhooks({ providers: { proven: proven({ apiKey: PROVEN_KEY }), truvera: truvera({ token: TRUVERA_TOKEN }) }, telemetry: otel.telemetry });
    const routed = await hooks.handle({ ...provenDelivery("u-1"), path: "/proven" });
    expect(routed.status).toBe(200);
    const unknown = await hooks.handle({ ...provenDelivery("u-2"), path: "/attacker-chosen-key/x" });
    expect(unknown.status).toBe(404);
    const truveraResponse = await hooks.handle({
      method: "POST",
      path: "/truvera",
      originalUrl: "/events/acme/truvera",
      headers: { "content-type": "application/json" },
      params: { tenantId: "acme" },
      body: Buffer.from(JSON.stringify({ event: "issuer_created", token: TRUVERA_TOKEN, data: { did: "did:dock:otel", name: PAYLOAD_SECRETS[0] } })),
    });
    expect(truveraResponse.status).toBeLessThan(500);
    const collected = await otel.collect();
    expect(valueOf(collected, "credhooks.rejections", { "credhooks.provider": "(unknown)", "credhooks.error.code": "UNKNOWN_ROUTE" })).toBe(1);
    expect(valueOf(collected, "credhooks.deliveries", { "credhooks.provider": "(unknown)", "credhooks.outcome": "rejected" })).toBe(1);
    expect(valueOf(collected, "credhooks.deliveries", { "credhooks.provider": "proven", "credhooks.tenant": "acme", "credhooks.event": "credentials:done", "credhooks.outcome": "processed" })).toBe(1);
    const spans = otel.spans();
    expect(spans.map((span) => span.name)).toEqual(expect.arrayContaining(["credhooks.delivery proven", "credhooks.delivery (unknown)", "credhooks.delivery truvera"]));
    expect(JSON.stringify(collected)).not.toContain("attacker-chosen-key");
  });
});

describe("Prometheus, as the README sets it up", () => {
  it("exposes every credhooks metric under the names the README's table gives", async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const meterProvider = new MeterProvider({ readers: [exporter] });
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), telemetry: { meterProvider } });
    hooks.on("credentials:done", () => undefined, { id: "save-credential" });
    await hooks.handle(provenDelivery("p-1"));
    await hooks.handle(provenDelivery("p-2", { key: WRONG_KEY }));
    const { resourceMetrics } = await exporter.collect();
    const text = new PrometheusSerializer().serialize(resourceMetrics);
    recorded.push(text);
    expect(text).toContain('credhooks_deliveries_total{credhooks_provider="proven",credhooks_outcome="processed",credhooks_tenant="acme",credhooks_event="credentials:done"');
    expect(text).toContain('credhooks_rejections_total{credhooks_provider="proven",credhooks_error_code="INVALID_CREDENTIALS"');
    expect(text).toMatch(/credhooks_handler_duration_bucket\{credhooks_provider="proven",credhooks_handler="save-credential",credhooks_outcome="ok",credhooks_event="credentials:done",.*le="0.005"\} 1/);
    expect(text).toContain('credhooks_inbox_depth{credhooks_provider="proven",credhooks_queue="proven"');
    expect(text).toContain("credhooks_failures_size{");
    await meterProvider.shutdown();
  });
});

describe("what OpenTelemetry never sees", () => {
  afterAll(() => {
    // Runs after every test of the file (this block is last): all they recorded.
    expect(recorded.length).toBeGreaterThan(20);
  });

  it("no key, token or payload value in any span or metric recorded by the tests above", () => {
    const all = recorded.map((item) => (typeof item === "string" ? item : JSON.stringify(item))).join("\n");
    expect(all).toContain("credhooks.delivery proven");
    for (const secret of SECRETS) expect(all).not.toContain(secret);
    // Not the query string (it carried the key), not a header, not the body.
    expect(all).not.toContain("token=");
    expect(all).not.toContain("x-api-key");
    expect(all).not.toContain('"webhook"');
  });
});
