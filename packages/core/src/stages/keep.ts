import type { FailedDelivery, FailureReason } from "../failure-sink.js";
import type { DeliveryTrace } from "../telemetry.js";
import type { ReceiverContext, PreparedEvent } from "./context.js";
import { describe } from "./responses.js";

/** An entry for the failure sink before its attempt count and times are known. */
export type KeptDelivery = Omit<FailedDelivery, "attempts" | "firstFailedAt" | "lastFailedAt">;

/**
 * Stage 8 — keep: every write to the failure sink (dead letters) goes through here. One
 * entry per event: a later failure of the same event adds its attempts to the entry's.
 * Resolves false when the sink could not store it (then the caller must not answer a
 * sender that never redelivers with a 2xx).
 */
export async function keep(ctx: ReceiverContext, entry: KeptDelivery, attempts = 1, trace?: DeliveryTrace): Promise<boolean> {
  const { failures, logger, provider } = ctx;
  try {
    const previous = await failures.get(entry.key);
    const at = new Date().toISOString();
    await failures.put({ ...entry, attempts: (previous?.attempts ?? 0) + attempts, firstFailedAt: previous?.firstFailedAt ?? at, lastFailedAt: at });
    logger.warn({ provider: provider.id, tenantId: entry.tenantId, event: entry.name, id: entry.dedupeId, reason: entry.reason }, "credhooks: delivery kept in the failure sink");
    trace?.keep(entry.reason, true);
    return true;
  } catch (error) {
    logger.error({ provider: provider.id, tenantId: entry.tenantId, event: entry.name, id: entry.dedupeId, reason: entry.reason, err: describe(error) }, "credhooks: the failure sink could not store a delivery");
    if (ctx.measuring) ctx.metric({ type: "delivery.unkept", provider: provider.id, tenantId: entry.tenantId, event: entry.name, id: entry.dedupeId, reason: entry.reason });
    trace?.keep(entry.reason, false);
    return false;
  }
}

/** Keeps a validated (or at least identified) event whole. */
export function keepEvent(ctx: ReceiverContext, prepared: PreparedEvent, reason: FailureReason, error: string, attempts = 1): Promise<boolean> {
  const { event } = prepared;
  return keep(ctx, { key: prepared.key, provider: ctx.provider.id, tenantId: event.tenantId, name: event.name, dedupeId: event.id, payload: prepared.input, raw: event.raw, reason, error }, attempts, prepared.trace);
}

/**
 * How a failure is worded to the sender and the operator, per sender: one that redelivers
 * runs the failed handlers again itself; for one that never does, credhooks is the only copy.
 */
export function failureMessage(ctx: ReceiverContext, failed: number, total: number, name: string, next: "redelivery" | "retry" | "kept", retryInMs?: number): string {
  const head = `${failed} of ${total} handler(s) failed for "${name}"; the event was not marked done`;
  if (next === "retry") return `${head}. credhooks keeps it and runs the failed handlers again in ${Math.ceil((retryInMs ?? 0) / 1000)} s.`;
  if (next === "kept") return `${head}. It was kept in the failure sink; replay it with hooks.replay(key).`;
  return `${head}, so a redelivery by ${ctx.provider.id} runs the failed handlers again.`;
}
