import type { ClaimResult, DedupeStore } from "./dedupe-store.js";
import { authenticateDelivery, parseEvent } from "./authenticate-delivery.js";
import { WebhookError, isWebhookError, type WebhookErrorCode } from "./errors.js";
import { MemoryFailureSink, type FailedDelivery, type FailureReason, type FailureSink } from "./failure-sink.js";
import { contentHash } from "./hash.js";
import { silentLogger, type Logger } from "./logger.js";
import { LruDedupeStore } from "./lru-dedupe-store.js";
import type { MetricEvent, MetricsListener } from "./metrics.js";
import { normalizedEventsOf } from "./normalized-events.js";
import type {
  AnyEventOf,
  EventMapOf,
  IdentifiedEvent,
  Provider,
  WebhookEvent,
  WebhookRequest,
  WebhookResponse,
} from "./types.js";

/**
 * 1 MiB: far above any documented delivery, far below what could hurt the process.
 *
 * @example
 * ```ts
 * createWebhooks({ provider, maxBodyBytes: DEFAULT_MAX_BODY_BYTES / 4 }); // 256 KiB
 * ```
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/**
 * The in-flight lease: renewed while handlers run, so it only needs to outlive a crash's detection.
 *
 * @example
 * ```ts
 * createWebhooks({ provider, leaseMs: DEFAULT_LEASE_MS * 2 }); // a crashed instance's events wait up to 60 s
 * ```
 */
export const DEFAULT_LEASE_MS = 30_000;
/**
 * 48 h: longer than the longest retry horizon of any sender (Crossmint retries for ~32 h).
 *
 * @example
 * ```ts
 * createWebhooks({ provider, doneTtlMs: DEFAULT_DONE_TTL_MS * 2 }); // remember done events for 4 days
 * ```
 */
export const DEFAULT_DONE_TTL_MS = 48 * 60 * 60 * 1000;

/**
 * Options of {@link createWebhooks}.
 *
 * @example
 * ```ts
 * createWebhooks({ provider: proven({ apiKey: "dev-key" }), maxBodyBytes: 256 * 1024 });
 * ```
 */
export interface WebhooksOptions<P extends Provider> {
  /** The sender, e.g. `proven({ apiKey })`. */
  provider: P;
  /** Where events are remembered for dedupe; default an in-process {@link LruDedupeStore}. */
  store?: DedupeStore;
  /** Where deliveries that would otherwise be lost are kept; default in memory. */
  failures?: FailureSink;
  /** Largest body accepted, in bytes (default 1 MiB); larger is 413. */
  maxBodyBytes?: number;
  /** In-flight lease in ms (default 30 s), renewed while handlers run. */
  leaseMs?: number;
  /** How long a done event is remembered, in ms (default 48 h). */
  doneTtlMs?: number;
  /**
   * Answer 202 once handlers have run this long and let them finish in the background
   * (for senders that give up quickly). Defaults to the provider's own; `false` turns it off.
   */
  responseDeadlineMs?: number | false;
  /** pino-compatible logger; silent by default. Never given secrets or payloads. */
  logger?: Logger;
  /** Receives counters and latencies: accepted, duplicate, rejected by code, handler latency per tenant and event. */
  metrics?: MetricsListener;
}

/**
 * A handler of one event (or of one of several events, as a discriminated union). It may
 * be async; a throw (or rejection) answers 500 `HANDLER_FAILED` and the sender's redelivery
 * runs it again.
 *
 * @example
 * ```ts
 * const onDone: Handler<WebhookEvent<"credentials:done", { cred_ex_id: string }>> = async (event) => {
 *   await saveCredential(event.payload.cred_ex_id);
 * };
 * ```
 */
export type Handler<E> = (event: E) => unknown;

/**
 * Options of one handler registration.
 *
 * @example
 * ```ts
 * hooks.on("credentials:done", saveCredential, { id: "save-credential" });
 * ```
 */
export interface HandlerOptions {
  /**
   * A stable id for this handler. credhooks records each handler's success under the
   * event, so a redelivery after a partial failure runs only the handlers that failed.
   * Defaults to the event name and registration order (`"credentials:done#0"`), which is
   * stable as long as handlers are registered in the same order on every start.
   */
  id?: string;
}

