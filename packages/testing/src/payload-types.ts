import type { acapyEvents } from "@credhooks/core/providers/acapy";
import type { crossmintEvents } from "@credhooks/core/providers/crossmint";
import type { lissiEvents } from "@credhooks/core/providers/lissi";
import type { provenEvents } from "@credhooks/core/providers/proven";
import type { sovrinEvents } from "@credhooks/core/providers/sovrin";
import type { truveraEvents } from "@credhooks/core/providers/truvera";

/**
 * What a zod schema accepts (its input type), read from the schema's own type so this
 * package needs no zod dependency of its own; it is what `z.input<S>` computes. Lissi's
 * states, for example, are any string here and upper case in the handler.
 *
 * @example
 * ```ts
 * type Dto = SchemaInput<(typeof lissiEvents)["connection:update"]>; // { id: string; state: string; … }
 * ```
 */
export type SchemaInput<S> = S extends { readonly _zod: { readonly input: infer I } } ? I : never;

/** The payloads a provider's events accept, by event name: what its handlers get as `event.payload`, before parsing. */
type PayloadsOf<Events> = { [E in keyof Events & string]: SchemaInput<Events[E]> };

/**
 * Proven payloads by event (the body's `webhook` object).
 *
 * @example
 * ```ts
 * const done: ProvenPayloads["credentials:done"] = { cred_ex_id: "c1", state: "done" };
 * ```
 */
export type ProvenPayloads = PayloadsOf<typeof provenEvents>;

/**
 * Lissi payloads by event: the DTO of an update, `{ id }` of a single deletion or
 * revocation, `{ ids }` of a bulk event — exactly what the handler receives.
 *
 * @example
 * ```ts
 * const bulk: LissiPayloads["connections:delete"] = { ids: ["c1", "c2"] };
 * ```
 */
export type LissiPayloads = PayloadsOf<typeof lissiEvents>;

/**
 * Truvera payloads by event (the body's `data`).
 *
 * @example
 * ```ts
 * const proof: TruveraPayloads["proof_submitted"] = { id: "p1", verified: true };
 * ```
 */
export type TruveraPayloads = PayloadsOf<typeof truveraEvents>;

/**
 * Crossmint payloads by event (the body's `data`).
 *
 * @example
 * ```ts
 * const failed: CrossmintPayloads["credential.creation.failed"] = { error: "subject does not match the schema" };
 * ```
 */
export type CrossmintPayloads = PayloadsOf<typeof crossmintEvents>;

/**
 * Sovrin payloads by event type (the envelope's `event.payload`).
 *
 * @example
 * ```ts
 * const issued: SovrinPayloads["OpenIdCredentialIssued"] = { credentialId: "c1", format: "ldp_vc" };
 * ```
 */
export type SovrinPayloads = PayloadsOf<typeof sovrinEvents>;

/** The record an ACA-Py event schema wraps (its `record` field), input side. */
type RecordOf<S> = SchemaInput<S> extends { record: infer R } ? R : never;

/**
 * ACA-Py records by event: the bare record ACA-Py posts (the body), which handlers receive
 * as `event.payload.record`. A stateful topic's record has the event's state as its `state`
 * (ACA-Py names the event by it): `"done"` for `issue_credential_v2_0.done`; the builder
 * fills it in when left out.
 *
 * @example
 * ```ts
 * const done: AcapyRecords["issue_credential_v2_0.done"] = { cred_ex_id: "x1", state: "done", role: "issuer" };
 * ```
 */
export type AcapyRecords = {
  [E in keyof typeof acapyEvents & string]: RecordOf<(typeof acapyEvents)[E]> & (E extends `${string}::${infer S}` ? { state?: S } : E extends `${string}.${infer S}` ? { state?: S } : unknown);
};

/**
 * Proven event names, e.g. `"credentials:done"`.
 *
 * @example
 * ```ts
 * const events: ProvenEvent[] = ["connection:completed", "credentials:done"];
 * ```
 */
export type ProvenEvent = keyof ProvenPayloads;
/**
 * Lissi event names, e.g. `"connection:update"`.
 *
 * @example
 * ```ts
 * const event: LissiEvent = "credentials:revoke";
 * ```
 */
export type LissiEvent = keyof LissiPayloads;
/**
 * Truvera event names, e.g. `"credential_issued"`.
 *
 * @example
 * ```ts
 * const event: TruveraEvent = "proof_submitted";
 * ```
 */
export type TruveraEvent = keyof TruveraPayloads;
/**
 * Crossmint event names, e.g. `"credential.creation.succeeded"`.
 *
 * @example
 * ```ts
 * const event: CrossmintEvent = "credential.creation.failed";
 * ```
 */
export type CrossmintEvent = keyof CrossmintPayloads;
/**
 * Sovrin event types, e.g. `"OpenIdCredentialIssued"`.
 *
 * @example
 * ```ts
 * const event: SovrinEvent = "OpenIdCredentialIssuedSummary";
 * ```
 */
export type SovrinEvent = keyof SovrinPayloads;
/**
 * ACA-Py event names: `<topic>.<state>` (`"issue_credential_v2_0.done"`,
 * `"connections.active"`), or the bare topic of a record without a state (`"problem_report"`).
 *
 * @example
 * ```ts
 * const events: AcapyEvent[] = ["connections.active", "issue_credential_v2_0.done", "problem_report"];
 * ```
 */
export type AcapyEvent = keyof AcapyRecords;
