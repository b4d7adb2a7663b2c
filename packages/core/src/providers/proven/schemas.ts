import { z } from "zod";

// Proven posts ACA-Py records: fields are added over time, so every object is open
// (unknown fields pass through to `payload`) and only the record id is required.
const nullableString = z.string().nullable().optional();
const timestamp = z.string().optional();

/**
 * `connection:completed`: a DIDComm connection is established.
 *
 * @example
 * ```ts
 * hooks.on("connection:completed", (event) => markConnected(event.tenantId, event.payload.connection_id));
 * ```
 */
export const connectionCompleted = z.looseObject({
  connection_id: z.string(),
  invitation_key: nullableString,
  invitation_msg_id: nullableString,
  contact_id: nullableString,
  purpose: nullableString,
  wallet_id: nullableString,
  discovered_features: z.array(z.looseObject({ pid: z.string(), roles: z.array(z.string()).optional() })).nullable().optional(),
});

/**
 * `credentials:done`: an AnonCreds / JSON-LD credential was issued.
 *
 * @example
 * ```ts
 * hooks.on("credentials:done", (event) => recordIssued(event.payload.cred_ex_id, event.payload.connection_id));
 * ```
 */
export const credentialsDone = z.looseObject({
  cred_ex_id: z.string(),
  state: z.string().optional(),
  connection_id: nullableString,
  thread_id: nullableString,
  wallet_id: nullableString,
  role: z.string().optional(),
  initiator: z.string().optional(),
  created_at: timestamp,
  updated_at: timestamp,
  credential_id: nullableString,
});

/**
 * `presentation:verified`: an AnonCreds / JSON-LD presentation was verified. `verified` is the string "true" or "false".
 *
 * @example
 * ```ts
 * hooks.on("presentation:verified", (event) => {
 *   if (String(event.payload.verified) === "true") grantAccess(event.payload.pres_ex_id);
 * });
 * ```
 */
export const presentationVerified = z.looseObject({
  pres_ex_id: z.string(),
  state: z.string().optional(),
  connection_id: nullableString,
  thread_id: nullableString,
  wallet_id: nullableString,
  role: z.string().optional(),
  initiator: z.string().optional(),
  verified: z.union([z.string(), z.boolean()]).optional(),
  created_at: timestamp,
  updated_at: timestamp,
});

/**
 * `oid4vc-credential:issued`: a credential was issued over OpenID for Verifiable Credentials.
 *
 * @example
 * ```ts
 * hooks.on("oid4vc-credential:issued", (event) => recordIssued(event.payload.exchange_id, event.payload.supported_cred_id));
 * ```
 */
export const oid4vcCredentialIssued = z.looseObject({
  exchange_id: z.string(),
  supported_cred_id: z.string().optional(),
  credential_subject: z.record(z.string(), z.unknown()).optional(),
  verification_method: z.string().optional(),
  state: z.string().optional(),
  issuer_id: z.string().optional(),
  code: nullableString,
  token: nullableString,
});

/**
 * `oid4vc-presentation:verified`: an OpenID for Verifiable Presentations presentation was verified.
 *
 * @example
 * ```ts
 * hooks.on("oid4vc-presentation:verified", (event) => grantAccess(event.payload.presentation_id));
 * ```
 */
export const oid4vcPresentationVerified = z.looseObject({
  presentation_id: z.string(),
  pres_def_id: z.string().optional(),
  request_id: nullableString,
  matched_credentials: z.record(z.string(), z.unknown()).optional(),
  state: z.string().optional(),
});

/**
 * `basic-message:received`: a DIDComm basic message arrived (also sent as `webhook:basic-message`).
 *
 * @example
 * ```ts
 * hooks.on("basic-message:received", (event) => inbox.add(event.payload.connection_id, event.payload.content));
 * ```
 */
export const basicMessageReceived = z.looseObject({
  message_id: z.string(),
  connection_id: nullableString,
  content: z.string().optional(),
  state: z.string().optional(),
  sent_time: z.string().optional(),
  locale: nullableString,
  wallet_id: nullableString,
});

/**
 * Proven's events, by canonical name.
 *
 * @example
 * ```ts
 * type Done = z.output<(typeof provenEvents)["credentials:done"]>;
 * Object.keys(provenEvents); // ["connection:completed", "credentials:done", …]
 * ```
 */
export const provenEvents = {
  "connection:completed": connectionCompleted,
  "credentials:done": credentialsDone,
  "presentation:verified": presentationVerified,
  "oid4vc-credential:issued": oid4vcCredentialIssued,
  "oid4vc-presentation:verified": oid4vcPresentationVerified,
  "basic-message:received": basicMessageReceived,
} as const;

/**
 * Canonical Proven event names.
 *
 * @example
 * ```ts
 * const name: ProvenEventName = "credentials:done";
 * ```
 */
export type ProvenEventName = keyof typeof provenEvents;

/**
 * The field holding each event's record id (part of the dedupe id).
 *
 * @example
 * ```ts
 * provenRecordIdField["credentials:done"]; // "cred_ex_id"
 * ```
 */
export const provenRecordIdField: Record<ProvenEventName, string> = {
  "connection:completed": "connection_id",
  "credentials:done": "cred_ex_id",
  "presentation:verified": "pres_ex_id",
  "oid4vc-credential:issued": "exchange_id",
  "oid4vc-presentation:verified": "presentation_id",
  "basic-message:received": "message_id",
};
