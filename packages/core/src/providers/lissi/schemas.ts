import { z } from "zod";

/**
 * Connection states Lissi documents (Aries RFC 0160). The docs spell them both upper case
 * (`INVITED`, in the DTO) and lower case (`invited … complete`, from the RFC), so credhooks
 * compares them case-insensitively and exposes the upper-case form.
 *
 * @example
 * ```ts
 * if (event.payload.state === "COMPLETED") markConnected(event.payload.id);
 * ```
 */
export const LISSI_CONNECTION_STATES = ["INVITED", "REQUESTED", "RESPONDED", "COMPLETED", "REMOVED"] as const;

/**
 * Credential exchange states Lissi documents (Aries RFC 0036).
 *
 * @example
 * ```ts
 * if (event.payload.state === "CREDENTIAL_ISSUED") recordIssued(event.payload.id);
 * ```
 */
export const LISSI_CREDENTIAL_STATES = [
  "CREDENTIAL_OFFER_SENT",
  "CREDENTIAL_OFFER_RECEIVED",
  "CREDENTIAL_REQUEST_SENT",
  "CREDENTIAL_REQUEST_RECEIVED",
  "CREDENTIAL_ISSUED",
  "CREDENTIAL_RECEIVED",
  "CREDENTIAL_STORED",
  "CREDENTIAL_REVOKED",
  "CREDENTIAL_REMOVED",
] as const;

/**
 * Proof request states Lissi documents (Aries RFC 0037).
 *
 * @example
 * ```ts
 * if (event.payload.state === "VERIFIED") grantAccess(event.payload.id);
 * ```
 */
export const LISSI_PROOF_STATES = ["REQUEST_SENT", "REQUEST_RECEIVED", "PRESENTATION_SENT", "PRESENTATION_RECEIVED", "VERIFIED", "PROOF_RECORD_REMOVED"] as const;

/**
 * A documented connection state, upper case, e.g. `"COMPLETED"`.
 *
 * @example
 * ```ts
 * const done: LissiConnectionState = "COMPLETED";
 * ```
 */
export type LissiConnectionState = (typeof LISSI_CONNECTION_STATES)[number];
/**
 * A documented credential exchange state, upper case.
 *
 * @example
 * ```ts
 * const issued: LissiCredentialState = "CREDENTIAL_ISSUED";
 * ```
 */
export type LissiCredentialState = (typeof LISSI_CREDENTIAL_STATES)[number];
/**
 * A documented proof request state, upper case.
 *
 * @example
 * ```ts
 * const verified: LissiProofState = "VERIFIED";
 * ```
 */
export type LissiProofState = (typeof LISSI_PROOF_STATES)[number];

/**
 * A state as credhooks exposes it: one of the documented states, or any other string
 * (upper-cased) when Lissi sends a state its docs do not list yet. `string & {}` keeps
 * editor completion for the known states without rejecting new ones.
 *
 * @example
 * ```ts
 * const state: OpenState<LissiConnectionState> = "ABANDONED"; // accepted; "COMPLETED" etc. still autocomplete
 * ```
 */
export type OpenState<Known extends string> = Known | (string & {});

// The RFC 0160 name of the last connection state is "complete"; Lissi's DTO says "COMPLETED".
const CONNECTION_STATE_ALIASES: Readonly<Record<string, LissiConnectionState>> = { COMPLETE: "COMPLETED" };

/**
 * Normalizes a state for case-insensitive comparison: trimmed, upper case, hyphens and
 * spaces as underscores (the Aries RFCs write `offer-sent`, Lissi's DTOs `OFFER_SENT`),
 * then documented aliases. Unknown states are kept, normalized the same way.
 *
 * @example
 * ```ts
 * normalizeLissiState("invited"); // "INVITED"
 * normalizeLissiState("complete", { COMPLETE: "COMPLETED" }); // "COMPLETED"
 * ```
 */
export function normalizeLissiState(state: string, aliases: Readonly<Record<string, string>> = {}): string {
  const upper = state.trim().toUpperCase().replace(/[-\s]+/g, "_");
  return Object.hasOwn(aliases, upper) ? (aliases[upper] ?? upper) : upper;
}

