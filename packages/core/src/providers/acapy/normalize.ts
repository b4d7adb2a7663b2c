import { normalizerOf, type NormalizerMapping, type NormalizesMap, type Normalizer } from "../../normalized-events.js";
import type { acapyEvents } from "./schemas.js";

const orUndefined = (value: string | null | undefined): string | undefined => value ?? undefined;

/**
 * The normalized events each ACA-Py event can produce: `on()` accepts exactly these
 * normalized names on an ACA-Py receiver. The mapping below is typed by it, and a test
 * checks it against what the mapping produces for every fixture.
 *
 * @example
 * ```ts
 * acapyNormalizes["connections.active"]; // ["connection.established"]
 * ```
 */
export const acapyNormalizes = {
  "connections.active": ["connection.established"],
  "connections.deleted": ["connection.deleted"],
  "issue_credential_v2_0.offer-sent": ["credential.offered"],
  "issue_credential_v2_0.done": ["credential.issued"],
  "issue_credential_v2_0.abandoned": ["credential.failed"],
  "present_proof_v2_0.done": ["presentation.verified"],
  "basicmessages.received": ["message.received"],
  "issuer_cred_rev.revoked": ["credential.revoked"],
} as const satisfies NormalizesMap;

// ACA-Py reports states, not outcomes: only states that mean one thing happened are mapped.
// - `issue_credential_v2_0.done` is the state both roles reach; the issuer also passes
//   `credential-issued` just before, so mapping both would fire credential.issued twice.
// - `*.deleted` of exchange records is housekeeping (ACA-Py removes finished exchanges
//   when `auto_remove` is on), not a deleted credential; connections are only deleted on request.
// - issuer_cred_rev's recordId is the exchange (`cred_ex_id`), the same id credential.issued
//   carried, so a revocation can be matched with its issuance.
const mapping: NormalizerMapping<typeof acapyNormalizes, typeof acapyEvents> = {
  "connections.active": (p) => ({ name: "connection.established", recordId: p.record.connection_id, subject: orUndefined(p.record.their_did) }),
  "connections.deleted": (p) => ({ name: "connection.deleted", recordId: p.record.connection_id, subject: orUndefined(p.record.their_did) }),
  "issue_credential_v2_0.offer-sent": (p) => ({ name: "credential.offered", recordId: p.record.cred_ex_id }),
  "issue_credential_v2_0.done": (p) => ({ name: "credential.issued", recordId: p.record.cred_ex_id }),
  "issue_credential_v2_0.abandoned": (p) => ({ name: "credential.failed", recordId: p.record.cred_ex_id }),
  "present_proof_v2_0.done": (p) => (isTrue(p.record.verified) ? { name: "presentation.verified", recordId: p.record.pres_ex_id } : undefined),
  "basicmessages.received": (p) => ({ name: "message.received", recordId: p.record.message_id }),
  "issuer_cred_rev.revoked": (p) => ({ name: "credential.revoked", recordId: orUndefined(p.record.cred_ex_id) ?? p.record.record_id }),
};

/** ACA-Py sends `verified` as the string "true"/"false"; plugins may send a boolean. */
function isTrue(value: string | boolean | null | undefined): boolean {
  return value === true || value === "true";
}

/**
 * ACA-Py's mapping to the cross-provider vocabulary (the table is in the root README, "Normalized events").
 *
 * @example
 * ```ts
 * hooks.on("credential.issued", (event) => event.payload.recordId); // the cred_ex_id
 * ```
 */
export const acapyNormalizer: Normalizer = normalizerOf(mapping);
