import { normalizerOf, type NormalizerMapping, type NormalizesMap, type NormalizedEventName, type NormalizedMatch, type Normalizer } from "../../normalized-events.js";
import { nonEmptyString, subjectIdOf } from "../subject-id.js";
import type { truveraEvents } from "./schemas.js";

// The chain events carry the transaction, not the resource: their recordId is `data.id`
// only when Truvera sends one (its payloads are "key information", sometimes slimmer).
const chain = <Name extends NormalizedEventName>(name: Name) => (payload: Record<string, unknown>): NormalizedMatch<Name> => ({ name, recordId: nonEmptyString(payload["id"]) });

/**
 * The normalized events each Truvera event can produce: `on()` accepts exactly these
 * normalized names on a Truvera receiver. The mapping below is typed by it, and a test
 * checks it against what the mapping produces for every fixture.
 *
 * @example
 * ```ts
 * truveraNormalizes["credential_issued"]; // ["credential.issued"]
 * ```
 */
export const truveraNormalizes = {
  credential_issued: ["credential.issued"],
  credential_revoke: ["credential.revoked"],
  credential_unrevoke: ["credential.unrevoked"],
  did_create: ["did.created"],
  did_update_key: ["did.updated"],
  did_update_controller: ["did.updated"],
  did_delete: ["did.deleted"],
  registry_create: ["registry.created"],
  registry_delete: ["registry.deleted"],
  schema_create: ["schema.created"],
  proof_submitted: ["presentation.verified"],
} as const satisfies NormalizesMap;

// `credential_create` is not mapped: Truvera reports the same credential again as
// `credential_issued`, which would fire credential.issued twice. `anchor_create` (legacy)
// has no counterpart.
const mapping: NormalizerMapping<typeof truveraNormalizes, typeof truveraEvents> = {
  credential_issued: (p) => ({ name: "credential.issued", recordId: p.id, subject: subjectIdOf(p.credential) }),
  credential_revoke: chain("credential.revoked"),
  credential_unrevoke: chain("credential.unrevoked"),
  did_create: chain("did.created"),
  did_update_key: chain("did.updated"),
  did_update_controller: chain("did.updated"),
  did_delete: chain("did.deleted"),
  registry_create: chain("registry.created"),
  registry_delete: chain("registry.deleted"),
  schema_create: chain("schema.created"),
  proof_submitted: (p) => (p.verified === true ? { name: "presentation.verified", recordId: p.id } : undefined),
};

/**
 * Truvera's mapping to the cross-provider vocabulary (the table is in the root README, "Normalized events").
 *
 * @example
 * ```ts
 * hooks.on("did.updated", (event) => event.payload.source.name); // "did_update_key" or "did_update_controller"
 * ```
 */
export const truveraNormalizer: Normalizer = normalizerOf(mapping);