/**
 * How a replay from the failure sink ended.
 *
 * @example
 * ```ts
 * for (const outcome of await hooks.replayAll()) {
 *   if (outcome.status === "failed") console.warn(outcome.key, outcome.error);
 * }
 * ```
 */
export type ReplayOutcome =
  | { key: string; status: "handled" | "duplicate" | "in-flight" | "not-found" }
  | { key: string; status: "failed" | "invalid-payload"; error: string };

/**
 * The framework-free webhook receiver. Adapters wrap one: `@credhooks/express`,
 * `@credhooks/koa`.
 *
 * @example
 * ```ts
 * const hooks = createWebhooks({ provider: proven({ apiKey: (tenantId) => keys.get(tenantId) }) });
 * hooks.on("credentials:done", async (event) => saveCredential(event.tenantId, event.payload.cred_ex_id));
 * const response = await hooks.handle(request); // never rejects
 * ```
 */
export interface Webhooks<M extends Record<string, unknown> = Record<string, unknown>> {
  /** The provider this receiver authenticates and parses. */
  readonly provider: Provider;
  /** The failure sink (dead letters): deliveries kept because they could not be handled. */
  readonly failures: FailureSink;
  /** Registers a handler for one event or several; handlers of an event run concurrently. */
  on<N extends keyof M & string>(name: N | readonly N[], handler: Handler<AnyEventOf<Pick<M, N>>>, options?: HandlerOptions): this;
  /** Registers a handler for every authenticated event, known or not. */
  onAny(handler: Handler<AnyEventOf<M> | WebhookEvent<string, unknown>>, options?: HandlerOptions): this;
  /** Registers a handler for event names the provider does not know (the sender added a new event). */
  onUnhandled(handler: Handler<WebhookEvent<string, unknown>>, options?: HandlerOptions): this;
  /** Receives the AggregateError of failed handlers, with the event. Errors thrown here are logged, never rethrown. */
  onError(handler: (error: AggregateError, event: WebhookEvent<string, unknown>) => unknown): this;
  /** Handles one delivery. Never rejects. */
  handle(request: WebhookRequest): Promise<WebhookResponse>;
  /** Runs a failed delivery's handlers again, through the same dedupe claim; removes it from the sink on success. */
  replay(key: string): Promise<ReplayOutcome>;
  /** {@link Webhooks.replay} for every entry of the sink. */
  replayAll(): Promise<ReplayOutcome[]>;
}

interface Registered {
  readonly id: string;
  readonly fn: (event: WebhookEvent<string, unknown>) => unknown;
}

interface Prepared {
  readonly key: string;
  readonly event: WebhookEvent<string, unknown>;
  readonly known: boolean;
  /** The value the schema validated: what the failure sink keeps, so a replay validates it again. */
  readonly input: unknown;
}

