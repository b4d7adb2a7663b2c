/**
 * Lissi Agent: the event is in the URL path, authenticated by `X-API-Key`; Lissi never retries.
 *
 * @module @credhooks/core/providers/lissi
 */
import { verifyWith } from "../../verify-with.js";
import { verifyApiKeyHeader } from "../../api-key-auth.js";
import type { Secret } from "../../credentials.js";
import { WebhookError } from "../../errors.js";
import { contentHash } from "../../hash.js";
import type { DeliveryContext, IdentifiedEvent, Provider, RouteMatch } from "../../types.js";
import { canonicalBodyHash } from "../canonical-json.js";
import { parseLissiEventPath, type LissiEventPath } from "./event-path.js";
import { lissiEvents } from "./schemas.js";
import { lissiNormalizer, lissiNormalizes } from "./normalize.js";

export * from "./schemas.js";
export { lissiNormalizes } from "./normalize.js";
export { parseLissiEventPath } from "./event-path.js";
export type { LissiEventPath, LissiRouteKind } from "./event-path.js";

/**
 * Options of {@link lissi}.
 *
 * @example
 * ```ts
 * const options: LissiOptions = { apiKey: (tenantId) => keys.get(tenantId) };
 * ```
 */
export interface LissiOptions {
  /**
   * The key Lissi sends in `X-API-Key` (chosen when subscribing): a string, a list during a
   * rotation, or a resolver `(tenantId) => key`, since every Lissi subscription serves one tenant.
   */
  apiKey: Secret;
}

/**
 * The Lissi provider: its id, events and schemas.
 *
 * @example
 * ```ts
 * const provider: LissiProvider = lissi({ apiKey: "dev-key" });
 * ```
 */
export type LissiProvider = Provider<typeof lissiEvents, typeof lissiNormalizes>;

/**
 * What an event on a route credhooks does not know carries (`onUnhandled`, failure sink).
 *
 * @example
 * ```ts
 * hooks.onUnhandled((event) => {
 *   const { path, id, body } = event.payload as LissiUnknownPayload;
 * });
 * ```
 */
export interface LissiUnknownPayload {
  /** The event path as sent, in canonical spelling, e.g. `/widgets/1/explode`. */
  path: string;
  /** The record id from the path, when it has one. */
  id?: string;
  /** The decoded body (`undefined` when there was none). */
  body: unknown;
}

// The mount point itself receives shared-topic deliveries: {"event": "/<topic>/<id>/<event>", "payload": …}.
const SHARED_TOPIC_ROUTE: RouteMatch = { params: {}, methods: ["POST"] };

/**
 * Lissi Agent: the event is in the URL path below the subscriber's base URL
 * (`/connections/<id>/update`, `/connections/delete`, …), or, in shared-topic mode, in a
 * `{"event", "payload"}` body posted to the base URL itself; authenticated by `X-API-Key`.
 * Lissi never retries, so credhooks keeps every authenticated delivery it cannot handle
 * (handler failure, invalid payload, unknown route) in the failure sink.
 * Dedupe id: the event path + a hash of the canonical JSON of the body (of `payload` in
 * shared-topic mode), so both forms of one delivery dedupe alike and a new state of the
 * same record is a new event.
 *
 * @example
 * ```ts
 * import { createWebhooks } from "@credhooks/core";
 * import { lissi } from "@credhooks/core/providers/lissi";
 *
 * const hooks = createWebhooks({ provider: lissi({ apiKey: (tenantId) => keys.get(tenantId) }) });
 * hooks.on("connection:update", (event) => {
 *   if (event.payload.state === "COMPLETED") markConnected(event.tenantId, event.payload.id);
 * });
 * hooks.on("connections:delete", (event) => forgetAll(event.payload.ids));
 * ```
 */
export function lissi(options: LissiOptions): LissiProvider {
  return {
    id: "lissi",
    events: lissiEvents,
    // Lissi Agent docs: "there is no retry mechanism in place"; a failed delivery is lost at the sender.
    retries: false,
    methods: ["POST", "DELETE"],
    route: routeLissi,
    authenticate: (delivery) => verifyApiKeyHeader(delivery, options.apiKey, "x-api-key"),
    identify: identifyLissi,
    normalize: lissiNormalizer,
    normalizes: lissiNormalizes,
  };
}

function routeLissi(path: string): RouteMatch | undefined {
  if (path === "/") return SHARED_TOPIC_ROUTE;
  const parsed = parseLissiEventPath(path);
  if (!parsed) return undefined;
  return { event: parsed.name, params: parsed.id === undefined ? {} : { id: parsed.id }, methods: parsed.methods };
}

