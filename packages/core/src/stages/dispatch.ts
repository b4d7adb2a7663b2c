import type { Span } from "@opentelemetry/api";
import type { WebhookError } from "../errors.js";
import type { HandlerRegistry, Pending } from "../handler-registry.js";
import type { Claim } from "./claim.js";
import type { PreparedEvent, ReceiverContext } from "./context.js";
import type { HeldLease, LeaseKeeper } from "./leases.js";
import { describe, isThenable } from "./responses.js";

/** What running an event's handlers came to. */
export interface Dispatched {
  /** Handlers that ran (those that succeeded in an earlier attempt do not). */
  readonly total: number;
  readonly errors: readonly unknown[];
  /** Set when the lease was lost while they ran: the event must not be settled by this owner. */
  readonly lost: WebhookError | undefined;
  readonly startedAt: number;
}

/**
 * Stage 7 — dispatch: runs the handlers of the event that have not succeeded yet,
 * concurrently, under the claim's lease (renewed while they run; its loss aborts the
 * event's `signal`). Each success is recorded under the event when several handlers share
 * it, so a later attempt runs only the failed ones. Never throws; synchronous handlers on a
 * synchronous store settle without a promise.
 */
export function dispatch(ctx: ReceiverContext, registry: HandlerRegistry, leases: LeaseKeeper, prepared: PreparedEvent, claim: Claim): Dispatched | Promise<Dispatched> {
  const { event } = prepared;
  const startedAt = ctx.measuring ? performance.now() : 0;
  if (ctx.measuring) ctx.metric({ type: "delivery.accepted", provider: ctx.provider.id, tenantId: event.tenantId, event: event.name, id: event.id });
  const all = registry.for(ctx.provider, event, prepared.known);
  const pending = claim.succeeded.size === 0 ? all : all.filter((p) => !claim.succeeded.has(p.handler.id));
  const errors: unknown[] = [];
  const run = new Run(ctx, leases, prepared, claim, startedAt, pending.length, errors);
  if (pending.length === 0) return run.result();
  if (pending.length === 1) {
    // With one handler, its success is recorded by completing the event right after:
    // a separate record would add a store round trip and close no crash window. Its lease
    // is held only once it turns out to be asynchronous (a synchronous one cannot outlive it).
    const running = runHandler(ctx, pending[0]!, prepared, claim, false, errors);
    if (!isThenable(running)) return run.result();
    run.hold();
    return running.then(() => run.finish());
  }
  run.hold();
  return Promise.all(pending.map((p) => runHandler(ctx, p, prepared, claim, true, errors))).then(() => run.finish());
}

/** One dispatch's lease and outcome. */
class Run {
  #held: HeldLease | undefined;
  #lost: WebhookError | undefined;
  constructor(
    private readonly ctx: ReceiverContext,
    private readonly leases: LeaseKeeper,
    private readonly prepared: PreparedEvent,
    private readonly claim: Claim,
    private readonly startedAt: number,
    private readonly total: number,
    private readonly errors: unknown[],
  ) {}

  hold(): void {
    this.#held = this.leases.hold(this.prepared.key, this.claim, (reason) => {
      this.#lost = reason;
      this.prepared.abort.abort(reason);
    });
  }

  finish(): Dispatched {
    if (this.#held) this.leases.drop(this.#held);
    return this.result();
  }

  result(): Dispatched {
    return { total: this.total, errors: this.errors, lost: this.#lost, startedAt: this.startedAt };
  }
}

/**
 * Runs one handler; never throws or rejects (failures go to `errors`). When the delivery's
 * span records, the handler runs under a child span of its own (active while it runs, so
 * the app's instrumentation nests under it).
 */
function runHandler(ctx: ReceiverContext, pending: Pending, prepared: PreparedEvent, claim: Claim, record: boolean, errors: unknown[]): void | Promise<void> {
  const { handler, event: received } = pending;
  const trace = prepared.trace;
  const handlerStart = ctx.measuring || trace !== undefined ? performance.now() : 0;
  const span = trace?.startHandler(handler.id);
  if (handler.transactional) {
    // Its writes and its success record commit in one transaction of the store: nothing to record after.
    const signal = received.signal;
    return ctx.store.runInTransaction!(
      prepared.key,
      claim.token,
      handler.id,
      ctx.doneTtlMs,
      async (transaction) => {
        const event = { ...received, signal, transaction };
        await (span === undefined ? handler.fn(event) : trace!.runHandler(span, handler.fn, event));
      },
      signal,
    ).then(
      () => settled(ctx, pending, prepared, handlerStart, span, true),
      (error: unknown) => failed(ctx, pending, prepared, handlerStart, span, errors, error),
    );
  }
  let running: unknown;
  try {
    running = span === undefined ? handler.fn(received) : trace!.runHandler(span, handler.fn, received);
  } catch (error) {
    return failed(ctx, pending, prepared, handlerStart, span, errors, error);
  }
  if (isThenable(running)) {
    return Promise.resolve(running).then(
      () => succeeded(ctx, pending, prepared, claim, record, handlerStart, span),
      (error: unknown) => failed(ctx, pending, prepared, handlerStart, span, errors, error),
    );
  }
  return succeeded(ctx, pending, prepared, claim, record, handlerStart, span);
}

function succeeded(ctx: ReceiverContext, pending: Pending, prepared: PreparedEvent, claim: Claim, record: boolean, handlerStart: number, span: Span | undefined): void | Promise<void> {
  settled(ctx, pending, prepared, handlerStart, span, true);
  if (!record) return;
  const { event } = prepared;
  const onError = (error: unknown): void => {
    ctx.logger.warn({ provider: ctx.provider.id, id: event.id, handler: pending.handler.id, err: describe(error) }, "credhooks: could not record a handler's success");
  };
  try {
    const recording = ctx.store.handlerSucceeded(prepared.key, claim.token, pending.handler.id, ctx.doneTtlMs);
    if (isThenable(recording)) return Promise.resolve(recording).then(undefined, onError);
  } catch (error) {
    onError(error);
  }
}

function failed(ctx: ReceiverContext, pending: Pending, prepared: PreparedEvent, handlerStart: number, span: Span | undefined, errors: unknown[], error: unknown): void {
  errors.push(error);
  settled(ctx, pending, prepared, handlerStart, span, false, error);
}

function settled(ctx: ReceiverContext, { handler }: Pending, { event, trace }: PreparedEvent, handlerStart: number, span: Span | undefined, ok: boolean, error?: unknown): void {
  if (!ctx.measuring && trace === undefined) return;
  const durationMs = performance.now() - handlerStart;
  if (ctx.measuring) ctx.metric({ type: "handler.settled", provider: ctx.provider.id, tenantId: event.tenantId, event: event.name, id: event.id, handler: handler.id, ok, durationMs });
  if (trace !== undefined) trace.handlerSettled(handler.id, ok, durationMs, span, error);
}
