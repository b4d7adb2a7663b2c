import { normalizerOf, type NormalizerMapping, type NormalizesMap, type Normalizer } from "../../normalized-events.js";
import { nonEmptyString, subjectIdOf } from "../subject-id.js";
import type { crossmintEvents } from "./schemas.js";

/**
 * The normalized events each Crossmint event can produce: `on()` accepts exactly these
 * normalized names on a Crossmint receiver. The mapping below is typed by it, and a test
 * checks it against what the mapping produces for every fixture.
 *
 * @example
 * ```ts
 * crossmintNormalizes["credential.creation.succeeded"]; // ["credential.issued"]
 * ```
 */
export const crossmintNormalizes = {
  "credential.creation.succeeded": ["credential.issued"],
  "credential.creation.failed": ["credential.failed"],
} as const satisfies NormalizesMap;

// The credential id is `credentialId` on an encrypted credential and `id` on one in clear;
// an encrypted credential does not show its subject.
const mapping: NormalizerMapping<typeof crossmintNormalizes, typeof crossmintEvents> = {
  "credential.creation.succeeded": (p) => ({
    name: "credential.issued",
    recordId: nonEmptyString(p.credential.credentialId) ?? nonEmptyString(p.credential.id),
    subject: subjectIdOf(p.credential),
  }),
  // Crossmint documents only `error` here; an id is passed on when it sends one.
  "credential.creation.failed": (p) => ({ name: "credential.failed", recordId: nonEmptyString(p["credentialId"]) ?? nonEmptyString(p["id"]) }),
};

/**
 * Crossmint's mapping to the cross-provider vocabulary (the table is in the root README, "Normalized events").
 *
 * @example
 * ```ts
 * hooks.on("credential.failed", (event) => alert(event.payload.source.payload));
 * ```
 */
export const crossmintNormalizer: Normalizer = normalizerOf(mapping);