/** A handler bound to the event it receives (the provider's own, or a normalized one). */
interface Pending {
  readonly handler: Registered;
  readonly event: WebhookEvent<string, unknown>;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" } as const;
const TIMED_OUT = Symbol("timed out");

/**
 * Creates a webhook receiver for one provider.
 *
 * @example
 * ```ts
 * import { createWebhooks } from "@credhooks/core";
 * import { proven } from "@credhooks/core/providers/proven";
 *
 * const hooks = createWebhooks({ provider: proven({ apiKey: process.env.PROVEN_API_KEY! }) });
 * hooks.on("connection:completed", (event) => console.log(event.payload.connection_id));
 * ```
 */
export function createWebhooks<P extends Provider>(options: WebhooksOptions<P>): Webhooks<EventMapOf<P>> {
  const provider = options.provider;
  const store = options.store ?? new LruDedupeStore();
  const failures = options.failures ?? new MemoryFailureSink();
  const logger = options.logger ?? silentLogger;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const doneTtlMs = options.doneTtlMs ?? DEFAULT_DONE_TTL_MS;
  const deadlineMs = options.responseDeadlineMs === false ? undefined : (options.responseDeadlineMs ?? provider.responseDeadlineMs);
  const metricsListener = options.metrics;
  const metric = (event: MetricEvent): void => {
    if (!metricsListener) return;
    try {
      metricsListener(event);
    } catch (error) {
      logger.warn({ provider: provider.id, err: describe(error) }, "credhooks: the metrics listener threw");
    }
  };

  const byName = new Map<string, Registered[]>();
  const anyHandlers: Registered[] = [];
  const unhandledHandlers: Registered[] = [];
  const errorHandlers: Array<(error: AggregateError, event: WebhookEvent<string, unknown>) => unknown> = [];

  const register = (list: Registered[], fallbackId: string, fn: Registered["fn"], opts?: HandlerOptions): void => {
    list.push({ id: opts?.id ?? `${fallbackId}#${list.length}`, fn });
  };

  const keyOf = (tenantId: string | undefined, dedupeId: string): string =>
    `${provider.id}:${tenantId === undefined ? "" : encodeURIComponent(tenantId)}:${dedupeId}`;

  async function keep(
    entry: Omit<FailedDelivery, "attempts" | "firstFailedAt" | "lastFailedAt">,
  ): Promise<void> {
    try {
      const previous = await failures.get(entry.key);
      const at = new Date().toISOString();
      await failures.put({ ...entry, attempts: (previous?.attempts ?? 0) + 1, firstFailedAt: previous?.firstFailedAt ?? at, lastFailedAt: at });
      logger.warn({ provider: provider.id, tenantId: entry.tenantId, event: entry.name, id: entry.dedupeId, reason: entry.reason }, "credhooks: delivery kept in the failure sink");
    } catch (error) {
      logger.error({ provider: provider.id, tenantId: entry.tenantId, event: entry.name, id: entry.dedupeId, err: describe(error) }, "credhooks: the failure sink could not store a delivery");
    }
  }

  async function reportErrors(error: AggregateError, event: WebhookEvent<string, unknown>): Promise<void> {
    logger.error({ provider: provider.id, tenantId: event.tenantId, event: event.name, id: event.id, failures: error.errors.length }, "credhooks: handlers failed");
    for (const onError of errorHandlers) {
      try {
        await onError(error, event);
      } catch (thrown) {
        logger.error({ provider: provider.id, event: event.name, err: describe(thrown) }, "credhooks: an onError handler threw");
      }
    }
  }

  function handlersFor(prepared: Prepared): Pending[] {
    const { event } = prepared;
    const own = prepared.known ? (byName.get(event.name) ?? []) : unhandledHandlers;
    const pending: Pending[] = [];
    for (const handler of own) pending.push({ handler, event });
    for (const handler of anyHandlers) pending.push({ handler, event });
    if (prepared.known && provider.normalize) {
      for (const normalized of normalizedEventsOf(event, provider.normalize)) {
        for (const handler of byName.get(normalized.name) ?? []) pending.push({ handler, event: normalized });
      }
    }
    return pending;
  }

  /** Claims the event, runs the handlers that have not succeeded yet, and settles the claim. */
  /** Claims the event: a claim to run its handlers, or the answer for a duplicate. */
  async function claimEvent(prepared: Prepared): Promise<{ token: string; succeeded: ReadonlySet<string> } | WebhookResponse> {
    const { key, event } = prepared;
    let claim: ClaimResult;
    try {
      const claiming = store.claim(key, leaseMs);
      claim = isThenable(claiming) ? await claiming : claiming;
    } catch (cause) {
      logger.error({ provider: provider.id, tenantId: event.tenantId, event: event.name, id: event.id, err: describe(cause) }, "credhooks: dedupe store unavailable");
      // A sender that never retries would lose the event with this 503: keep it for replay.
      if (!provider.retries) await keepEvent(prepared, "store-unavailable", `The dedupe store was unavailable: ${describe(cause)}`);
      throw new WebhookError("STORE_UNAVAILABLE", "The dedupe store is unavailable, so the event was not processed; retry later.", { cause });
    }
    if (claim.status === "done") {
      if (metricsListener) metric({ type: "delivery.duplicate", provider: provider.id, tenantId: event.tenantId, event: event.name, id: event.id, inFlight: false });
      return json(200, DUPLICATE_BODY);
    }
    if (claim.status === "in-flight") {
      if (metricsListener) metric({ type: "delivery.duplicate", provider: provider.id, tenantId: event.tenantId, event: event.name, id: event.id, inFlight: true });
      return errorResponse(new WebhookError("DUPLICATE_IN_FLIGHT", "This event is being processed by an earlier delivery; retry later to learn its outcome."));
    }
    return claim;
  }

  /** Claims the event and runs it to the end (replays; deliveries without a deadline). */
  async function process(prepared: Prepared, answered: { value: boolean }): Promise<WebhookResponse> {
    const claim = await claimEvent(prepared);
    return isResponse(claim) ? claim : dispatch(prepared, claim, answered);
  }

  /** Runs the handlers that have not succeeded yet under the claim, and settles it. */
  async function dispatch(prepared: Prepared, claim: { token: string; succeeded: ReadonlySet<string> }, answered: { value: boolean }): Promise<WebhookResponse> {
    const { key, event } = prepared;
    const token = claim.token;
    const startedAt = metricsListener ? performance.now() : 0;
    if (metricsListener) metric({ type: "delivery.accepted", provider: provider.id, tenantId: event.tenantId, event: event.name, id: event.id });
    const all = handlersFor(prepared);
    const pending = claim.succeeded.size === 0 ? all : all.filter((p) => !claim.succeeded.has(p.handler.id));

    const errors: unknown[] = [];
    if (pending.length > 0) {
      leases.hold(key, token);
      try {
        // With one handler, its success is recorded by completing the event right after:
        // a separate record would add a store round trip and close no crash window.
        const record = pending.length > 1;
        if (pending.length === 1) await runHandler(pending[0]!, prepared, token, record, errors);
        else await Promise.all(pending.map((p) => runHandler(p, prepared, token, record, errors)));
      } finally {
        leases.drop(key, token);
      }
    }

    if (metricsListener) metric({ type: "delivery.settled", provider: provider.id, tenantId: event.tenantId, event: event.name, id: event.id, ok: errors.length === 0, durationMs: performance.now() - startedAt });
    if (errors.length === 0) {
      try {
        const completing = store.complete(key, token, doneTtlMs);
        if (isThenable(completing)) await completing;
      } catch (error) {
        // The handlers succeeded: answering non-2xx would only make the sender redeliver.
        logger.error({ provider: provider.id, id: event.id, err: describe(error) }, "credhooks: could not mark the event done");
      }
      if (!prepared.known) {
        if (!provider.retries) await keepEvent(prepared, "unhandled", `"${event.name}" is not an event credhooks knows for ${provider.id}; kept because ${provider.id} does not redeliver.`);
        return UNHANDLED_RESPONSE();
      }
      return RECEIVED_RESPONSE();
    }

    try {
      await store.release(key, token, doneTtlMs);
    } catch (error) {
      logger.warn({ provider: provider.id, id: event.id, err: describe(error) }, "credhooks: could not release the claim; it expires with its lease");
    }
    const aggregate = new AggregateError(errors, `${errors.length} of ${pending.length} handler(s) failed for ${provider.id} event ${event.name}`);
    await reportErrors(aggregate, event);
    const message = `${errors.length} of ${pending.length} handler(s) failed for "${event.name}"; the event was not marked done, so a redelivery runs the failed handlers again.`;
    if (answered.value) await keepEvent(prepared, "failed-after-response", message + " " + firstMessages(errors));
    else if (!provider.retries) await keepEvent(prepared, "handler-failed", message + " " + firstMessages(errors));
    return errorResponse(new WebhookError("HANDLER_FAILED", message));
  }

  /** Runs one handler; records its success under the event when other handlers share it. */
  async function runHandler({ handler, event: received }: Pending, prepared: Prepared, token: string, record: boolean, errors: unknown[]): Promise<void> {
    const { key, event } = prepared;
    const handlerStart = metricsListener ? performance.now() : 0;
    try {
      await handler.fn(received);
    } catch (error) {
      errors.push(error);
      if (metricsListener) metric({ type: "handler.settled", provider: provider.id, tenantId: event.tenantId, event: event.name, id: event.id, handler: handler.id, ok: false, durationMs: performance.now() - handlerStart });
      return;
    }
    if (metricsListener) metric({ type: "handler.settled", provider: provider.id, tenantId: event.tenantId, event: event.name, id: event.id, handler: handler.id, ok: true, durationMs: performance.now() - handlerStart });
    if (!record) return;
    try {
      const recording = store.handlerSucceeded(key, token, handler.id, doneTtlMs);
      if (isThenable(recording)) await recording;
    } catch (error) {
      logger.warn({ provider: provider.id, id: event.id, handler: handler.id, err: describe(error) }, "credhooks: could not record a handler's success");
    }
  }

  /**
   * The in-flight leases of this receiver, renewed every `leaseMs / 2` by one timer while
   * any handler runs (one timer per receiver, not one per event).
   */
  const leases = (() => {
    const held = new Map<string, string>();
    let timer: NodeJS.Timeout | undefined;
    const renewAll = (): void => {
      for (const [key, token] of held) {
        Promise.resolve()
          .then(() => store.renew(key, token, leaseMs))
          .then(
            (kept) => kept || logger.warn({ provider: provider.id, key }, "credhooks: the in-flight lease was lost while handlers ran"),
            (error: unknown) => logger.warn({ provider: provider.id, key, err: describe(error) }, "credhooks: renewing the in-flight lease failed"),
          );
      }
    };
    return {
      hold(key: string, token: string): void {
        held.set(key, token);
        if (!timer) {
          timer = setInterval(renewAll, Math.max(1, Math.floor(leaseMs / 2)));
          timer.unref();
        }
      },
      drop(key: string, token: string): void {
        if (held.get(key) === token) held.delete(key);
        if (held.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      },
    };
  })();

  function keepEvent(prepared: Prepared, reason: FailureReason, error: string): Promise<void> {
    const { event } = prepared;
    return keep({ key: prepared.key, provider: provider.id, tenantId: event.tenantId, name: event.name, dedupeId: event.id, payload: prepared.input, raw: event.raw, reason, error });
  }


  function prepare(identified: IdentifiedEvent, tenantId: string | undefined, receivedAt: number): Prepared | WebhookError {
    const parsed = parseEvent(provider, identified, tenantId, receivedAt);
    if (parsed instanceof WebhookError) return parsed;
    return { key: keyOf(tenantId, identified.dedupeId), event: parsed.event, known: parsed.known, input: identified.payload };
  }

  async function run(prepared: Prepared): Promise<WebhookResponse> {
    if (deadlineMs === undefined) return process(prepared, { value: false });
    // The deadline covers the handlers only: the claim must be settled before any answer,
    // or a claim failing after a 202 would lose the event.
    const claim = await claimEvent(prepared);
    if (isResponse(claim)) return claim;
    const answered = { value: false };
    const work = dispatch(prepared, claim, answered);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(resolve, deadlineMs, TIMED_OUT);
    });
    const first = await Promise.race([work, deadline]);
    clearTimeout(timer);
    if (first !== TIMED_OUT) return first;
    answered.value = true;
    work.catch((error: unknown) => logger.error({ provider: provider.id, err: describe(error) }, "credhooks: background processing failed"));
    return json(202, PENDING_BODY);
  }


