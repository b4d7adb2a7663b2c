import type { DeliveryContext, Provider, WebhookRequest } from "../types.js";
import { readBody } from "./read-body.js";
import { routeRequest } from "./route.js";

/**
 * Stages 1–3 — route, read the body, authenticate. Throws a `WebhookError` (the status
 * follows from its code); what it returns is authenticated. Shared by the receiver and
 * standalone verification.
 */
export async function authenticate(provider: Provider, request: WebhookRequest, maxBodyBytes: number, receivedAt: number): Promise<DeliveryContext> {
  const route = routeRequest(provider, request);
  const { rawBody, body } = await readBody(request, maxBodyBytes);
  const delivery: DeliveryContext = { request, tenantId: request.params?.["tenantId"], route, rawBody, body, receivedAt };
  const authenticating = provider.authenticate(delivery);
  if (authenticating) await authenticating;
  return delivery;
}
