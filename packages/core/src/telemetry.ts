import { createRequire } from "node:module";
import {
  context as contextApi,
  createNoopMeter,
  defaultTextMapGetter,
  metrics as metricsApi,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace as traceApi,
  ValueType,
  type Attributes,
  type Context,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  type ObservableResult,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import type { DedupeStore } from "./dedupe-store.js";
import type { WebhookError } from "./errors.js";
import type { FailureReason, FailureSink } from "./failure-sink.js";
import { DUPLICATE_BODY } from "./stages/responses.js";
import type { IdentifiedEvent, WebhookRequest, WebhookResponse } from "./types.js";

/**
 * Where a receiver sends its OpenTelemetry traces and metrics: the `telemetry` option of
 * `createWebhooks` (`false` turns both off). Each provider defaults to the global one of
 * `@opentelemetry/api` — a no-op until the app registers an SDK. The global tracer
 * provider may be registered after the receiver is created; the global meter provider must
 * be registered before (the API has no stand-in for it), or passed here.
 *
 * @example
 * ```ts
 * import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
 * import { MeterProvider } from "@opentelemetry/sdk-metrics";
 *
 * const hooks = createWebhooks({ provider, telemetry: { tracerProvider: new BasicTracerProvider(), meterProvider: new MeterProvider() } });
 * ```
 */
export interface TelemetryOptions {
  /** Where spans go; default the global tracer provider (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider;
  /** Where metrics go; default the global meter provider (`metrics.getMeterProvider()`) as it is when the receiver is created. */
  meterProvider?: MeterProvider;
}

/** The instrumentation scope of every tracer and meter credhooks creates. */
const SCOPE = "@credhooks/core";

// Attribute keys. Values are never secrets or payloads: provider ids, tenant ids (authenticated
// ones only on metrics), event names, dedupe ids, handler ids, error codes, outcomes.
const PROVIDER = "credhooks.provider";
const TENANT = "credhooks.tenant";
const EVENT = "credhooks.event";
const DEDUPE_ID = "credhooks.dedupe_id";
const OUTCOME = "credhooks.outcome";
const ERROR_CODE = "credhooks.error.code";
const HANDLER = "credhooks.handler";
const QUEUE = "credhooks.queue";
const ATTEMPT = "credhooks.attempt";

/** How a delivery ended, as `credhooks.outcome` of its span and of `credhooks.deliveries`. */
type DeliveryOutcome = "processed" | "duplicate" | "in_flight" | "rejected" | "failed" | "kept";

const SERVER_SPAN: SpanOptions = Object.freeze({ kind: SpanKind.SERVER });
const INTERNAL_SPAN: SpanOptions = Object.freeze({ kind: SpanKind.INTERNAL });
/** HTTP methods semantic conventions name as they are; any other is `_OTHER` (the method is the sender's text). */
const KNOWN_METHODS = new Set(["CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"]);
/** The semantic conventions' buckets for HTTP server durations, in seconds: handlers are of that order. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const MAX_MESSAGE = 500;

let version: string | undefined | null = null;
/** This package's version, for the instrumentation scope (read once; undefined where package.json cannot be read). */
function packageVersion(): string | undefined {
  if (version === null) {
    try {
      version = (createRequire(import.meta.url)("../package.json") as { version?: string }).version;
    } catch {
      version = undefined;
    }
  }
  return version;
}

/** What a failure sink can say of its size (see `FailureSink.size`); undefined when it cannot. */
function sinkSize(sink: FailureSink): number | Promise<number> | undefined {
  const size = sink.size;
  if (typeof size === "number") return size;
  if (typeof size === "function") return size.call(sink);
  return undefined;
}

/**
 * The instruments of one meter provider: created once, shared by every receiver that reports
 * to it (a multi-provider receiver's, or several receivers of one app), so that each is
 * registered once and the gauges observe each store queue and each failure sink once.
 */
class Instruments {
  readonly deliveries: Counter;
  readonly rejections: Counter;
  readonly handlerDuration: Histogram;
  readonly recoveries: Counter;
  /** Inbox queues to observe, per store: queue → provider and how many receivers watch it. */
  readonly #inboxes = new Map<DedupeStore, Map<string, { provider: string; watchers: number }>>();
  /** Failure sinks to observe, with how many receivers watch each. */
  readonly #sinks = new Map<FailureSink, number>();

  constructor(meter: Meter) {
    this.deliveries = meter.createCounter("credhooks.deliveries", { description: "Deliveries received, by provider, outcome and (authenticated ones) tenant and event.", unit: "{delivery}", valueType: ValueType.INT });
    this.rejections = meter.createCounter("credhooks.rejections", { description: "Deliveries answered with an error before their handlers ran, by provider and error code.", unit: "{delivery}", valueType: ValueType.INT });
    this.handlerDuration = meter.createHistogram("credhooks.handler.duration", {
      description: "How long each handler ran, by provider, event, handler and outcome.",
      unit: "s",
      valueType: ValueType.DOUBLE,
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.recoveries = meter.createCounter("credhooks.recoveries", { description: "Inbox events taken back by the recoverer, by provider and outcome.", unit: "{event}", valueType: ValueType.INT });
    meter
      .createObservableGauge("credhooks.inbox.depth", { description: "Events in the inbox (in flight or waiting for a retry), per provider and queue.", unit: "{event}", valueType: ValueType.INT })
      .addCallback((result) => this.#observeInboxes(result));
    meter
      .createObservableGauge("credhooks.failures.size", { description: "Entries kept in the failure sinks (dead letters), each sink counted once.", unit: "{delivery}", valueType: ValueType.INT })
      .addCallback((result) => this.#observeFailures(result));
  }

  /** Observes this queue's inbox depth and this failure sink's size until the returned function is called. */
  watch(provider: string, store: DedupeStore | undefined, queue: string, failures: FailureSink): () => void {
    let queues: Map<string, { provider: string; watchers: number }> | undefined;
    if (store !== undefined) {
      queues = this.#inboxes.get(store) ?? new Map();
      this.#inboxes.set(store, queues);
      const watched = queues.get(queue);
      if (watched) watched.watchers++;
      else queues.set(queue, { provider, watchers: 1 });
    }
    const sizeable = failures.size !== undefined;
    if (sizeable) this.#sinks.set(failures, (this.#sinks.get(failures) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const watched = queues?.get(queue);
      if (store !== undefined && queues !== undefined && watched !== undefined && --watched.watchers === 0) {
        queues.delete(queue);
        if (queues.size === 0) this.#inboxes.delete(store);
      }
      if (sizeable) {
        const left = (this.#sinks.get(failures) ?? 1) - 1;
        if (left === 0) this.#sinks.delete(failures);
        else this.#sinks.set(failures, left);
      }
    };
  }

  async #observeInboxes(result: ObservableResult): Promise<void> {
    const reads: Promise<void>[] = [];
    for (const [store, queues] of this.#inboxes) {
      for (const [queue, { provider }] of queues) {
        // A store that cannot answer now is left out of this collection, not reported as 0.
        reads.push(
          Promise.resolve()
            .then(() => store.inboxSize!(queue))
            .then(
              (depth) => result.observe(depth, { [PROVIDER]: provider, [QUEUE]: queue }),
              () => undefined,
            ),
        );
      }
    }
    await Promise.all(reads);
  }

  async #observeFailures(result: ObservableResult): Promise<void> {
    if (this.#sinks.size === 0) return;
    try {
      const sizes = await Promise.all(Array.from(this.#sinks.keys(), sinkSize));
      // One sink that cannot count leaves the total out of this collection: a partial sum would look like a drop.
      result.observe(sizes.reduce<number>((total, size) => total + (size ?? 0), 0));
    } catch {
      // Observed again at the next collection.
    }
  }
}

/** Instruments per meter provider; `null` for a no-op one (nothing to record, nothing to build). */
const INSTRUMENTS = new WeakMap<MeterProvider, Instruments | null>();
const NOOP_COUNTER = createNoopMeter().createCounter("credhooks.noop");

function instrumentsOf(meterProvider: MeterProvider): Instruments | undefined {
  let instruments = INSTRUMENTS.get(meterProvider);
  if (instruments === undefined) {
    const meter = meterProvider.getMeter(SCOPE, packageVersion());
    // The API's no-op meter hands out one shared no-op counter: with it, credhooks skips
    // building metric attributes per delivery altogether.
    instruments = meter.createCounter("credhooks.deliveries") === NOOP_COUNTER ? null : new Instruments(meter);
    INSTRUMENTS.set(meterProvider, instruments);
  }
  return instruments ?? undefined;
}

/**
 * One receiver's OpenTelemetry reporting: its tracer and the meter provider's instruments,
 * resolved once when the receiver is created. Per delivery it starts one span (a no-op one
 * without an SDK) and, only when that span records or metrics are on, a {@link DeliveryTrace}.
 */
export class ReceiverTelemetry {
  readonly tracer: Tracer;
  readonly instruments: Instruments | undefined;
  /** The provider id, as `credhooks.provider` (`"(unknown)"` for a multi-provider receiver's unknown keys). */
  readonly provider: string;
  readonly #deliveryName: string;

  constructor(options: TelemetryOptions, provider: string) {
    this.tracer = (options.tracerProvider ?? traceApi.getTracerProvider()).getTracer(SCOPE, packageVersion());
    this.instruments = instrumentsOf(options.meterProvider ?? metricsApi.getMeterProvider());
    this.provider = provider;
    this.#deliveryName = `credhooks.delivery ${provider}`;
  }

  /**
   * Starts the span of one HTTP delivery. Under a span already active (the framework's
   * HTTP server span, from its instrumentation) it is an INTERNAL child of it; otherwise it
   * is the SERVER span of the request, parented by the sender's `traceparent` when the app's
   * propagator finds one. Undefined when nothing would be recorded (no SDK, or sampled out
   * with metrics off).
   */
  start(request: WebhookRequest): DeliveryTrace | undefined {
    let parent = contextApi.active();
    let options = INTERNAL_SPAN;
    if (traceApi.getSpan(parent) === undefined) {
      parent = propagation.extract(parent, request.headers, defaultTextMapGetter);
      options = SERVER_SPAN;
    }
    const span = this.tracer.startSpan(this.#deliveryName, options, parent);
    const recording = span.isRecording();
    if (!recording && this.instruments === undefined) return undefined;
    const trace = new DeliveryTrace(this, "delivery", span, recording, recording ? traceApi.setSpan(parent, span) : parent);
    if (recording) {
      const method = request.method.toUpperCase();
      const target = request.originalUrl || request.path;
      const query = target.indexOf("?");
      // The path only: a query string may carry a sender's token.
      span.setAttributes({ "http.request.method": KNOWN_METHODS.has(method) ? method : "_OTHER", "url.path": query === -1 ? target : target.slice(0, query), [PROVIDER]: this.provider });
    }
    return trace;
  }

  /** Starts the span of a recovery or a replay of a kept event: a child of the active span, if any. */
  startRun(kind: "recovery" | "replay"): DeliveryTrace | undefined {
    const parent = contextApi.active();
    const span = this.tracer.startSpan(`credhooks.${kind} ${this.provider}`, INTERNAL_SPAN, parent);
    const recording = span.isRecording();
    if (!recording && this.instruments === undefined) return undefined;
    if (recording) span.setAttribute(PROVIDER, this.provider);
    return new DeliveryTrace(this, kind, span, recording, recording ? traceApi.setSpan(parent, span) : parent);
  }

  /** Observes a receiver's inbox queue (when its store has `inboxSize`) and failure sink until the returned function is called. */
  watch(store: DedupeStore, queue: string, failures: FailureSink): () => void {
    if (this.instruments === undefined) return () => undefined;
    return this.instruments.watch(this.provider, typeof store.inboxSize === "function" && typeof store.claimDue === "function" ? store : undefined, queue, failures);
  }
}

/**
 * What one delivery (or recovery, or replay) reports: its span, and what the stages learned
 * on the way (tenant once authenticated, event, whether it was claimed, kept, answered early).
 * Stages reach it as `prepared.trace`.
 */
export class DeliveryTrace {
  /** The tenant id, set only once the delivery is authenticated (so attacker-chosen ids never become metric labels). */
  tenantId: string | undefined = undefined;
  authenticated = false;
  event: string | undefined = undefined;
  dedupeId: string | undefined = undefined;
  /** The claim succeeded: an error answer from here on is a failure of the event, not a rejection. */
  claimed = false;
  /** The event went to the failure sink. */
  kept = false;
  handlerFailed = false;
  /** Answered before the handlers settled (202): the span ends when they do. */
  deferred = false;
  /** The status the sender got, when it differs from the settled answer (202). */
  answeredWith: number | undefined = undefined;
  #ended = false;

  constructor(
    readonly telemetry: ReceiverTelemetry,
    readonly kind: "delivery" | "recovery" | "replay",
    readonly span: Span,
    /** The span records (an SDK is installed and sampled it): only then are attributes, events and child spans built. */
    readonly recording: boolean,
    /** The context carrying this span: the parent of handler spans. */
    readonly context: Context,
  ) {}

  /** Runs `fn` with this span active, so the app's own instrumentation (its database client) nests under it. */
  run<A, R>(fn: (arg: A, trace: DeliveryTrace) => R, arg: A): R {
    return this.recording ? contextApi.with(this.context, fn, undefined, arg, this) : fn(arg, this);
  }

  authenticate(tenantId: string | undefined): void {
    this.authenticated = true;
    this.tenantId = tenantId;
  }

  identify(identified: Pick<IdentifiedEvent, "name" | "dedupeId">): void {
    this.event = identified.name;
    this.dedupeId = identified.dedupeId;
  }

  /** The store's answer to the claim, as an event on the span. */
  claim(result: "claimed" | "done" | "in-flight", inbox: boolean, attempts: number | undefined): void {
    if (result === "claimed") this.claimed = true;
    if (this.recording) this.span.addEvent("credhooks.store.claim", attempts ? { "credhooks.claim.result": result, "credhooks.inbox": inbox, [ATTEMPT]: attempts } : { "credhooks.claim.result": result, "credhooks.inbox": inbox });
  }

  /** A store write of the event's outcome (`complete`, `release`), as an event on the span. */
  store(operation: "complete" | "release", retryInMs?: number): void {
    if (this.recording) this.span.addEvent(`credhooks.store.${operation}`, retryInMs === undefined ? undefined : { "credhooks.retry_in_ms": retryInMs });
  }

  /** The event went to the failure sink (or the sink refused it). */
  keep(reason: FailureReason, stored: boolean): void {
    if (stored) this.kept = true;
    if (this.recording) this.span.addEvent(stored ? "credhooks.failures.put" : "credhooks.failures.refused", { "credhooks.failure.reason": reason });
  }

  /** Starts a handler's child span; undefined unless this span records. */
  startHandler(handler: string): Span | undefined {
    if (!this.recording) return undefined;
    const attributes: Attributes = { [HANDLER]: handler, [PROVIDER]: this.telemetry.provider };
    if (this.event !== undefined) attributes[EVENT] = this.event;
    return this.telemetry.tracer.startSpan(`credhooks.handler ${handler}`, { kind: SpanKind.INTERNAL, attributes }, this.context);
  }

  /** Runs a handler with its span active. */
  runHandler<E, R>(span: Span, fn: (event: E) => R, event: E): R {
    return contextApi.with(traceApi.setSpan(this.context, span), fn, undefined, event);
  }

  /** One handler finished: its span ends (the error's message recorded, never its payload), its duration goes to the histogram. */
  handlerSettled(handler: string, ok: boolean, durationMs: number, span: Span | undefined, error?: unknown): void {
    if (!ok) this.handlerFailed = true;
    const instruments = this.telemetry.instruments;
    if (instruments !== undefined) {
      const attributes: Attributes = { [PROVIDER]: this.telemetry.provider, [HANDLER]: handler, [OUTCOME]: ok ? "ok" : "error" };
      if (this.event !== undefined) attributes[EVENT] = this.event;
      instruments.handlerDuration.record(durationMs / 1000, attributes);
    }
    if (span === undefined) return;
    span.setAttribute(OUTCOME, ok ? "ok" : "error");
    if (!ok) {
      // The message only (the handler's own words): no stack, no event.
      const type = error instanceof Error ? error.name : typeof error;
      const message = (error instanceof Error ? error.message : String(error)).slice(0, MAX_MESSAGE);
      span.addEvent("exception", { "exception.type": type, "exception.message": message });
      span.setAttribute("error.type", type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: "handler failed" });
    }
    span.end();
  }

  /** The delivery was answered with `response` (or, deferred, its handlers settled with it). */
  finish(response: WebhookResponse): void {
    const status = response.status;
    let outcome: DeliveryOutcome;
    let code: string | undefined;
    if (status < 300) outcome = response.body === DUPLICATE_BODY ? "duplicate" : "processed";
    else if (status === 409) {
      outcome = "in_flight";
      code = "DUPLICATE_IN_FLIGHT";
    } else {
      outcome = this.claimed ? "failed" : "rejected";
      code = codeOf(response);
    }
    if (this.kept) outcome = "kept";
    this.#end(outcome, this.answeredWith ?? status, code);
  }

  /** The delivery was refused with a `WebhookError` thrown before its handlers ran. */
  reject(error: WebhookError): void {
    const instruments = this.telemetry.instruments;
    if (instruments !== undefined && this.kind === "delivery") instruments.rejections.add(1, { [PROVIDER]: this.telemetry.provider, [ERROR_CODE]: error.code });
    this.#end(this.kept ? "kept" : this.claimed ? "failed" : "rejected", error.status, error.code);
  }

  /** A recovery or replay ended with this outcome (the recoverer's or `replay()`'s own words). */
  finishRun(outcome: string, failed: boolean): void {
    if (this.kind === "recovery" && this.telemetry.instruments !== undefined) this.telemetry.instruments.recoveries.add(1, { [PROVIDER]: this.telemetry.provider, [OUTCOME]: outcome });
    if (failed) this.handlerFailed = true;
    this.#end(outcome, undefined, undefined);
  }

  #end(outcome: string, status: number | undefined, code: string | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    const instruments = this.telemetry.instruments;
    if (instruments !== undefined && this.kind === "delivery") {
      const attributes: Attributes = { [PROVIDER]: this.telemetry.provider, [OUTCOME]: outcome };
      // Only authenticated deliveries carry a tenant and an event: before that, both are the sender's text.
      if (this.authenticated) {
        if (this.tenantId !== undefined) attributes[TENANT] = this.tenantId;
        if (this.event !== undefined) attributes[EVENT] = this.event;
      }
      instruments.deliveries.add(1, attributes);
    }
    const span = this.span;
    if (this.recording) {
      const attributes: Attributes = { [OUTCOME]: outcome };
      if (this.authenticated && this.tenantId !== undefined) attributes[TENANT] = this.tenantId;
      if (this.event !== undefined) attributes[EVENT] = this.event;
      if (this.dedupeId !== undefined) attributes[DEDUPE_ID] = this.dedupeId;
      if (status !== undefined) attributes["http.response.status_code"] = status;
      if (code !== undefined) attributes[ERROR_CODE] = code;
      const failed = (status !== undefined && status >= 500) || this.handlerFailed;
      if (failed) {
        attributes["error.type"] = code ?? "HANDLER_FAILED";
        span.setStatus({ code: SpanStatusCode.ERROR, message: code ?? "handler failed" });
      }
      span.setAttributes(attributes);
    }
    span.end();
  }
}

/** The error code of an error answer (`{"error":{"code"}}`): read only on the error path. */
function codeOf(response: WebhookResponse): string | undefined {
  try {
    const code = (JSON.parse(response.body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The receiver's telemetry for its `telemetry` option: `false` turns it off, anything else
 * reports to the given providers or the global ones.
 */
export function createTelemetry(option: TelemetryOptions | false | undefined, provider: string): ReceiverTelemetry | undefined {
  return option === false ? undefined : new ReceiverTelemetry(option ?? {}, provider);
}