  async function pipeline(request: WebhookRequest): Promise<WebhookResponse> {
    const receivedAt = Date.now();
    const delivery = await authenticateDelivery(provider, request, maxBodyBytes, receivedAt);
    const { tenantId, body, rawBody } = delivery;

    // Authenticated from here on: whatever goes wrong, the delivery is kept rather than lost.
    let identified: IdentifiedEvent;
    try {
      identified = provider.identify(delivery);
    } catch (error) {
      if (isWebhookError(error) && error.code === "INVALID_PAYLOAD") {
        const redacted = provider.redact ? provider.redact(body) : body;
        const dedupeId = contentHash(rawBody);
        await keep({ key: keyOf(tenantId, dedupeId), provider: provider.id, tenantId, name: undefined, dedupeId, payload: redacted, raw: redacted, reason: "invalid-payload", error: error.message });
      }
      throw error;
    }
    const prepared = prepare(identified, tenantId, receivedAt);
    if (prepared instanceof WebhookError) {
      await keep({ key: keyOf(tenantId, identified.dedupeId), provider: provider.id, tenantId, name: identified.name, dedupeId: identified.dedupeId, payload: identified.payload, raw: identified.raw, reason: "invalid-payload", error: prepared.message });
      throw prepared;
    }
    return run(prepared);
  }

