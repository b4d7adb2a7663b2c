import { WebhookError } from "../errors.js";
import type { WebhookEvent } from "../event.js";
import type { HandlerRegistry } from "../handler-registry.js";
import type { WebhookResponse } from "../types.js";
import type { Claim } from "./claim.js";
import type { PreparedEvent, ReceiverContext } from "./context.js";
import type { Dispatched } from "./dispatch.js";
import { failureMessage, keepEvent } from "./keep.js";
import { describe, errorResponse, firstMessages, isThenable, receivedResponse, unhandledResponse } from "./responses.js";

/** Where the event stands when it is settled. */
export interface SettleState {
  /** credhooks already answered the sender (202 at the deadline, or stored first): nobody waits for this answer. */
  readonly answered: boolean;
  /** The receiver is closing: an event whose handlers stopped goes back to the inbox at once. */
  readonly closing: boolean;
}

/**
 * Stage 8 — settle: records the event's outcome in the store and decides the answer.
 *
 * | outcome | store | answer |
 * |---|---|---|
 * | every handler succeeded | complete (done marker; inbox copy dropped) | 200 (200 `unhandled` for unknown names) |
 * | lease lost | nothing: another owner has it | 503 `LEASE_LOST` |
 * | failed, in the inbox, attempts left | release, retry after the backoff | 500 `HANDLER_FAILED` |
 * | failed, in the inbox, attempts used up | kept in the failure sink, then out of the inbox | 500 `HANDLER_FAILED` |
 * | failed, the sender redelivers | release | 500 `HANDLER_FAILED`: the redelivery runs the failed handlers |
 * | failed, not in the inbox, the sender never redelivers | release, kept in the failure sink | 500 `HANDLER_FAILED` |
 * | stopped by `close()` | release, due at once for recovery | 503 `SHUTTING_DOWN` |
 */
export function settle(ctx: ReceiverContext, registry: HandlerRegistry, prepared: PreparedEvent, claim: Claim, result: Dispatched, state: SettleState): WebhookResponse | Promise<WebhookResponse> {
  const { provider, store, logger } = ctx;
  const { key, event } = prepared;
  const ok = result.errors.length === 0;
  if (ctx.measuring) ctx.metric({ type: "delivery.settled", provider: provider.id, tenantId: event.tenantId, event: event.name, id: event.id, ok: ok && !result.lost, durationMs: performance.now() - result.startedAt });
  if (result.lost) return errorResponse(result.lost);
  if (!ok) return settleFailure(ctx, registry, prepared, claim, result, state);

  // The handlers succeeded: a store that cannot mark it done gets a log, not a non-2xx
  // (which would only make the sender redeliver). Synchronous stores answer without a promise.
  const onError = (error: unknown): void => {
    logger.error({ provider: provider.id, id: event.id, err: describe(error) }, "credhooks: could not mark the event done");
  };
  let completing: void | PromiseLike<void> = undefined;
  prepared.trace?.store("complete");
  try {
    completing = store.complete(key, claim.token, ctx.doneTtlMs);
  } catch (error) {
    onError(error);
  }
  if (isThenable(completing)) return Promise.resolve(completing).then(undefined, onError).then(() => succeeded(ctx, prepared));
  return succeeded(ctx, prepared);
}

function succeeded(ctx: ReceiverContext, prepared: PreparedEvent): WebhookResponse | Promise<WebhookResponse> {
  if (prepared.known) return receivedResponse();
  if (ctx.provider.retries) return unhandledResponse();
  return keepEvent(ctx, prepared, "unhandled", `"${prepared.event.name}" is not an event credhooks knows for ${ctx.provider.id}; kept because ${ctx.provider.id} does not redeliver.`).then((kept) =>
    // The failure sink was the only copy: a 2xx would tell the sender all is well.
    kept ? unhandledResponse() : errorResponse(new WebhookError("STORE_UNAVAILABLE", "The failure sink could not keep this unknown event; retry later.")),
  );
}

async function settleFailure(ctx: ReceiverContext, registry: HandlerRegistry, prepared: PreparedEvent, claim: Claim, result: Dispatched, state: SettleState): Promise<WebhookResponse> {
  const { provider } = ctx;
  const { event } = prepared;
  const errors = result.errors;
  await reportErrors(ctx, registry, new AggregateError(errors, `${errors.length} of ${result.total} handler(s) failed for ${provider.id} event ${event.name}`), event);
  const details = firstMessages(errors);

  if (state.closing && prepared.abort.aborted) {
    await release(ctx, prepared, claim, claim.inbox ? 0 : undefined);
    return errorResponse(new WebhookError("SHUTTING_DOWN", "credhooks is shutting down and stopped this event's handlers; it was not marked done. Retry later."));
  }

  if (claim.inbox) {
    if (claim.attempts < ctx.maxAttempts) {
      const retryInMs = ctx.backoffMs(claim.attempts);
      await release(ctx, prepared, claim, retryInMs);
      return errorResponse(new WebhookError("HANDLER_FAILED", failureMessage(ctx, errors.length, result.total, event.name, "retry", retryInMs)));
    }
    const message = failureMessage(ctx, errors.length, result.total, event.name, "kept");
    // Out of the inbox only once the failure sink holds it: otherwise it stays for recovery.
    const kept = await keepEvent(ctx, prepared, state.answered ? "failed-after-response" : "handler-failed", `${message} After ${claim.attempts} attempt(s): ${details}`, claim.attempts);
    await release(ctx, prepared, claim, kept ? undefined : ctx.backoffMs(claim.attempts));
    return errorResponse(new WebhookError("HANDLER_FAILED", message));
  }

  await release(ctx, prepared, claim, undefined);
  if (provider.retries && !state.answered) {
    return errorResponse(new WebhookError("HANDLER_FAILED", failureMessage(ctx, errors.length, result.total, event.name, "redelivery")));
  }
  const message = failureMessage(ctx, errors.length, result.total, event.name, "kept");
  const kept = await keepEvent(ctx, prepared, state.answered ? "failed-after-response" : "handler-failed", `${message} ${details}`);
  if (!kept) return errorResponse(new WebhookError("STORE_UNAVAILABLE", "The handlers failed and the failure sink could not keep the event; retry later."));
  return errorResponse(new WebhookError("HANDLER_FAILED", message));
}

async function release(ctx: ReceiverContext, prepared: PreparedEvent, claim: Claim, retryInMs: number | undefined): Promise<void> {
  prepared.trace?.store("release", retryInMs);
  try {
    const releasing = retryInMs === undefined ? ctx.store.release(prepared.key, claim.token, ctx.doneTtlMs) : ctx.store.release(prepared.key, claim.token, ctx.doneTtlMs, retryInMs);
    if (isThenable(releasing)) await releasing;
  } catch (error) {
    ctx.logger.warn({ provider: ctx.provider.id, id: prepared.event.id, err: describe(error) }, "credhooks: could not release the claim; it expires with its lease");
  }
}

async function reportErrors(ctx: ReceiverContext, registry: HandlerRegistry, error: AggregateError, event: WebhookEvent<string, unknown>): Promise<void> {
  const { logger, provider } = ctx;
  logger.error({ provider: provider.id, tenantId: event.tenantId, event: event.name, id: event.id, failures: error.errors.length }, "credhooks: handlers failed");
  for (const onError of registry.errorHandlers) {
    try {
      await onError(error, event);
    } catch (thrown) {
      logger.error({ provider: provider.id, event: event.name, err: describe(thrown) }, "credhooks: an onError handler threw");
    }
  }
}
