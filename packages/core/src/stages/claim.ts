import type { ClaimResult } from "../dedupe-store.js";
import { WebhookError } from "../errors.js";
import type { WebhookResponse } from "../types.js";
import type { PreparedEvent, ReceiverContext } from "./context.js";
import { encodeInboxRecord } from "./inbox-record.js";
import { keepEvent } from "./keep.js";
import { describe, duplicateResponse, errorResponse, isThenable } from "./responses.js";

/** This delivery (or recovery) owns the event: settle it with this token. */
export interface Claim {
  /** Changes only when this process' recoverer re-claims an event it is still running (see `LeaseKeeper.adopt`). */
  token: string;
  /** Handlers that succeeded in an earlier attempt: they do not run again. */
  readonly succeeded: ReadonlySet<string>;
  /** Attempts of this event while in the inbox, this one included (0 outside the inbox). */
  readonly attempts: number;
  /** The event is in the inbox: a durable copy exists until it is settled. */
  readonly inbox: boolean;
}

/**
 * Stage 6 — claim: the dedupe store decides whether this delivery runs the event. With
 * `inbox`, the event is written to the store's inbox in the same atomic step as the claim,
 * before any handler runs. Answers here: 200 duplicate (done before), 409
 * `DUPLICATE_IN_FLIGHT` (another delivery holds it), 503 `STORE_UNAVAILABLE` (for a sender
 * that never redelivers, the event is kept in the failure sink first).
 */
export function claim(ctx: ReceiverContext, prepared: PreparedEvent, inbox: boolean): Claim | WebhookResponse | Promise<Claim | WebhookResponse> {
  let claiming: ClaimResult | PromiseLike<ClaimResult>;
  try {
    claiming = inbox ? ctx.store.claim(prepared.key, ctx.leaseMs, { queue: ctx.queue, record: encodeInboxRecord(prepared) }) : ctx.store.claim(prepared.key, ctx.leaseMs);
  } catch (cause) {
    return storeFailed(ctx, prepared, cause);
  }
  if (!isThenable(claiming)) return outcome(ctx, prepared, claiming, inbox);
  return Promise.resolve(claiming).then(
    (result) => outcome(ctx, prepared, result, inbox),
    (cause: unknown) => storeFailed(ctx, prepared, cause),
  );
}

function outcome(ctx: ReceiverContext, prepared: PreparedEvent, result: ClaimResult, inbox: boolean): Claim | WebhookResponse {
  if (prepared.trace !== undefined) prepared.trace.claim(result.status, inbox, result.status === "claimed" ? result.attempts : undefined);
  if (result.status === "claimed") return { token: result.token, succeeded: result.succeeded, attempts: result.attempts ?? 0, inbox: inbox || (result.attempts ?? 0) > 0 };
  const { event } = prepared;
  if (ctx.measuring) ctx.metric({ type: "delivery.duplicate", provider: ctx.provider.id, tenantId: event.tenantId, event: event.name, id: event.id, inFlight: result.status === "in-flight" });
  if (result.status === "done") return duplicateResponse();
  return errorResponse(new WebhookError("DUPLICATE_IN_FLIGHT", "This event is being processed by an earlier delivery; retry later to learn its outcome."));
}

async function storeFailed(ctx: ReceiverContext, prepared: PreparedEvent, cause: unknown): Promise<never> {
  const { event } = prepared;
  ctx.logger.error({ provider: ctx.provider.id, tenantId: event.tenantId, event: event.name, id: event.id, err: describe(cause) }, "credhooks: dedupe store unavailable");
  // A sender that never retries would lose the event with this 503: keep it for replay.
  if (!ctx.provider.retries) await keepEvent(ctx, prepared, "store-unavailable", `The dedupe store was unavailable: ${describe(cause)}`);
  throw new WebhookError("STORE_UNAVAILABLE", "The dedupe store is unavailable, so the event was not processed; retry later.", { cause });
}
