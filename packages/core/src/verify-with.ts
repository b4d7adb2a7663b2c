import type { Provider } from "./types.js";
import { verifyWebhook, type VerifiableRequest, type VerifyOptions, type VerifyResult } from "./verify-webhook.js";
import type { EventMapOf } from "./types.js";

/**
 * Builds a provider's standalone `verify(request, credentials)`: credentials are the
 * provider's options, or a provider already built (reuse one to keep caches such as a
 * fetched JWKS).
 *
 * @example
 * ```ts
 * export const verify = verifyWith(proven);
 * ```
 */
export function verifyWith<O, P extends Provider>(factory: (options: O) => P) {
  return (request: VerifiableRequest | Request, credentials: O | P, options?: VerifyOptions): Promise<VerifyResult<EventMapOf<P>>> => {
    const provider = isProvider(credentials) ? credentials : factory(credentials as O);
    return verifyWebhook(provider, request, options);
  };
}

function isProvider(value: unknown): value is Provider {
  return typeof value === "object" && value !== null && typeof (value as Provider).authenticate === "function" && typeof (value as Provider).identify === "function";
}
