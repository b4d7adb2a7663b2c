/**
 * Indicio Proven: `{"event", "webhook"}` envelopes authenticated by `X-API-Key`.
 *
 * @module @credhooks/core/providers/proven
 */
import { verifyWith } from "../../verify-with.js";
import { verifyApiKeyHeader } from "../../api-key-auth.js";
import type { Secret } from "../../credentials.js";
import { WebhookError } from "../../errors.js";
import { contentHash } from "../../hash.js";
import { tupleId } from "../dedupe-id.js";
import type { DeliveryContext, IdentifiedEvent, Provider } from "../../types.js";
import { provenEvents, provenRecordIdField, type ProvenEventName } from "./schemas.js";
import { provenNormalizer, provenNormalizes } from "./normalize.js";

export * from "./schemas.js";
export { provenNormalizes } from "./normalize.js";

/**
 * Options of {@link proven}.
 *
 * @example
 * ```ts
 * const options: ProvenOptions = { apiKey: [process.env.PROVEN_API_KEY!, process.env.PROVEN_OLD_API_KEY!] };
 * ```
 */
export interface ProvenOptions {
  /**
   * The key Proven sends in `X-API-Key`: a string, a list during a rotation, or a resolver
   * `(tenantId) => key` for per-tenant keys. A receiver configured with a key requires it.
   */
  apiKey: Secret;
}

/**
 * The Proven provider: its id, events and schemas.
 *
 * @example
 * ```ts
 * const provider: ProvenProvider = proven({ apiKey: "dev-key" });
 * ```
 */
export type ProvenProvider = Provider<typeof provenEvents, typeof provenNormalizes>;

const RECORD_ID_FIELDS = ["cred_ex_id", "pres_ex_id", "exchange_id", "presentation_id", "message_id", "connection_id"] as const;

/**
 * Indicio Proven: `{"event", "webhook"}` envelopes authenticated by `X-API-Key`.
 * Alternative spellings are mapped to canonical names: `webhook:basic-message` is
 * `basic-message:received`, and a `presentation:verified` that carries
 * `presentation_id`/`pres_def_id` but no `pres_ex_id` is `oid4vc-presentation:verified`.
 * Dedupe id: the tuple (event name, record id, `state`, `updated_at`), each part escaped and
 * joined with `|` so distinct tuples never share an id; without a record id, the event name
 * and a hash of the body.
 *
 * @example
 * ```ts
 * import { proven } from "@credhooks/core/providers/proven";
 * const provider = proven({ apiKey: (tenantId) => keys.get(tenantId) });
 * ```
 */
export function proven(options: ProvenOptions): ProvenProvider {
  return {
    id: "proven",
    events: provenEvents,
    // Proven's delivery and retry behaviour is undocumented; it is built on ACA-Py, which retries.
    retries: true,
    authenticate: (delivery) => verifyApiKeyHeader(delivery, options.apiKey, "x-api-key"),
    identify: identifyProven,
    normalize: provenNormalizer,
    normalizes: provenNormalizes,
  };
}

function identifyProven(delivery: DeliveryContext): IdentifiedEvent {
  const body = delivery.body;
  if (!isRecord(body) || typeof body["event"] !== "string" || !isRecord(body["webhook"])) {
    throw new WebhookError("INVALID_PAYLOAD", 'A Proven delivery must be a JSON object {"event": string, "webhook": object}.');
  }
  const webhook = body["webhook"];
  const name = canonicalName(body["event"], webhook);
  return { name, payload: webhook, raw: body, dedupeId: dedupeId(name, webhook, delivery.rawBody) };
}

function canonicalName(sent: string, webhook: Record<string, unknown>): string {
  // The vendor docs spell the basic-message event both ways.
  if (sent === "webhook:basic-message") return "basic-message:received";
  // The docs list OID4VP verification under "presentation:verified"; its payload tells them apart.
  if (sent === "presentation:verified" && webhook["pres_ex_id"] === undefined && (webhook["presentation_id"] !== undefined || webhook["pres_def_id"] !== undefined)) {
    return "oid4vc-presentation:verified";
  }
  return sent;
}

/**
 * The tuple (event name, record id, state, updated_at) encoded so that no other tuple gives
 * the same id (`tupleId`: parts escaped and joined with `|`), e.g.
 * `credentials:done|794657e2-…|done|2025-03-13T22:15:02.479961Z`; without a record id,
 * (event name, hash of the body). Absent and empty `state`/`updated_at` are the same.
 */
function dedupeId(name: string, webhook: Record<string, unknown>, rawBody: Buffer): string {
  const field = Object.hasOwn(provenRecordIdField, name) ? provenRecordIdField[name as ProvenEventName] : RECORD_ID_FIELDS.find((f) => typeof webhook[f] === "string");
  const recordId = field === undefined ? undefined : webhook[field];
  if (typeof recordId !== "string" || recordId === "") return tupleId([name, { hash: contentHash(rawBody) }]);
  return tupleId([name, recordId, stringOr(webhook["state"]), stringOr(webhook["updated_at"])]);
}

function stringOr(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Verifies one Proven delivery without middleware (serverless functions, queue consumers):
 * authenticates and parses it, returning the typed event or a coded error.
 *
 * @example
 * ```ts
 * const result = await verify({ headers, body: rawBody, tenantId: "acme" }, options);
 * if (!result.ok) console.error(result.error.code, result.error.message);
 * ```
 */
export const verify = verifyWith(proven);
