import type { DedupeStore } from "./dedupe-store.js";
import { WebhookError, isWebhookError } from "./errors.js";
import { MemoryFailureSink, type FailureSink } from "./failure-sink.js";
import { HandlerRegistry, type Registered } from "./handler-registry.js";
import { silentLogger, type Logger } from "./logger.js";
import { LruDedupeStore } from "./lru-dedupe-store.js";
import type { MetricEvent, MetricsListener } from "./metrics.js";
import { checkKey, createMultiWebhooks, isMultiOptions, type MultiWebhooks, type MultiWebhooksOptions, type ProviderEntry, type ProvidersOf } from "./multi-webhooks.js";
import { authenticate, type ReadOptions } from "./stages/authenticate.js";
import { claim as claimEvent, type Claim } from "./stages/claim.js";
import type { PreparedEvent, ReceiverContext } from "./stages/context.js";
import { dispatch } from "./stages/dispatch.js";
import { identify } from "./stages/identify.js";
import { keep } from "./stages/keep.js";
import { LeaseKeeper } from "./stages/leases.js";
import { recoverDue, type RecoverySummary } from "./stages/recover.js";
import { DUPLICATE_BODY, describe, errorResponse, isThenable, pendingResponse } from "./stages/responses.js";
import { settle } from "./stages/settle.js";
import { prepare } from "./stages/validate.js";
import { createTelemetry, type DeliveryTrace, type TelemetryOptions } from "./telemetry.js";
import type { AnyEventOf, EventMapOf, IdentifiedEvent, Provider, WebhookEvent, WebhookRequest, WebhookResponse } from "./types.js";

export { errorResponse } from "./stages/responses.js";
export type { RecoverySummary } from "./stages/recover.js";

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
  /**
   * The name this receiver's events are kept under in the store and the failure sink (the
   * first part of every dedupe key and the inbox queue); default the provider id. Give two
   * receivers of one provider (two Proven agents) sharing a store different keys, so their
   * events can never collide. Letters, digits, `-` and `_`. In the multi-provider form it
   * is each provider's key in `providers`.
   */
  key?: string;
  /** Where events are remembered for dedupe; default an in-process {@link LruDedupeStore}. */
  store?: DedupeStore;
  /** Where deliveries that would otherwise be lost are kept; default in memory. */
  failures?: FailureSink;
  /** Largest body accepted, in bytes (default 1 MiB); larger is 413. */
  maxBodyBytes?: number;
  /**
   * How long the whole body may take to arrive once credhooks starts reading it, in ms
   * (default 10 s, `DEFAULT_BODY_TIMEOUT_MS`); later is 408 `REQUEST_TIMEOUT` and the
   * connection is closed. Node's own limits still apply to the headers
   * (`server.headersTimeout`).
   */
  bodyTimeoutMs?: number;
  /**
   * Canonicalises the tenant id taken from the path (`/events/:tenantId`, decoded once)
   * before anything uses it: credential resolvers, dedupe keys, `event.tenantId`, the
   * failure sink. Use it when your resolver treats two spellings as one tenant (case,
   * Unicode normalisation), so that one tenant cannot be addressed, and one delivery
   * processed, under two spellings: `(id) => id.normalize("NFC").toLowerCase()`. Returning
   * `undefined` (or "") answers 404 `UNKNOWN_ROUTE` before the body is read. Default: the id
   * exactly as in the URL.
   */
  canonicalTenantId?: (tenantId: string) => string | undefined;
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
  /**
   * OpenTelemetry traces and metrics, through `@opentelemetry/api`: a span per delivery with
   * a child span per handler, and the `credhooks.*` metrics. Default: the global tracer and
   * meter providers (no-ops until the app registers an SDK); pass providers to report to
   * them instead, or `false` to turn both off.
   */
  telemetry?: TelemetryOptions | false;
  /**
   * When to answer the sender. `"after-handlers"` (default): once the handlers ran (or at
   * the response deadline). `"when-stored"`: 202 as soon as the event is written to the
   * inbox with its claim, handlers run after (ack-then-process), whatever the sender.
   * Events of senders that never redeliver, and of senders with a response deadline, go
   * through the inbox either way.
   */
  acknowledge?: "after-handlers" | "when-stored";
  /** Recovery of inbox events (their process died, or their handlers failed); `false` turns the periodic pass off. */
  recovery?: RecoveryOptions | false;
}

