import { normalizerOf, type NormalizerMapping, type NormalizesMap, type NormalizedMatch, type Normalizer } from "../../normalized-events.js";
import { nonEmptyString, subjectIdOf } from "../subject-id.js";
import type { sovrinEvents } from "./schemas.js";

// Subject: Sovrin's `userId` (the user the credential was issued to), else the
// credential's subject DID.
const issued = (p: { credentialId?: string | undefined; userId?: string | undefined; credential?: unknown }): NormalizedMatch<"credential.issued"> => ({
  name: "credential.issued",
  recordId: nonEmptyString(p.credentialId),
  subject: nonEmptyString(p.userId) ?? subjectIdOf(p.credential),
});

/**
 * The normalized events each Sovrin event can produce: `on()` accepts exactly these
 * normalized names on a Sovrin receiver. The mapping below is typed by it, and a test
 * checks it against what the mapping produces for every fixture.
 *
 * @example
 * ```ts
 * sovrinNormalizes["OpenIdCredentialIssued"]; // ["credential.issued"]
 * ```
 */
export const sovrinNormalizes = {
  OpenIdCredentialIssued: ["credential.issued"],
  OpenIdCredentialIssuedSummary: ["credential.issued"],
  OidcIssuerCredentialIssued: ["credential.issued"],
} as const satisfies NormalizesMap;

// OpenIdCredentialIssuedSummary reports the same issuance as OpenIdCredentialIssued
// without the credential: a webhook subscribes to one of them (subscribing to both gives
// two credential.issued with the same recordId).
const mapping: NormalizerMapping<typeof sovrinNormalizes, typeof sovrinEvents> = {
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
export const sovrinNormalizer: Normalizer = normalizerOf(mapping);
