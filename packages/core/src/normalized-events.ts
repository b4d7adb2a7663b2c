import type { z } from "zod";
import type { WebhookEvent } from "./event.js";

/**
 * The cross-provider vocabulary: one name per thing that happened, whichever platform
 * reported it. A user switching provider keeps their normalized handlers. No name here is
 * any provider's own event name (a test checks every provider, ACA-Py's `topic.state` names included).
 *
 * @example
 * ```ts
 * NORMALIZED_EVENT_NAMES.includes("credential.issued"); // true
 * ```
 */
export const NORMALIZED_EVENT_NAMES = [
  "credential.offered",
  "credential.issued",
  "credential.revoked",
  "credential.unrevoked",
  "credential.deleted",
  "credential.failed",
  "presentation.verified",
  "presentation.deleted",
  "connection.established",
  "connection.deleted",
  "message.received",
  "did.created",
  "did.updated",
  "did.deleted",
  "registry.created",
  "registry.deleted",
  "schema.created",
] as const;

/**
 * A normalized event name.
 *
 * @example
 * ```ts
 * const name: NormalizedEventName = "presentation.verified";
 * hooks.on(name, (event) => console.log(event.payload.provider, event.payload.recordId));
 * ```
 */
export type NormalizedEventName = (typeof NORMALIZED_EVENT_NAMES)[number];

/**
 * What a provider's mapping says about one of its events.
 *
 * @example
 * ```ts
 * const match: NormalizedMatch<"credential.issued"> = { name: "credential.issued", recordId: "3fa85f64", subject: "did:example:holder" };
 * ```
 */
export interface NormalizedMatch<Name extends NormalizedEventName = NormalizedEventName> {
  name: Name;
  /** The record the event is about (credential exchange, presentation, connection, DID…), when there is one. */
  recordId?: string | undefined;
  /** Several records, for bulk events (Lissi's bulk deletions and revocations). */
  recordIds?: readonly string[] | undefined;
  /** The subject (holder DID, user id…) where the provider tells it. */
  subject?: string | undefined;
}

/**
 * The payload of every normalized event: a small common shape plus the original, typed
 * provider event in `source`. On a receiver, `source` is the union of the provider's
 * events that map to this normalized name, so `source.name` narrows `source.payload`.
 *
 * @example
 * ```ts
 * hooks.on("credential.issued", (event) => {
 *   event.payload.provider;  // "proven", "truvera", "sovrin", "crossmint", "lissi", "acapy"
 *   event.payload.recordId;  // the provider's record id
 *   if (event.payload.source.name === "credentials:done") event.payload.source.payload.cred_ex_id; // typed
 * });
 * ```
 */
export interface NormalizedPayload<Source extends WebhookEvent<string, unknown> = WebhookEvent<string, unknown>> {
  readonly provider: string;
  readonly tenantId: string | undefined;
  readonly recordId: string | undefined;
  readonly recordIds: readonly string[] | undefined;
  readonly subject: string | undefined;
  /** The provider's own event this was derived from. */
  readonly source: Source;
}

/**
 * Normalized name → payload, for any provider.
 *
 * @example
 * ```ts
 * type Issued = NormalizedEventMap["credential.issued"]; // NormalizedPayload
 * ```
 */
export type NormalizedEventMap = { [K in NormalizedEventName]: NormalizedPayload };

/**
 * What a provider declares about its normalization: for each of its own events, the
 * normalized events it can produce. Receivers accept exactly these normalized names in
 * `on()` (types and run time), and type `payload.source` from it. Declare it `as const`.
 *
 * @example
 * ```ts
 * export const myNormalizes = {
 *   "credential:done": ["credential.issued"],
 *   "credential:update": ["credential.offered", "credential.issued"],
 * } as const satisfies NormalizesMap;
 * ```
 */
export type NormalizesMap = { readonly [event: string]: readonly NormalizedEventName[] };

/**
 * The mapping functions of a provider, typed by its `normalizes` declaration: one per
 * declared event, given the event's typed payload and returning only the names declared
 * for it, so the declaration and the mapping cannot drift apart.
 *
 * @example
 * ```ts
 * const mapping: NormalizerMapping<typeof myNormalizes, typeof myEvents> = {
 *   "credential:done": (p) => ({ name: "credential.issued", recordId: p.id }),
 *   "credential:update": (p) => (p.state === "OFFER_SENT" ? { name: "credential.offered", recordId: p.id } : undefined),
 * };
 * ```
 */
export type NormalizerMapping<Declared extends NormalizesMap, Events extends { readonly [K in keyof Declared]: z.ZodType }> = {
  readonly [K in keyof Declared]: (payload: z.output<Events[K]>) => NormalizedMatch<Declared[K][number]> | readonly NormalizedMatch<Declared[K][number]>[] | undefined;
};

/**
 * A normalizer built from a typed mapping (see {@link NormalizerMapping}): events without a
 * mapping produce nothing.
 *
 * @example
 * ```ts
 * export const myNormalizer = normalizerOf(mapping);
 * ```
 */
export function normalizerOf(mapping: { readonly [event: string]: ((payload: never) => NormalizedMatch | readonly NormalizedMatch[] | undefined) | undefined }): Normalizer {
  return (event) => {
    const map = Object.hasOwn(mapping, event.name) ? (mapping[event.name] as ((payload: unknown) => NormalizedMatch | readonly NormalizedMatch[] | undefined) | undefined) : undefined;
    return map?.(event.payload);
  };
}

/**
 * A provider's mapping from its own events to normalized ones.
 *
 * @example
 * ```ts
 * const normalize: Normalizer = (event) =>
 *   event.name === "credentials:done" ? { name: "credential.issued", recordId: (event.payload as { cred_ex_id: string }).cred_ex_id } : undefined;
 * ```
 */
export type Normalizer = (event: WebhookEvent<string, unknown>) => NormalizedMatch | readonly NormalizedMatch[] | undefined;

/**
 * Builds the normalized events for one provider event.
 *
 * @example
 * ```ts
 * normalizedEventsOf(provenEvent, provider.normalize); // [{ name: "credential.issued", payload: {...} }]
 * ```
 */
export function normalizedEventsOf(event: WebhookEvent<string, unknown>, normalize: Normalizer | undefined): Array<WebhookEvent<NormalizedEventName, NormalizedPayload>> {
  if (!normalize) return [];
  const found = normalize(event);
  if (!found) return [];
  const matches: readonly NormalizedMatch[] = Array.isArray(found) ? found : [found as NormalizedMatch];
  return matches.map((match) => ({
    provider: event.provider,
    tenantId: event.tenantId,
    name: match.name,
    payload: { provider: event.provider, tenantId: event.tenantId, recordId: match.recordId, recordIds: match.recordIds, subject: match.subject, source: event },
    raw: event.raw,
    id: event.id,
    receivedAt: event.receivedAt,
    // A getter: the provider event's signal is created only when a handler asks for it.
    get signal() {
      return event.signal;
    },
  }));
}
