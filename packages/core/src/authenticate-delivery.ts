import type { DeliveryContext, Provider, WebhookRequest } from "./types.js";
import { authenticate } from "./stages/authenticate.js";

export { parseEvent } from "./stages/validate.js";

/**
 * The first half of the pipeline, shared by the receiver and standalone verification:
 * method → route → body (size) → content type and JSON → authentication. Throws a
 * `WebhookError`; what it returns is authenticated.
 *
 * @example
 * ```ts
 * const delivery = await authenticateDelivery(proven({ apiKey }), request, 1024 * 1024);
 * ```
 */
export function authenticateDelivery(provider: Provider, request: WebhookRequest, maxBodyBytes: number, receivedAt = Date.now()): Promise<DeliveryContext> {
  return authenticate(provider, request, maxBodyBytes, receivedAt);
}