/**
 * Options of the recoverer, which takes back inbox events whose process died or whose
 * handlers failed, and runs the handlers that have not succeeded.
 *
 * @example
 * ```ts
 * createWebhooks({ provider, store, recovery: { intervalMs: 10_000, maxAttempts: 8 } });
 * ```
 */
export interface RecoveryOptions {
  /** How often each instance looks for due inbox events, in ms (default 5 s). A pass also runs at start. */
  intervalMs?: number;
  /** Attempts (the first delivery included) before an event moves to the failure sink (default 5). */
  maxAttempts?: number;
  /** Delay before the next attempt after `attempt` failed ones (default 2 s × 4^(attempt−1), at most 5 min). */
  backoffMs?: (attempt: number) => number;
  /** Inbox events recovered at once by each instance (default 16): a freed slot takes the next due one. */
  batchSize?: number;
  /** `false`: no pass at start and no periodic pass; only `hooks.recover()` recovers (default `true`). */
  automatic?: boolean;
}

/**
 * Options of {@link Webhooks.close}.
 *
 * @example
 * ```ts
 * process.once("SIGTERM", () => void hooks.close({ timeoutMs: 10_000 }));
 * ```
 */
export interface CloseOptions {
  /** How long to wait for running handlers, in ms (default 10 s). Events still running then are left to recovery. */
  timeoutMs?: number;
}

/**
 * What {@link Webhooks.close} found.
 *
 * @example
 * ```ts
 * const { unfinished } = await hooks.close();
 * if (unfinished > 0) console.warn(`${unfinished} event(s) left for recovery`);
 * ```
 */
export interface CloseResult {
  /** Events whose handlers settled while closing. */
  readonly settled: number;
  /** Events still running at the timeout: left for recovery (inbox) or the sender's redelivery. */
  readonly unfinished: number;
}

/**
 * Default of `recovery.backoffMs`: 2 s, 8 s, 32 s, 128 s, then at most 5 min.
 *
 * @example
 * ```ts
 * createWebhooks({ provider, recovery: { backoffMs: (attempt) => defaultBackoffMs(attempt) * 2 } });
 * ```
 */
export function defaultBackoffMs(attempt: number): number {
  return Math.min(300_000, 2_000 * 4 ** Math.max(0, attempt - 1));
}

/**
 * A handler of one event (or of one of several events, as a discriminated union). It may
 * be async; a throw (or rejection) answers 500 `HANDLER_FAILED`, and the sender's
 * redelivery (or, for events in the inbox, credhooks' own retry) runs it again.
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
  /**
   * Run the handler inside the store's transaction and record its success in it: the
   * handler gets the open transaction as `event.transaction`, and its writes commit together
   * with its success record, or roll back with its failure. Needs a store that implements
   * `runInTransaction` (`@credhooks/postgres`).
   */
  transactional?: boolean;
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
  /**
   * Registers a handler for one event or several; handlers of an event run concurrently.
   * Names are the provider's canonical event names and the normalized names it emits; any
   * other name throws a `TypeError` listing the valid ones.
   */
  on<N extends keyof M & string>(name: N | readonly N[], handler: Handler<AnyEventOf<Pick<M, NoInfer<N>>>>, options?: HandlerOptions): this;
  /**
   * Removes a handler registered with {@link Webhooks.on} for these names (every
   * registration of that function). Deliveries already running are not affected. Unknown
   * names throw, as in `on()`.
   */
  off<N extends keyof M & string>(name: N | readonly N[], handler: Handler<AnyEventOf<Pick<M, NoInfer<N>>>>): this;
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
  /**
   * {@link Webhooks.replay} for every entry of the sink that belongs to this receiver's
   * provider, read from the sink a page at a time (`failures.list({ limit, after })`).
   */
  replayAll(): Promise<ReplayOutcome[]>;
  /**
   * Takes back inbox events that are due (their process died, or their retry time came)
   * and runs their handlers that have not succeeded. Runs by itself at start and every
   * `recovery.intervalMs`; call it to recover on demand.
   */
  recover(): Promise<RecoverySummary>;
  /**
   * Stops accepting (503 `SHUTTING_DOWN` with `Retry-After`), aborts the `signal` of running
   * events, waits for their handlers up to `timeoutMs`, and stops the receiver's timers.
   * Unfinished inbox events stay for recovery by another instance or the next start.
   */
  close(options?: CloseOptions): Promise<CloseResult>;
}

