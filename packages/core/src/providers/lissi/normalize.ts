import type { z } from "zod";
import type { NormalizedMatch, Normalizer } from "../../normalized-events.js";
import type { LissiEventName, lissiEvents } from "./schemas.js";

type Mapping = { [N in LissiEventName]?: (payload: z.output<(typeof lissiEvents)[N]>) => NormalizedMatch | undefined };

// Lissi reports state updates: only the states that mean one thing happened are mapped
// (states are already upper case: the schemas normalize them). Revocations and deletions
// map from their own routes, not from the CREDENTIAL_REVOKED / *_REMOVED states, so that a
// revocation Lissi reports both ways fires credential.revoked once.
const mapping: Mapping = {
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
export const lissiNormalizer: Normalizer = (event) => {
  const map = Object.hasOwn(mapping, event.name) ? (mapping[event.name as LissiEventName] as ((payload: unknown) => NormalizedMatch | undefined) | undefined) : undefined;
  return map?.(event.payload);
};
