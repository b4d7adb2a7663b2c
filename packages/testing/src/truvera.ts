import { DEV_CREDENTIALS } from "./dev-credentials.js";
import { assertEvent, placeOf, type DeliveryOptions, type TestDelivery } from "./delivery.js";
import type { TruveraEvent, TruveraPayloads } from "./payload-types.js";
import { TRUVERA_SAMPLES } from "./samples.js";

/**
 * Options of {@link truveraDelivery}.
 *
 * @example
 * ```ts
 * const options: TruveraDeliveryOptions = { token: "endpoint-token" };
 * ```
 */
export interface TruveraDeliveryOptions extends DeliveryOptions {
  /** The secret token to put in the body; default `DEV_CREDENTIALS.TRUVERA_TOKEN`. `null` sends none. */
  token?: string | null;
}

/**
 * Builds a Truvera delivery: `{"token", "event", "data"}` — Truvera signs nothing, its
 * secret token travels inside the JSON body. The payload (`data`) defaults to the seed
 * example of the event.
 *
 * @example
 * ```ts
 * const d = truveraDelivery("proof_submitted", { id: "proof-1", verified: true }, { token: "endpoint-token" });
 * await fetch(new URL(d.path, "http://localhost:3000"), d);
 * ```
 */
export function truveraDelivery<E extends TruveraEvent>(event: E, payload?: TruveraPayloads[E], options: TruveraDeliveryOptions = {}): TestDelivery {
  assertEvent("truvera", event, TRUVERA_SAMPLES);
  const { tenantId, mountPath } = placeOf("truvera", options);
  const token = options.token === undefined ? DEV_CREDENTIALS.TRUVERA_TOKEN : options.token;
  const data = payload ?? TRUVERA_SAMPLES[event];
  // Truvera's documented envelope puts the token first.
  const body = token === null ? { event, data } : { token, event, data };
  return { provider: "truvera", event, tenantId, mountPath, method: "POST", path: mountPath, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}
