import type { WebhookError } from "../errors.js";
import type { HandlerRegistry, Pending } from "../handler-registry.js";
import type { Claim } from "./claim.js";
import type { PreparedEvent, ReceiverContext } from "./context.js";
import type { LeaseKeeper } from "./leases.js";
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
 * it, so a later attempt runs only the failed ones. Never throws.
 */
export async function dispatch(ctx: ReceiverContext, registry: HandlerRegistry, leases: LeaseKeeper, prepared: PreparedEvent, claim: Claim): Promise<Dispatched> {
  const { key, event } = prepared;
  const startedAt = ctx.measuring ? performance.now() : 0;
  if (ctx.measuring) ctx.metric({ type: "delivery.accepted", provider: ctx.provider.id, tenantId: event.tenantId, event: event.name, id: event.id });
  const all = registry.for(ctx.provider, event, prepared.known);
  const pending = claim.succeeded.size === 0 ? all : all.filter((p) => !claim.succeeded.has(p.handler.id));
  const errors: unknown[] = [];
  let lost: WebhookError | undefined;
  if (pending.length > 0) {
    const held = leases.hold(key, claim.token, (reason) => {
      lost = reason;
      prepared.abort.abort(reason);
    });
    try {
      // With one handler, its success is recorded by completing the event right after:
      // a separate record would add a store round trip and close no crash window.
      const record = pending.length > 1;
      if (pending.length === 1) await runHandler(ctx, pending[0]!, prepared, claim.token, record, errors);
      else await Promise.all(pending.map((p) => runHandler(ctx, p, prepared, claim.token, record, errors)));
    } finally {
      leases.drop(held);
    }
  }
  return { total: pending.length, errors, lost, startedAt };
}

async function runHandler(ctx: ReceiverContext, { handler, event: received }: Pending, prepared: PreparedEvent, token: string, record: boolean, errors: unknown[]): Promise<void> {
  const { key, event } = prepared;
  const handlerStart = ctx.measuring ? performance.now() : 0;
  try {
    if (handler.transactional) {
      // Its writes and its success record commit in one transaction of the store: nothing to record after.
      await ctx.store.runInTransaction!(key, token, handler.id, ctx.doneTtlMs, async (transaction) => {
        await handler.fn({ ...received, signal: received.signal, transaction });
      });
      if (ctx.measuring) ctx.metric({ type: "handler.settled", provider: ctx.provider.id, tenantId: event.tenantId, event: event.name, id: event.id, handler: handler.id, ok: true, durationMs: performance.now() - handlerStart });
      return;
    }
    const running = handler.fn(received);
    if (isThenable(running)) await running;
  } catch (error) {
    errors.push(error);
    if (ctx.measuring) ctx.metric({ type: "handler.settled", provider: ctx.provider.id, tenantId: event.tenantId, event: event.name, id: event.id, handler: handler.id, ok: false, durationMs: performance.now() - handlerStart });
    return;
  }
  if (ctx.measuring) ctx.metric({ type: "handler.settled", provider: ctx.provider.id, tenantId: event.tenantId, event: event.name, id: event.id, handler: handler.id, ok: true, durationMs: performance.now() - handlerStart });
  if (!record) return;
  try {
    const recording = ctx.store.handlerSucceeded(key, token, handler.id, ctx.doneTtlMs);
    if (isThenable(recording)) await recording;
  } catch (error) {
    ctx.logger.warn({ provider: ctx.provider.id, id: event.id, handler: handler.id, err: describe(error) }, "credhooks: could not record a handler's success");
  }
}
