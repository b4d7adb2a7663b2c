import { randomBytes } from "node:crypto";
import { Webhook } from "svix";
import { DEV_CREDENTIALS } from "./dev-credentials.js";
import { assertEvent, placeOf, type DeliveryOptions, type TestDelivery } from "./delivery.js";
import type { CrossmintEvent, CrossmintPayloads } from "./payload-types.js";
import { CROSSMINT_SAMPLES } from "./samples.js";

/**
 * Options of {@link crossmintDelivery}.
 *
 * @example
 * ```ts
 * const options: CrossmintDeliveryOptions = { secret: "whsec_…", id: "msg_1", timestamp: new Date() };
 * ```
 */
export interface CrossmintDeliveryOptions extends DeliveryOptions {
  /** The endpoint's Svix signing secret (`whsec_…`); default `DEV_CREDENTIALS.CROSSMINT_SECRET`. */
  secret?: string;
  /** The `svix-id`, credhooks' dedupe key; default a new `msg_…` id per call. Pass the same id to simulate Svix's redelivery of one message. */
  id?: string;
  /** The signed `svix-timestamp`: a Date or Unix seconds; default now. Move it to test clock skew. */
  timestamp?: Date | number;
  /** The `type` to put in the body instead of the canonical name, e.g. the older spelling `"credential:creation.succeeded"`. */
  sentAs?: string;
  /** Send the Standard Webhooks header names (`webhook-id`, …) instead of `svix-*`. */
  unbranded?: boolean;
}

/**
 * Builds a Crossmint delivery: `{"type", "data"}` signed by the `svix` package (HMAC-SHA256
 * over `id.timestamp.body`), as Crossmint's Svix deliveries are. The payload (`data`)
 * defaults to the seed example of the event.
 *
 * @example
 * ```ts
 * const d = crossmintDelivery("credential.creation.succeeded", undefined, { secret: process.env.CROSSMINT_SECRET });
 * await request(app).post(d.path).set(d.headers).send(d.body);
 * ```
 */
export function crossmintDelivery<E extends CrossmintEvent>(event: E, payload?: CrossmintPayloads[E], options: CrossmintDeliveryOptions = {}): TestDelivery {
  assertEvent("crossmint", event, CROSSMINT_SAMPLES);
  const { tenantId, mountPath } = placeOf("crossmint", options);
  const body = JSON.stringify({ type: options.sentAs ?? event, data: payload ?? CROSSMINT_SAMPLES[event] });
  const id = options.id ?? `msg_${randomBytes(12).toString("base64url")}`;
  const at = options.timestamp === undefined ? new Date() : typeof options.timestamp === "number" ? new Date(options.timestamp * 1000) : options.timestamp;
  const signature = new Webhook(options.secret ?? DEV_CREDENTIALS.CROSSMINT_SECRET).sign(id, at, body);
  const prefix = options.unbranded ? "webhook" : "svix";
  return {
    provider: "crossmint",
    event,
    tenantId,
    mountPath,
    method: "POST",
    path: mountPath,
    headers: {
      "content-type": "application/json",
      [`${prefix}-id`]: id,
      [`${prefix}-timestamp`]: String(Math.floor(at.getTime() / 1000)),
      [`${prefix}-signature`]: signature,
    },
    body,
  };
}
