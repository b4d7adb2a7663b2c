import { normalizerOf, type NormalizerMapping, type NormalizesMap, type Normalizer } from "../../normalized-events.js";
import type { lissiEvents } from "./schemas.js";

/**
 * The normalized events each Lissi event can produce: `on()` accepts exactly these
 * normalized names on a Lissi receiver. The mapping below is typed by it, and a test
 * checks it against what the mapping produces for every fixture.
 *
 * @example
 * ```ts
 * lissiNormalizes["connection:update"]; // ["connection.established"]
 * ```
 */
export const lissiNormalizes = {
  "connection:update": ["connection.established"],
  "connection:delete": ["connection.deleted"],
  "connections:delete": ["connection.deleted"],
  "credential:update": ["credential.issued", "credential.offered"],
  "credential:delete": ["credential.deleted"],
  "credentials:delete": ["credential.deleted"],
  "credential:revoke": ["credential.revoked"],
  "credentials:revoke": ["credential.revoked"],
  "proof:update": ["presentation.verified"],
  "proof:delete": ["presentation.deleted"],
  "proofs:delete": ["presentation.deleted"],
} as const satisfies NormalizesMap;

// Lissi reports state updates: only the states that mean one thing happened are mapped
// (states are already upper case: the schemas normalize them). Revocations and deletions
// map from their own routes, not from the CREDENTIAL_REVOKED / *_REMOVED states, so that a
// revocation Lissi reports both ways fires credential.revoked once.
const mapping: NormalizerMapping<typeof lissiNormalizes, typeof lissiEvents> = {
  "connection:update": (p) => (p.state === "COMPLETED" ? { name: "connection.established", recordId: p.id, subject: p.theirDid ?? undefined } : undefined),
  "connection:delete": (p) => ({ name: "connection.deleted", recordId: p.id }),
  "connections:delete": (p) => ({ name: "connection.deleted", recordIds: p.ids }),
  "credential:update": (p) =>
    p.state === "CREDENTIAL_ISSUED" ? { name: "credential.issued", recordId: p.id } : p.state === "CREDENTIAL_OFFER_SENT" ? { name: "credential.offered", recordId: p.id } : undefined,
  "credential:delete": (p) => ({ name: "credential.deleted", recordId: p.id }),
  "credentials:delete": (p) => ({ name: "credential.deleted", recordIds: p.ids }),
  "credential:revoke": (p) => ({ name: "credential.revoked", recordId: p.id }),
  "credentials:revoke": (p) => ({ name: "credential.revoked", recordIds: p.ids }),
  "proof:update": (p) => (p.state === "VERIFIED" ? { name: "presentation.verified", recordId: p.id } : undefined),
  "proof:delete": (p) => ({ name: "presentation.deleted", recordId: p.id }),
  "proofs:delete": (p) => ({ name: "presentation.deleted", recordIds: p.ids }),
};

/**
 * Lissi's mapping to the cross-provider vocabulary (the table is in the root README, "Normalized events").
 *
 * @example
 * ```ts
 * hooks.on("credential.revoked", (event) => markRevoked(event.payload.recordIds ?? [event.payload.recordId]));
 * ```
 */
export const lissiNormalizer: Normalizer = normalizerOf(mapping);