const TIMED_OUT = Symbol("timed out");
/** Entries `replayAll()` reads from the failure sink per call. */
const REPLAY_PAGE_SIZE = 100;
const DEFAULT_RECOVERY_INTERVAL_MS = 5_000;
const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/**
 * Creates a webhook receiver: for one provider (`{ provider }`), or for several at once
 * (`{ providers: { proven: …, lissi: … } }`, each served under `/<key>` below the mount
 * point — see {@link MultiWebhooks}). This file only wires the pipeline's stages
 * (`stages/`): route → read the body → authenticate → identify → validate → claim (+ inbox)
 * → dispatch → settle, with keep (failure sink) and recover beside them.
 *
 * @example
 * ```ts
 * import { createWebhooks } from "@credhooks/core";
 * import { proven } from "@credhooks/core/providers/proven";
 * import { lissi } from "@credhooks/core/providers/lissi";
 *
 * const hooks = createWebhooks({ provider: proven({ apiKey: process.env.PROVEN_API_KEY! }) });
 * hooks.on("connection:completed", (event) => console.log(event.payload.connection_id));
 *
 * const all = createWebhooks({ providers: { proven: proven({ apiKey: "k1" }), lissi: lissi({ apiKey: "k2" }) } });
 * all.on("credential.issued", (event) => console.log(event.payload.provider, event.payload.recordId));
 * ```
 */
export function createWebhooks<PS extends Record<string, ProviderEntry>>(options: MultiWebhooksOptions<PS>): MultiWebhooks<ProvidersOf<PS>>;
export function createWebhooks<P extends Provider>(options: WebhooksOptions<P>): Webhooks<EventMapOf<P>>;
export function createWebhooks(options: WebhooksOptions<Provider> | MultiWebhooksOptions<Record<string, ProviderEntry>>): Webhooks<Record<string, unknown>> | MultiWebhooks {
  if (isMultiOptions(options)) return createMultiWebhooks(options, createProviderWebhooks);
  return createProviderWebhooks(options as WebhooksOptions<Provider>) as unknown as Webhooks<Record<string, unknown>>;
}

