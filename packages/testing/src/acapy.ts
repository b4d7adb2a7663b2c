import { DEV_CREDENTIALS } from "./dev-credentials.js";
import { assertEvent, placeOf, type DeliveryOptions, type TestDelivery } from "./delivery.js";
import type { AcapyEvent, AcapyRecords } from "./payload-types.js";
import { ACAPY_SAMPLES } from "./samples.js";

/**
 * Options of {@link acapyDelivery}.
 *
 * @example
 * ```ts
 * const options: AcapyDeliveryOptions = { tenantId: "globex", apiKey: "globex-key", walletId: "3b1d5a4e-…" };
 * ```
 */
export interface AcapyDeliveryOptions extends DeliveryOptions {
  /** The `x-api-key` to send (the `#<key>` suffix of the webhook URL given to ACA-Py); default `DEV_CREDENTIALS.ACAPY_API_KEY`. `null` sends none. */
  apiKey?: string | null;
  /** The `x-wallet-id` to send, as ACA-Py does for a sub-wallet under multitenancy; default none (the base wallet). */
  walletId?: string;
}

/**
 * Builds an ACA-Py delivery: the bare record posted to `<mount>/topic/<topic>/` with the
 * `x-api-key` header (and `x-wallet-id` when `walletId` is given), as ACA-Py posts to a
 * webhook URL `…#<key>`. The record defaults to the sample of the event; its `state` must be
 * the event's (ACA-Py names the event by it): left out, it is filled in.
 *
 * @example
 * ```ts
 * const d = acapyDelivery("issue_credential_v2_0.done", { cred_ex_id: "ex-1" }, { walletId: "wallet-1" });
 * d.path; // "/events/acme/acapy/topic/issue_credential_v2_0/"
 * await request(app).post(d.path).set(d.headers).send(d.body); // handler: event.payload.record.state === "done"
 * ```
 */
export function acapyDelivery<E extends AcapyEvent>(event: E, record?: AcapyRecords[E], options: AcapyDeliveryOptions = {}): TestDelivery {
  assertEvent("acapy", event, ACAPY_SAMPLES);
  const { tenantId, mountPath } = placeOf("acapy", options);
  // Event names are `<topic>.<state>` (`<topic>::<state>` for a topic that is a noun of the
  // normalized vocabulary, e.g. `credential::deleted`), or the topic alone for records
  // without a state.
  const colons = event.indexOf("::");
  const at = colons !== -1 ? colons : event.indexOf(".");
  const topic = at === -1 ? event : event.slice(0, at);
  const state = at === -1 ? undefined : event.slice(at + (colons !== -1 ? 2 : 1));
  let body: Readonly<Record<string, unknown>> = record ?? ACAPY_SAMPLES[event];
  if (state !== undefined) {
    if (body["state"] === undefined) body = { ...body, state };
    else if (body["state"] !== state) {
      throw new TypeError(`An ACA-Py ${event} record has state ${JSON.stringify(state)}, got ${JSON.stringify(body["state"])}: ACA-Py names the event by the record's state. Leave state out, or build the event of that state.`);
    }
  }
  const apiKey = options.apiKey === undefined ? DEV_CREDENTIALS.ACAPY_API_KEY : options.apiKey;
  return {
    provider: "acapy",
    event,
    tenantId,
    mountPath,
    method: "POST",
    // ACA-Py appends `/topic/<topic>/` to the webhook URL (without its `#<key>` suffix).
    path: `${mountPath === "/" ? "" : mountPath}/topic/${topic}/`,
    headers: {
      "content-type": "application/json",
      ...(apiKey === null ? {} : { "x-api-key": apiKey }),
      ...(options.walletId === undefined ? {} : { "x-wallet-id": options.walletId }),
    },
    body: JSON.stringify(body),
  };
}
