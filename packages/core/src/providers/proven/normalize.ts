import { normalizerOf, type NormalizerMapping, type NormalizesMap, type Normalizer } from "../../normalized-events.js";
import { nonEmptyString } from "../subject-id.js";
import type { provenEvents } from "./schemas.js";

/**
 * The normalized events each Proven event can produce: `on()` accepts exactly these
 * normalized names on a Proven receiver. The mapping below is typed by it, and a test
 * checks it against what the mapping produces for every fixture.
 *
 * @example
 * ```ts
 * provenNormalizes["connection:completed"]; // ["connection.established"]
 * ```
 */
export const provenNormalizes = {
  "connection:completed": ["connection.established"],
  "credentials:done": ["credential.issued"],
  "oid4vc-credential:issued": ["credential.issued"],
  "presentation:verified": ["presentation.verified"],
  "oid4vc-presentation:verified": ["presentation.verified"],
  "basic-message:received": ["message.received"],
} as const satisfies NormalizesMap;

// Proven names outcomes, so each event maps to one normalized event; presentations map
// only when the payload says they verified (ACA-Py sends `verified: "false"` for a
// presentation that failed under the same event).
const mapping: NormalizerMapping<typeof provenNormalizes, typeof provenEvents> = {
  "connection:completed": (p) => ({ name: "connection.established", recordId: p.connection_id }),
  "credentials:done": (p) => ({ name: "credential.issued", recordId: p.cred_ex_id }),
  "oid4vc-credential:issued": (p) => ({ name: "credential.issued", recordId: p.exchange_id, subject: nonEmptyString(p.credential_subject?.["id"]) }),
  "presentation:verified": (p) => (p.verified === true || p.verified === "true" ? { name: "presentation.verified", recordId: p.pres_ex_id } : undefined),
  // OID4VP reports the outcome in `state` ("presentation-valid" / "presentation-invalid").
  "oid4vc-presentation:verified": (p) =>
    p.state === "presentation-valid" || p["verified"] === true || p["verified"] === "true" ? { name: "presentation.verified", recordId: p.presentation_id } : undefined,
  "basic-message:received": (p) => ({ name: "message.received", recordId: p.message_id }),
};

/**
 * Proven's mapping to the cross-provider vocabulary (the table is in the root README, "Normalized events").
 *
 * @example
 * ```ts
 * hooks.on("credential.issued", (event) => event.payload.recordId); // cred_ex_id or exchange_id
 * ```
 */
export const provenNormalizer: Normalizer = normalizerOf(mapping);