function identifyLissi(delivery: DeliveryContext): IdentifiedEvent {
  if (delivery.route.event === undefined) return identifySharedTopic(delivery);
  const parsed = parseLissiEventPath(delivery.request.path);
  if (!parsed) throw new WebhookError("INTERNAL_ERROR", "The Lissi route matched a path that no longer parses.");
  return eventOf(parsed, delivery.body, delivery.body, hashContent(delivery.rawBody, undefined));
}

const SHARED_TOPIC_SHAPE = 'a JSON object {"event": "/<topic>/<id>/<event>", "payload": …}';

function identifySharedTopic(delivery: DeliveryContext): IdentifiedEvent {
  const body = delivery.body;
  if (!isRecord(body) || typeof body["event"] !== "string") {
    throw new WebhookError("INVALID_PAYLOAD", `A Lissi delivery to the mount point itself (shared-topic mode) must be ${SHARED_TOPIC_SHAPE}; post path-form events to <mount>/<topic>/<id>/<event>.`);
  }
  const parsed = parseLissiEventPath(body["event"]);
  if (!parsed) {
    throw new WebhookError("INVALID_PAYLOAD", `The "event" of a shared-topic Lissi delivery must be a path like "/connections/<id>/update" or "/connections/delete"; got ${JSON.stringify(body["event"].slice(0, 120))}.`);
  }
  return eventOf(parsed, body["payload"], body, hashContent(delivery.rawBody, "payload"));
}

/** Builds the event from a parsed path and the body that belongs to it (the request body, or a shared-topic `payload`). */
function eventOf(parsed: LissiEventPath, content: unknown, raw: unknown, contentHashed: string): IdentifiedEvent {
  // The hash is the last part and never holds a colon: the id splits back into path and hash.
  const dedupeId = `${parsed.path}:${contentHashed}`;
  if (!parsed.known) {
    const payload: LissiUnknownPayload = { path: parsed.path, ...(parsed.id === undefined ? {} : { id: parsed.id }), body: content };
    return { name: parsed.name, payload, raw, dedupeId };
  }
  switch (parsed.kind) {
    case "update":
      return { name: parsed.name, payload: updatePayload(parsed, content), raw, dedupeId };
    case "bulk":
      // The whole body is the list; the schema says what is wrong with anything else.
      return { name: parsed.name, payload: { ids: content }, raw, dedupeId };
    default:
      // Lissi sends no body on single deletions and revocations: the id is only in the path.
      return { name: parsed.name, payload: { id: parsed.id }, raw, dedupeId };
  }
}

function updatePayload(parsed: LissiEventPath, content: unknown): unknown {
  // Not an object: the schema rejects it with a precise message.
  if (!isRecord(content)) return content;
  const bodyId = content["id"];
  if (bodyId === undefined || bodyId === null) return { ...content, id: parsed.id };
  // Decision: refuse, and keep. The path and the DTO name two records; a handler acting on
  // either could change the wrong one, and credhooks cannot tell which is right. Lissi never
  // redelivers, so the delivery is kept whole in the failure sink (reason invalid-payload)
  // with both ids, rather than dropped or guessed.
  if (typeof bodyId === "string" && bodyId !== parsed.id) {
    throw new WebhookError(
      "INVALID_PAYLOAD",
      `The record id in the path (${JSON.stringify(parsed.id?.slice(0, 80))}) differs from the "id" of the ${parsed.topic} DTO (${JSON.stringify(bodyId.slice(0, 80))}); Lissi sends both for the same record. ` +
        "credhooks does not guess which record the event is about: no handler ran, and the delivery is kept whole in the failure sink (hooks.failures.list()) for you to act on the right record.",
    );
  }
  return content;
}

/**
 * The content hash of the dedupe id: of the body (or of a shared-topic body's `payload`) as
 * written, whitespace and member order aside, so both forms of one delivery dedupe alike
 * and values that `JSON.parse` makes equal (`1e999` and `null`) do not. No body (or a JSON
 * null) hashes like an empty body.
 */
function hashContent(rawBody: Buffer, member: "payload" | undefined): string {
  return canonicalBodyHash(rawBody, member, []) ?? contentHash("");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Verifies one Lissi delivery without middleware (serverless functions, queue consumers):
 * authenticates and parses it, returning the typed event or a coded error.
 *
 * @example
 * ```ts
 * const result = await verify({ headers, body: rawBody, tenantId: "acme" }, options);
 * if (!result.ok) console.error(result.error.code, result.error.message);
 * ```
 */
export const verify = verifyWith(lissi);
