import { randomUUID } from "node:crypto";
import { signSovrinDelivery, type SignSovrinDeliveryOptions } from "@credhooks/core/providers/sovrin";
import { DEV_SOVRIN_SIGNING_JWK } from "./dev-credentials.js";
import { assertEvent, placeOf, type DeliveryOptions, type TestDelivery } from "./delivery.js";
import type { SovrinEvent, SovrinPayloads } from "./payload-types.js";
import { SOVRIN_SAMPLE_WEBHOOK_ID, SOVRIN_SAMPLES } from "./samples.js";

/**
 * Options of {@link sovrinDelivery}.
 *
 * @example
 * ```ts
 * const pair = generateSovrinKeyPair();
 * const options: SovrinDeliveryOptions = { privateKey: pair.privateJwk, url: "http://localhost:3000/events/acme/sovrin" };
 * ```
 */
export interface SovrinDeliveryOptions extends DeliveryOptions {
  /** The Ed25519 private key: a JWK with `d` (and `kid`), or a KeyObject with `keyid`; default the development key ({@link DEV_SOVRIN_SIGNING_JWK}). */
  privateKey?: SignSovrinDeliveryOptions["privateKey"];
  /** The `keyid` to send; default the JWK's `kid`. */
  keyid?: string;
  /**
   * The absolute URL the delivery is addressed to: its origin is covered by the signature
   * (`@authority`), as Sovrin signs it, and its path, unless `/`, is the mount path.
   * Without it the signature covers no authority, so the delivery verifies whatever the
   * `Host` (supertest listens on a random port).
   */
  url?: string | URL;
  /** `event.id`, credhooks' dedupe key; default a new UUID per call. Pass the same id to simulate Sovrin's retry of one event. */
  eventId?: string;
  /** `deliveryId`; default a new UUID (Sovrin's changes on every attempt). */
  deliveryId?: string;
  /** The body's `webhookId`; default the seed's. */
  webhookId?: string;
  /** The signature's `created`; default now. Move it to test clock skew. */
  created?: Date;
  /** The covered components; default `@method`, `@path`, (`@authority` with `url`), `content-type`, `content-digest`. */
  components?: readonly string[];
}

/**
 * Builds a Sovrin (MATTR VII) delivery: the envelope
 * `{deliveryId, deliveryTimestamp, webhookId, event: {id, type, timestamp, payload}}`,
 * signed with an Ed25519 HTTP Message Signature (RFC 9421) covering the method, path,
 * content type and `Content-Digest`. The payload defaults to the seed example of the event.
 *
 * @example
 * ```ts
 * const pair = generateSovrinKeyPair();
 * const app = express().use("/events/:tenantId/sovrin", webhooks({ provider: sovrin({ jwks: pair.jwks }) }));
 * const d = sovrinDelivery("OpenIdCredentialIssued", undefined, { privateKey: pair.privateJwk });
 * await request(app).post(d.path).set(d.headers).send(d.body);
 * ```
 */
export function sovrinDelivery<E extends SovrinEvent>(event: E, payload?: SovrinPayloads[E], options: SovrinDeliveryOptions = {}): TestDelivery {
  assertEvent("sovrin", event, SOVRIN_SAMPLES);
  const url = options.url === undefined ? undefined : new URL(options.url);
  // A bare origin ("http://localhost:3000") keeps the default mount path.
  const place = placeOf("sovrin", url === undefined || url.pathname === "/" ? options : { ...options, mountPath: url.pathname });
  const now = new Date().toISOString();
  const envelope = {
    deliveryId: options.deliveryId ?? randomUUID(),
    deliveryTimestamp: now,
    webhookId: options.webhookId ?? SOVRIN_SAMPLE_WEBHOOK_ID,
    event: { id: options.eventId ?? randomUUID(), type: event, timestamp: now, payload: payload ?? SOVRIN_SAMPLES[event] },
  };
  const body = JSON.stringify(envelope);
  const signed = signSovrinDelivery({
    privateKey: options.privateKey ?? DEV_SOVRIN_SIGNING_JWK,
    ...(options.keyid === undefined ? {} : { keyid: options.keyid }),
    // Without a URL only the path is signed, so any origin will do for the signer.
    url: new URL(place.mountPath, url ?? "http://localhost"),
    body,
    components: options.components ?? (url === undefined ? ["@method", "@path", "content-type", "content-digest"] : ["@method", "@path", "@authority", "content-type", "content-digest"]),
    ...(options.created === undefined ? {} : { created: options.created }),
  });
  return { provider: "sovrin", event, tenantId: place.tenantId, mountPath: place.mountPath, method: "POST", path: place.mountPath, headers: signed.headers, body };
}
