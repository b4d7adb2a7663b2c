import { headerValue, matchesAnySecret, resolveSecrets, type Secret } from "./credentials.js";
import { WebhookError } from "./errors.js";
import type { DeliveryContext } from "./types.js";

/**
 * Authenticates a delivery by a static key in a header (Proven, Lissi, ACA-Py send
 * `X-API-Key`), compared in constant time with the tenant's key(s).
 *
 * @example
 * ```ts
 * authenticate: (delivery) => verifyApiKeyHeader(delivery, options.apiKey, "x-api-key"),
 * ```
 */
export async function verifyApiKeyHeader(delivery: DeliveryContext, secret: Secret, header = "x-api-key"): Promise<void> {
  const given = headerValue(delivery.request.headers, header);
  if (given === undefined || given === "") {
    throw new WebhookError("MISSING_CREDENTIALS", `The ${header} header is missing; the sender must send the API key configured for this webhook.`);
  }
  const keys = await resolveSecrets(secret, delivery.tenantId, `${header} key`);
  if (!matchesAnySecret(given, keys)) {
    throw new WebhookError("INVALID_CREDENTIALS", `The ${header} header does not match the key configured for this tenant.`);
  }
}
