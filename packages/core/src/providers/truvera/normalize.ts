import type { z } from "zod";
import type { NormalizedEventName, NormalizedMatch, Normalizer } from "../../normalized-events.js";
import { nonEmptyString, subjectIdOf } from "../subject-id.js";
import type { TruveraEventName, truveraEvents } from "./schemas.js";

type Mapping = { [N in TruveraEventName]?: (payload: z.output<(typeof truveraEvents)[N]>) => NormalizedMatch | undefined };

// The chain events carry the transaction, not the resource: their recordId is `data.id`
// only when Truvera sends one (its payloads are "key information", sometimes slimmer).
const chain = (name: NormalizedEventName) => (payload: Record<string, unknown>): NormalizedMatch => ({ name, recordId: nonEmptyString(payload["id"]) });

// `credential_create` is not mapped: Truvera reports the same credential again as
// `credential_issued`, which would fire credential.issued twice. `anchor_create` (legacy)
// has no counterpart.
const mapping: Mapping = {
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
export const truveraNormalizer: Normalizer = (event) => {
  const map = Object.hasOwn(mapping, event.name) ? (mapping[event.name as TruveraEventName] as ((payload: unknown) => NormalizedMatch | undefined) | undefined) : undefined;
  return map?.(event.payload);
};