const state = <Known extends string>(aliases: Readonly<Record<string, Known>> = {}) =>
  z.string().transform((value): OpenState<Known> => normalizeLissiState(value, aliases));

// Lissi's DTOs are open (fields get added): unknown fields pass through to `payload`.
const optionalText = z.string().nullable().optional();

/**
 * `connection:update` payload: the connection DTO Lissi posts to `/connections/<id>/update`.
 *
 * @example
 * ```ts
 * connectionUpdate.parse({ id: "b25de7d9", state: "invited" }).state; // "INVITED"
 * ```
 */
export const connectionUpdate = z.looseObject({
  id: z.string().min(1),
  state: state<LissiConnectionState>(CONNECTION_STATE_ALIASES),
  createdAt: optionalText,
  updatedAt: optionalText,
  myDid: optionalText,
  theirDid: optionalText,
  theirRole: optionalText,
  myLabel: optionalText,
  theirLabel: optionalText,
  alias: optionalText,
  accept: optionalText,
});

// Lissi documents the credential and proof DTOs only through their states: the schema
// requires what every state update must carry and lets the rest through untyped.
/**
 * `credential:update` payload: the credential exchange DTO posted to `/credentials/<id>/update`.
 *
 * @example
 * ```ts
 * credentialUpdate.parse({ id: "c1", state: "credential_issued" }).state; // "CREDENTIAL_ISSUED"
 * ```
 */
export const credentialUpdate = z.looseObject({
  id: z.string().min(1),
  state: state<LissiCredentialState>(),
  createdAt: optionalText,
  updatedAt: optionalText,
});

/**
 * `proof:update` payload: the proof request DTO posted to `/proofs/<id>/update`.
 *
 * @example
 * ```ts
 * proofUpdate.parse({ id: "p1", state: "VERIFIED" }).state; // "VERIFIED"
 * ```
 */
export const proofUpdate = z.looseObject({
  id: z.string().min(1),
  state: state<LissiProofState>(),
  createdAt: optionalText,
  updatedAt: optionalText,
});

/**
 * Payload of single-record events (`…/<id>/delete`, `…/<id>/revoke`): Lissi sends no body,
 * the id is in the path.
 *
 * @example
 * ```ts
 * hooks.on("connection:delete", (event) => forget(event.payload.id));
 * ```
 */
export const recordRef = z.object({ id: z.string().min(1) });

const describeInput = (input: unknown): string =>
  input === undefined ? "no body" : input === null ? "null" : Array.isArray(input) ? "an array" : typeof input === "object" ? "an object" : `a ${typeof input}`;

/**
 * Payload of bulk events (`/connections/delete`, `/credentials/revoke`, …): the JSON array
 * Lissi posts as the whole body, as `ids`.
 *
 * @example
 * ```ts
 * hooks.on("credentials:revoke", (event) => markRevoked(event.payload.ids));
 * ```
 */
export const recordRefs = z.object({
  ids: z.array(
    z.string({ error: "each record id must be a JSON string" }).min(1, { error: "a record id must not be empty" }),
    { error: (issue) => `Lissi bulk events carry a JSON array of record ids, e.g. ["id1","id2"], as the whole body; got ${describeInput(issue.input)}` },
  ),
});

/**
 * Lissi's events, by canonical name: the route they arrive on, singular topic for one
 * record (`connection:delete`), plural for a bulk event (`connections:delete`).
 *
 * @example
 * ```ts
 * Object.keys(lissiEvents); // ["connection:update", "connection:delete", …]
 * ```
 */
export const lissiEvents = {
  "connection:update": connectionUpdate,
  "connection:delete": recordRef,
  "connections:delete": recordRefs,
  "credential:update": credentialUpdate,
  "credential:delete": recordRef,
  "credentials:delete": recordRefs,
  "credential:revoke": recordRef,
  "credentials:revoke": recordRefs,
  "proof:update": proofUpdate,
  "proof:delete": recordRef,
  "proofs:delete": recordRefs,
} as const;

/**
 * Canonical Lissi event names.
 *
 * @example
 * ```ts
 * const name: LissiEventName = "connection:update";
 * ```
 */
export type LissiEventName = keyof typeof lissiEvents;