  async function replay(key: string): Promise<ReplayOutcome> {
    const entry = await failures.get(key);
    if (!entry) return { key, status: "not-found" };
    if (entry.name === undefined) return { key, status: "invalid-payload", error: entry.error };
    const prepared = prepare({ name: entry.name, payload: entry.payload, raw: entry.raw, dedupeId: entry.dedupeId }, entry.tenantId, Date.now());
    if (prepared instanceof WebhookError) return { key, status: "invalid-payload", error: prepared.message };
    const response = await process(prepared, { value: false });
    if (response.status === 200) {
      await failures.delete(key);
      return { key, status: response.body === DUPLICATE_BODY ? "duplicate" : "handled" };
    }
    if (response.status === 409) return { key, status: "in-flight" };
    return { key, status: "failed", error: response.body };
  }

  const hooks: Webhooks<Record<string, unknown>> = {
    provider,
    failures,
    on(name, handler, opts) {
      for (const one of typeof name === "string" ? [name] : name) {
        let list = byName.get(one);
        if (!list) byName.set(one, (list = []));
        register(list, one, handler as Registered["fn"], opts);
      }
      return this;
    },
    onAny(handler, opts) {
      register(anyHandlers, "*", handler as Registered["fn"], opts);
      return this;
    },
    onUnhandled(handler, opts) {
      register(unhandledHandlers, "?", handler as Registered["fn"], opts);
      return this;
    },
    onError(handler) {
      errorHandlers.push(handler);
      return this;
    },
    async handle(request) {
      try {
        return await pipeline(request);
      } catch (error) {
        if (isWebhookError(error)) {
          const tenantId = request.params?.["tenantId"];
          if (metricsListener) metric({ type: "delivery.rejected", provider: provider.id, tenantId, code: error.code, status: error.status });
          (error.status >= 500 ? logger.error : logger.warn).call(logger, { provider: provider.id, tenantId, code: error.code, status: error.status }, "credhooks: delivery rejected");
          return errorResponse(error);
        }
        logger.error({ provider: provider.id, err: describe(error) }, "credhooks: internal error");
        return errorResponse(new WebhookError("INTERNAL_ERROR", "credhooks failed unexpectedly while handling this delivery; it was not processed. Retry later."));
      }
    },
    replay,
    async replayAll() {
      const outcomes: ReplayOutcome[] = [];
      for (const entry of await failures.list()) outcomes.push(await replay(entry.key));
      return outcomes;
    },
  };
  return hooks as unknown as Webhooks<EventMapOf<P>>;
}

