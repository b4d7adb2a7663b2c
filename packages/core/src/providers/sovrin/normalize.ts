import type { z } from "zod";
import type { NormalizedMatch, Normalizer } from "../../normalized-events.js";
import { nonEmptyString, subjectIdOf } from "../subject-id.js";
import type { SovrinEventName, sovrinEvents } from "./schemas.js";

type Mapping = { [N in SovrinEventName]?: (payload: z.output<(typeof sovrinEvents)[N]>) => NormalizedMatch | undefined };

// Subject: Sovrin's `userId` (the user the credential was issued to), else the
// credential's subject DID.
const issued = (p: { credentialId?: string | undefined; userId?: string | undefined; credential?: unknown }): NormalizedMatch => ({
  name: "credential.issued",
  recordId: nonEmptyString(p.credentialId),
  subject: nonEmptyString(p.userId) ?? subjectIdOf(p.credential),
});

// OpenIdCredentialIssuedSummary reports the same issuance as OpenIdCredentialIssued
// without the credential: a webhook subscribes to one of them (subscribing to both gives
// two credential.issued with the same recordId).
const mapping: Mapping = {
  OpenIdCredentialIssued: issued,
  OpenIdCredentialIssuedSummary: issued,
  OidcIssuerCredentialIssued: issued,
};

/**
 * Sovrin's mapping to the cross-provider vocabulary (the table is in the root README, "Normalized events").
 *
 * @example
 * ```ts
 * hooks.on("credential.issued", (event) => event.payload.subject); // userId or the subject DID
 * ```
 */
export const sovrinNormalizer: Normalizer = (event) => {
  const map = Object.hasOwn(mapping, event.name) ? (mapping[event.name as SovrinEventName] as ((payload: unknown) => NormalizedMatch | undefined) | undefined) : undefined;
  return map?.(event.payload);
};
