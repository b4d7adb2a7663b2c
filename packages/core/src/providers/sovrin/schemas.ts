import { z } from "zod";

// Sovrin (MATTR VII) adds fields to its event payloads over time, so every object is open
// (unknown fields pass through to `payload` and `raw`); only what identifies the issued
// credential is required.
const optionalString = z.string().optional();

/**
 * `OpenIdCredentialIssued`: a credential was issued through the OpenID credential
 * provisioning flow (OID4VCI). `credential` holds the issued credential itself; its shape
 * depends on `format` (`ldp_vc`, `cwt`, `mso_mdoc`, …).
 *
 * @example
 * ```ts
 * hooks.on("OpenIdCredentialIssued", (event) => store(event.payload.credentialId, event.payload.credential));
 * ```
 */
export const openIdCredentialIssued = z.looseObject({
  credentialId: z.string(),
  credentialConfigurationId: optionalString,
  credentialProfile: optionalString,
  format: optionalString,
  userId: optionalString,
  credential: z.unknown().optional(),
});

/**
 * `OpenIdCredentialIssuedSummary`: the same issuance as `OpenIdCredentialIssued`, without
 * the credential object.
 *
 * @example
 * ```ts
 * hooks.on("OpenIdCredentialIssuedSummary", (event) => recordIssued(event.payload.credentialId, event.payload.userId));
 * ```
 */
export const openIdCredentialIssuedSummary = z.looseObject({
  credentialId: z.string(),
  credentialConfigurationId: optionalString,
  credentialProfile: optionalString,
  format: optionalString,
  userId: optionalString,
});

/**
 * `OidcIssuerCredentialIssued`: a credential was issued through the OIDC bridge. The
 * sender documents no field list for this payload, so nothing is required; the fields
 * below are typed when present and everything else passes through.
 *
 * @example
 * ```ts
 * hooks.on("OidcIssuerCredentialIssued", (event) => console.log(event.payload.issuerId, event.raw));
 * ```
 */
export const oidcIssuerCredentialIssued = z.looseObject({
  credentialId: optionalString,
  issuerId: optionalString,
  userId: optionalString,
  credential: z.unknown().optional(),
});

/**
 * Sovrin's events, by the name the sender puts in `event.type`.
 *
 * @example
 * ```ts
 * sovrinEvents.OpenIdCredentialIssued.parse({ credentialId: "c1", format: "ldp_vc" });
 * ```
 */
export const sovrinEvents = {
  OpenIdCredentialIssued: openIdCredentialIssued,
  OpenIdCredentialIssuedSummary: openIdCredentialIssuedSummary,
  OidcIssuerCredentialIssued: oidcIssuerCredentialIssued,
} as const;

/**
 * Sovrin event names.
 *
 * @example
 * ```ts
 * const name: SovrinEventName = "OpenIdCredentialIssued";
 * ```
 */
export type SovrinEventName = keyof typeof sovrinEvents;

/**
 * The envelope of every Sovrin delivery: `{deliveryId, deliveryTimestamp, webhookId,
 * event: {id, type, timestamp, payload}}`. `deliveryId` changes on every attempt;
 * `event.id` is the same on every redelivery of an event.
 *
 * @example
 * ```ts
 * const envelope = sovrinEnvelope.parse(JSON.parse(rawBody.toString("utf8")));
 * envelope.event.id; // the dedupe id
 * ```
 */
export const sovrinEnvelope = z.looseObject({
  deliveryId: optionalString,
  deliveryTimestamp: optionalString,
  webhookId: optionalString,
  event: z.looseObject({
    id: z.string().min(1),
    type: z.string().min(1),
    timestamp: optionalString,
    payload: z.unknown(),
  }),
});

/**
 * A decoded Sovrin envelope.
 *
 * @example
 * ```ts
 * const envelope: SovrinEnvelope = sovrinEnvelope.parse(event.raw);
 * envelope.deliveryId; // changes on every attempt; envelope.event.id does not
 * ```
 */
export type SovrinEnvelope = z.output<typeof sovrinEnvelope>;
