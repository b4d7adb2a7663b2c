import { DEV_CREDENTIALS } from "./dev-credentials.js";
import { assertEvent, placeOf, type DeliveryOptions, type TestDelivery } from "./delivery.js";
import type { ProvenEvent, ProvenPayloads } from "./payload-types.js";
import { PROVEN_SAMPLES } from "./samples.js";

/**
 * Options of {@link provenDelivery}.
 *
 * @example
 * ```ts
 * const options: ProvenDeliveryOptions = { tenantId: "globex", apiKey: "globex-key" };
 * ```
 */
export interface ProvenDeliveryOptions extends DeliveryOptions {
  /** The `X-API-Key` to send; default `DEV_CREDENTIALS.PROVEN_API_KEY`. `null` sends none. */
  apiKey?: string | null;
  /** The event name to put in the body instead of the canonical one, e.g. Proven's alternative spelling `"webhook:basic-message"`. */
  sentAs?: string;
}

/**
 * Builds a Proven delivery: `{"event": <event>, "webhook": <payload>}` posted with the
 * `X-API-Key` header. The payload defaults to the seed example of the event.
 *
 * @example
 * ```ts
 * const d = provenDelivery("credentials:done", { cred_ex_id: "ex-1", state: "done" }, { apiKey: "test-key" });
 * await request(app).post(d.path).set(d.headers).send(d.body);
 * ```
 */
export function provenDelivery<E extends ProvenEvent>(event: E, payload?: ProvenPayloads[E], options: ProvenDeliveryOptions = {}): TestDelivery {
  assertEvent("proven", event, PROVEN_SAMPLES);
  const { tenantId, mountPath } = placeOf("proven", options);
  const apiKey = options.apiKey === undefined ? DEV_CREDENTIALS.PROVEN_API_KEY : options.apiKey;
  return {
    provider: "proven",
    event,
    tenantId,
    mountPath,
    method: "POST",
    path: mountPath,
    headers: { "content-type": "application/json", ...(apiKey === null ? {} : { "x-api-key": apiKey }) },
    body: JSON.stringify({ event: options.sentAs ?? event, webhook: payload ?? PROVEN_SAMPLES[event] }),
  };
}