const isThenable = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> => typeof (value as { then?: unknown } | undefined)?.then === "function";
const isResponse = (value: object): value is WebhookResponse => typeof (value as { status?: unknown }).status === "number";

const RECEIVED_BODY = '{"received":true}';
const DUPLICATE_BODY = '{"received":true,"duplicate":true}';
const UNHANDLED_BODY = '{"received":true,"unhandled":true}';
const PENDING_BODY = '{"received":true,"pending":true}';

/** A response answered often: headers computed once, a fresh object each time (callers may change it). */
function fixedResponse(status: number, body: string): () => WebhookResponse {
  const headers = { ...JSON_HEADERS, "content-length": String(Buffer.byteLength(body)) };
  return () => ({ status, headers: { ...headers }, body });
}
const RECEIVED_RESPONSE = fixedResponse(200, RECEIVED_BODY);
const UNHANDLED_RESPONSE = fixedResponse(200, UNHANDLED_BODY);

function json(status: number, body: string, headers?: Readonly<Record<string, string>>): WebhookResponse {
  const base = { ...JSON_HEADERS, "content-length": String(Buffer.byteLength(body)) };
  return { status, headers: headers ? { ...base, ...headers } : base, body };
}

/**
 * The response for an error: `{"error":{"code","message"}}` with the code's status.
 *
 * @example
 * ```ts
 * errorResponse(new WebhookError("UNKNOWN_ROUTE", "No route")); // { status: 404, ... }
 * ```
 */
export function errorResponse(error: WebhookError): WebhookResponse {
  return json(error.status, JSON.stringify({ error: { code: error.code satisfies WebhookErrorCode, message: error.message } }), error.headers);
}

function describe(error: unknown): string {
  if (isWebhookError(error)) return error.code;
  return error instanceof Error ? `${error.name}: ${error.message}` : "non-error thrown";
}

function firstMessages(errors: readonly unknown[]): string {
  return errors.slice(0, 3).map((e) => (e instanceof Error ? e.message : String(e)).slice(0, 200)).join(" | ");
}