/** The single-provider receiver (`createWebhooks({ provider })`). */
function createProviderWebhooks<P extends Provider>(options: WebhooksOptions<P>): Webhooks<EventMapOf<P>> {
  const provider = options.provider;
  const namespace = options.key === undefined ? provider.id : checkKey(options.key, "key");
  const store: DedupeStore = options.store ?? new LruDedupeStore();
  const failures = options.failures ?? new MemoryFailureSink();
  const logger = options.logger ?? silentLogger;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const readOptions: ReadOptions = { bodyTimeoutMs: options.bodyTimeoutMs, canonicalTenantId: options.canonicalTenantId };
  const deadlineMs = options.responseDeadlineMs === false ? undefined : (options.responseDeadlineMs ?? provider.responseDeadlineMs);
  const recovery = options.recovery === false ? undefined : (options.recovery ?? {});
  const ackWhenStored = options.acknowledge === "when-stored";
  const metricsListener = options.metrics;
  const hasInbox = typeof store.claimDue === "function";
  // The events credhooks may answer without the sender redelivering them on failure: those
  // of a sender that never redelivers, those that may be answered at the deadline, and all
  // of them when the user acknowledges on storing. They are written with their claim.
  const throughInbox = hasInbox && (ackWhenStored || !provider.retries || deadlineMs !== undefined);

  const telemetry = createTelemetry(options.telemetry, provider.id);
  const ctx: ReceiverContext = {
    provider,
    store,
    failures,
    logger,
    telemetry,
    measuring: metricsListener !== undefined,
    metric(event: MetricEvent): void {
      if (!metricsListener) return;
      try {
        metricsListener(event);
      } catch (error) {
        logger.warn({ provider: provider.id, err: describe(error) }, "credhooks: the metrics listener threw");
      }
    },
    leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
    doneTtlMs: options.doneTtlMs ?? DEFAULT_DONE_TTL_MS,
    queue: namespace,
    maxAttempts: Math.max(1, recovery?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
    backoffMs: recovery?.backoffMs ?? defaultBackoffMs,
    keyOf: (tenantId, dedupeId) => `${namespace}:${tenantId === undefined ? "" : encodeURIComponent(tenantId)}:${dedupeId}`,
  };
  if (ackWhenStored && !hasInbox) throw new TypeError(`credhooks: acknowledge: "when-stored" needs a store with an inbox (claimDue); this store has none.`);
  warnOfLoss(ctx, ackWhenStored || !provider.retries || deadlineMs !== undefined);

  const keyPrefix = `${namespace}:`;
  const registry = new HandlerRegistry(provider);
  const leases = new LeaseKeeper(ctx);
  // The inbox depth of this receiver's queue and the failure sink's size, observed until close().
  const unwatch = telemetry?.watch(store, namespace, failures);
  /** Events whose handlers run now (asynchronously), with the promise of their settled answer. */
  const running = new Map<PreparedEvent, Promise<WebhookResponse>>();
  let closing = false;
  let closed: Promise<CloseResult> | undefined;

  /**
   * Dispatch, then settle: the one path of every claimed event (delivery, replay, recovery).
   * Synchronous handlers on a synchronous store settle without a promise.
   */
  function runClaimed(prepared: PreparedEvent, claim: Claim, answered: { value: boolean }): WebhookResponse | Promise<WebhookResponse> {
    const dispatching = dispatch(ctx, registry, leases, prepared, claim);
    if (!isThenable(dispatching)) {
      const settling = settle(ctx, registry, prepared, claim, dispatching, { answered: answered.value, closing });
      if (!isThenable(settling)) return settling;
      return track(prepared, settling);
    }
    return track(
      prepared,
      dispatching.then((result) => settle(ctx, registry, prepared, claim, result, { answered: answered.value, closing })),
    );
  }

  function track(prepared: PreparedEvent, work: Promise<WebhookResponse>): Promise<WebhookResponse> {
    running.set(prepared, work);
    const forget = (): void => void running.delete(prepared);
    work.then(forget, forget);
    return work;
  }

  function process(prepared: PreparedEvent, receivedAt: number, inbox: boolean): WebhookResponse | Promise<WebhookResponse> {
    const claiming = claimEvent(ctx, prepared, inbox);
    if (isThenable(claiming)) return claiming.then((claim) => (isClaim(claim) ? answer(prepared, claim, receivedAt) : claim));
    return isClaim(claiming) ? answer(prepared, claiming, receivedAt) : claiming;
  }

  /** Runs a claimed delivery and decides when to answer: after the handlers, at the deadline, or once stored. */
  function answer(prepared: PreparedEvent, claim: Claim, receivedAt: number): WebhookResponse | Promise<WebhookResponse> {
    const answered = { value: false };
    if (ackWhenStored && claim.inbox) {
      answered.value = true;
      const work = runClaimed(prepared, claim, answered);
      if (isThenable(work)) background(work);
      finishLater(prepared.trace, work);
      return pendingResponse();
    }
    const work = runClaimed(prepared, claim, answered);
    if (deadlineMs === undefined || !isThenable(work)) return work;
    return raceDeadline(prepared, work, receivedAt, answered);
  }

  async function raceDeadline(prepared: PreparedEvent, work: Promise<WebhookResponse>, receivedAt: number, answered: { value: boolean }): Promise<WebhookResponse> {
    // The deadline counts from the request's arrival (body, authentication and claim included);
    // the event is in the inbox before any answer, so a 202 can never lose it.
    const remaining = receivedAt + deadlineMs! - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, remaining), TIMED_OUT);
    });
    const first = await Promise.race([work, deadline]);
    clearTimeout(timer);
    if (first !== TIMED_OUT) return first;
    answered.value = true;
    background(work);
    finishLater(prepared.trace, work);
    return pendingResponse();
  }

  /** A delivery answered 202 before its handlers settled: its span ends, and its outcome is counted, when they do. */
  function finishLater(trace: DeliveryTrace | undefined, work: WebhookResponse | Promise<WebhookResponse>): void {
    if (trace === undefined) return;
    trace.deferred = true;
    trace.answeredWith = 202;
    if (!isThenable(work)) return trace.finish(work);
    work.then(
      (response) => trace.finish(response),
      () => trace.finish(errorResponse(new WebhookError("INTERNAL_ERROR", "credhooks failed unexpectedly while processing this delivery."))),
    );
  }

  function background(work: Promise<WebhookResponse>): void {
    work.catch((error: unknown) => logger.error({ provider: provider.id, err: describe(error) }, "credhooks: background processing failed"));
  }

  async function pipeline(request: WebhookRequest, trace: DeliveryTrace | undefined): Promise<WebhookResponse> {
    const receivedAt = Date.now();
    const delivery = await authenticate(provider, request, maxBodyBytes, receivedAt, readOptions);
    // Authenticated from here on: whatever goes wrong, the delivery is kept rather than lost.
    if (trace !== undefined) trace.authenticate(delivery.tenantId);
    const identifying = identify(ctx, delivery, trace);
    const identified = isThenable(identifying) ? await identifying : identifying;
    if (trace !== undefined) trace.identify(identified);
    const prepared = prepare(ctx, identified, delivery.tenantId, receivedAt, trace);
    if (prepared instanceof WebhookError) {
      const { tenantId } = delivery;
      await keepInvalid(identified, tenantId, prepared, trace);
      throw prepared;
    }
    return process(prepared, receivedAt, throughInbox);
  }

  async function keepInvalid(identified: IdentifiedEvent, tenantId: string | undefined, error: WebhookError, trace: DeliveryTrace | undefined): Promise<void> {
    await keep(ctx, { key: ctx.keyOf(tenantId, identified.dedupeId), provider: provider.id, tenantId, name: identified.name, dedupeId: identified.dedupeId, payload: identified.payload, raw: identified.raw, reason: "invalid-payload", error: error.message }, 1, trace);
  }

  async function replay(key: string): Promise<ReplayOutcome> {
    const trace = telemetry?.startRun("replay");
    if (trace === undefined) return replayEntry(key, undefined);
    const outcome = await trace.run(replayEntry, key);
    trace.finishRun(outcome.status, outcome.status === "failed");
    return outcome;
  }

  async function replayEntry(key: string, trace: DeliveryTrace | undefined): Promise<ReplayOutcome> {
    const entry = await failures.get(key);
    // One failure sink may serve several receivers: only entries under this receiver's key are ours.
    if (!entry || entry.provider !== provider.id || !entry.key.startsWith(keyPrefix)) return { key, status: "not-found" };
    if (entry.name === undefined) return { key, status: "invalid-payload", error: entry.error };
    if (trace !== undefined) {
      trace.authenticate(entry.tenantId);
      trace.identify({ name: entry.name, dedupeId: entry.dedupeId });
    }
    const prepared = prepare(ctx, { name: entry.name, payload: entry.payload, raw: entry.raw, dedupeId: entry.dedupeId }, entry.tenantId, Date.now(), trace);
    if (prepared instanceof WebhookError) return { key, status: "invalid-payload", error: prepared.message };
    let response: WebhookResponse;
    try {
      const claiming = claimEvent(ctx, prepared, false);
      const claim = isThenable(claiming) ? await claiming : claiming;
      response = isClaim(claim) ? await runClaimed(prepared, claim, { value: false }) : claim;
    } catch (error) {
      return { key, status: "failed", error: describe(error) };
    }
    if (response.status === 200) {
      await failures.delete(key);
      return { key, status: response.body === DUPLICATE_BODY ? "duplicate" : "handled" };
    }
    if (response.status === 409) return { key, status: "in-flight" };
    return { key, status: "failed", error: response.body };
  }

  // Recovery: a pass at start (once handlers are registered) and then periodically.
  let recovering: Promise<RecoverySummary> | undefined;
  const recover = (): Promise<RecoverySummary> => {
    recovering ??= recoverDue(
      ctx,
      async (prepared, claim) => (await runClaimed(prepared, claim, { value: false })).status,
      () => closing,
      Math.max(1, recovery?.batchSize ?? 16),
      (key, token) => leases.adopt(key, token),
    ).finally(() => {
      recovering = undefined;
    });
    return recovering;
  };
  let recoveryTimer: NodeJS.Timeout | undefined;
  if (hasInbox && recovery && recovery.automatic !== false) {
    const pass = (): void => {
      // Never before a handler is registered: an event recovered with no handlers would be marked done.
      if (registry.count === 0 || closing) return;
      recover().catch((error: unknown) => logger.warn({ provider: provider.id, err: describe(error) }, "credhooks: recovery pass failed; the next one retries"));
    };
    setTimeout(pass, 0).unref();
    recoveryTimer = setInterval(pass, Math.max(10, recovery.intervalMs ?? DEFAULT_RECOVERY_INTERVAL_MS));
    recoveryTimer.unref();
  }

  function transactionalOption(opts: HandlerOptions | undefined): boolean {
    if (!opts?.transactional) return false;
    if (typeof store.runInTransaction !== "function") {
      throw new TypeError("credhooks: { transactional: true } needs a store that runs handlers in its transactions (runInTransaction), such as @credhooks/postgres; this store has none.");
    }
    return true;
  }

  async function close(closeOptions: CloseOptions = {}): Promise<CloseResult> {
    closing = true;
    if (recoveryTimer) clearInterval(recoveryTimer);
    const stopping = new WebhookError("SHUTTING_DOWN", "credhooks is shutting down.");
    const inFlight = [...running.entries()];
    for (const [prepared] of inFlight) prepared.abort.abort(stopping);
    let settled = 0;
    const all = Promise.all(inFlight.map(([, work]) => work.then(() => void settled++, () => void settled++)));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, closeOptions.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS));
    });
    await Promise.race([all, timeout]);
    clearTimeout(timer);
    if (recovering) await Promise.race([recovering.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 100).unref())]);
    leases.stop();
    unwatch?.();
    return { settled, unfinished: inFlight.length - settled };
  }

  const hooks: Webhooks<Record<string, unknown>> = {
    provider,
    failures,
    on(name, handler, opts) {
      const transactional = transactionalOption(opts);
      registry.on(name, handler as Registered["fn"], opts?.id, transactional);
      return this;
    },
    off(name, handler) {
      registry.off(name, handler as Registered["fn"]);
      return this;
    },
    onAny(handler, opts) {
      registry.onAny(handler as Registered["fn"], opts?.id, transactionalOption(opts));
      return this;
    },
    onUnhandled(handler, opts) {
      registry.onUnhandled(handler as Registered["fn"], opts?.id, transactionalOption(opts));
      return this;
    },
    onError(handler) {
      registry.errorHandlers.push(handler);
      return this;
    },
    async handle(request) {
      // Undefined unless something is recorded: without an OpenTelemetry SDK this costs one no-op span.
      const trace = telemetry?.start(request);
      try {
        if (closing) throw new WebhookError("SHUTTING_DOWN", "This receiver is shutting down and accepts no new deliveries; retry later.");
        if (trace === undefined) return await pipeline(request, undefined);
        const response = await trace.run(pipeline, request);
        if (!trace.deferred) trace.finish(response);
        return response;
      } catch (error) {
        if (isWebhookError(error)) {
          const tenantId = request.params?.["tenantId"];
          if (metricsListener) ctx.metric({ type: "delivery.rejected", provider: provider.id, tenantId, code: error.code, status: error.status });
          (error.status >= 500 ? logger.error : logger.warn).call(logger, { provider: provider.id, tenantId, code: error.code, status: error.status }, "credhooks: delivery rejected");
          trace?.reject(error);
          return errorResponse(error);
        }
        logger.error({ provider: provider.id, err: describe(error) }, "credhooks: internal error");
        const internal = new WebhookError("INTERNAL_ERROR", "credhooks failed unexpectedly while handling this delivery; it was not processed. Retry later.");
        trace?.reject(internal);
        return errorResponse(internal);
      }
    },
    replay,
    async replayAll() {
      // A page at a time, in key order, starting at this provider's keys (one sink may serve
      // several receivers); a sink that ignores paging returns everything at once, or repeats
      // a page it already returned: both end the loop.
      const outcomes: ReplayOutcome[] = [];
      const prefix = keyPrefix;
      let after = prefix;
      let previous = new Set<string>();
      for (;;) {
        const page = await failures.list({ limit: REPLAY_PAGE_SIZE, after });
        const fresh = page.filter((entry) => !previous.has(entry.key));
        for (const entry of fresh) {
          if (entry.provider === provider.id && entry.key.startsWith(prefix)) outcomes.push(await replay(entry.key));
        }
        const last = page[page.length - 1];
        if (fresh.length === 0 || page.length !== REPLAY_PAGE_SIZE || last === undefined || !last.key.startsWith(prefix)) return outcomes;
        previous = new Set(page.map((entry) => entry.key));
        after = last.key;
      }
    },
    recover,
    close(closeOptions) {
      return (closed ??= close(closeOptions));
    },
  };
  return hooks as unknown as Webhooks<EventMapOf<P>>;
}

const isClaim = (value: Claim | WebhookResponse): value is Claim => typeof (value as { token?: unknown }).token === "string";

/**
 * One warning at creation, in production, when a receiver that may hold the only copy of an
 * event keeps it only in memory.
 */
function warnOfLoss(ctx: ReceiverContext, holdsOnlyCopy: boolean): void {
  if (!holdsOnlyCopy || globalThis.process?.env?.["NODE_ENV"] !== "production") return;
  const memoryStore = ctx.store.durable !== true;
  const memorySink = ctx.failures instanceof MemoryFailureSink;
  if (!memoryStore && !memorySink) return;
  const what = [memoryStore ? "the dedupe store and inbox are in memory" : "", memorySink ? "the failure sink is in memory" : ""].filter(Boolean).join(" and ");
  const why = !ctx.provider.retries ? `${ctx.provider.id} never redelivers` : "events may be answered before their handlers finish";
  ctx.logger.warn(
    { provider: ctx.provider.id },
    `credhooks: ${why}, but ${what}: events whose handlers are running or failed when the process stops are lost. Use a durable store and sink (@credhooks/sqlite for one instance, @credhooks/redis for several).`,
  );
}
