import type { z } from "zod";
import type { NormalizedMatch, Normalizer } from "../../normalized-events.js";
import { nonEmptyString, subjectIdOf } from "../subject-id.js";
import type { CrossmintEventName, crossmintEvents } from "./schemas.js";

type Mapping = { [N in CrossmintEventName]?: (payload: z.output<(typeof crossmintEvents)[N]>) => NormalizedMatch | undefined };

// The credential id is `credentialId` on an encrypted credential and `id` on one in clear;
// an encrypted credential does not show its subject.
const mapping: Mapping = {
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
export const crossmintNormalizer: Normalizer = (event) => {
  const map = Object.hasOwn(mapping, event.name) ? (mapping[event.name as CrossmintEventName] as ((payload: unknown) => NormalizedMatch | undefined) | undefined) : undefined;
  return map?.(event.payload);
};
