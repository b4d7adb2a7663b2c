import { isWebhookError } from "../errors.js";
import { contentHash } from "../hash.js";
import type { DeliveryTrace } from "../telemetry.js";
import type { DeliveryContext, IdentifiedEvent } from "../types.js";
import type { ReceiverContext } from "./context.js";
import { keep } from "./keep.js";

/**
 * Stage 4 — identify: the provider names the event, its payload and its dedupe id. An
 * authenticated envelope credhooks cannot use is kept (redacted) before the 400 is answered.
 */
export function identify(ctx: ReceiverContext, delivery: DeliveryContext, trace?: DeliveryTrace): IdentifiedEvent | Promise<never> {
  try {
    return ctx.provider.identify(delivery);
  } catch (error) {
    // Synchronous on the usual path; only a rejected envelope costs a promise.
    return keepEnvelope(ctx, delivery, error, trace);
  }
}

async function keepEnvelope(ctx: ReceiverContext, delivery: DeliveryContext, error: unknown, trace: DeliveryTrace | undefined): Promise<never> {
  const { provider } = ctx;
  if (isWebhookError(error) && error.code === "INVALID_PAYLOAD") {
    const redacted = provider.redact ? provider.redact(delivery.body) : delivery.body;
    const dedupeId = contentHash(delivery.rawBody);
    const { tenantId } = delivery;
    await keep(ctx, { key: ctx.keyOf(tenantId, dedupeId), provider: provider.id, tenantId, name: undefined, dedupeId, payload: redacted, raw: redacted, reason: "invalid-payload", error: error.message }, 1, trace);
  }
  throw error;
}
