/**
 * Truvera (Dock Labs): `{"token", "event", "data"}` bodies authenticated by the token inside them.
 *
 * @module @credhooks/core/providers/truvera
 */
import { verifyWith } from "../../verify-with.js";
import { matchesAnySecret, resolveSecrets, type Secret } from "../../credentials.js";
import { WebhookError } from "../../errors.js";
import { scanJson } from "../../json-text.js";
import { canonicalBodyHash, canonicalHash } from "../canonical-json.js";
import type { DeliveryContext, IdentifiedEvent, Provider } from "../../types.js";
import { truveraEvents } from "./schemas.js";
import { truveraNormalizer, truveraNormalizes } from "./normalize.js";

export * from "./schemas.js";
export { truveraNormalizes } from "./normalize.js";

/**
 * Options of {@link truvera}.
 *
 * @example
 * ```ts
 * const options: TruveraOptions = { token: (tenantId) => tokens.get(tenantId) };
 * ```
 */
export interface TruveraOptions {
  /**
   * The secret token Truvera Workspace shows when the webhook endpoint is created; Truvera
   * sends it as the top-level `token` field of every body. A string, a list while moving
   * to a new endpoint token (any of them is accepted), or a resolver `(tenantId) => token`
   * for per-tenant tokens.
   */
  token: Secret;
}

/**
 * The Truvera provider: its id, events and schemas.
 *
 * @example
 * ```ts
 * const provider: TruveraProvider = truvera({ token: "dev-token" });
 * ```
 */
export type TruveraProvider = Provider<typeof truveraEvents, typeof truveraNormalizes>;

/**
 * Truvera (Dock Labs): `{"token", "event", "data"}` bodies, authenticated by the `token`
 * field compared in constant time with the configured token before anything else of the
 * body is looked at. The token is removed from `payload`, `raw` and the failure sink.
 * Dedupe id: the event name and a hash of `data` (Truvera sends no event id; the token is
 * left out, so a redelivery after a token rotation is still recognised).
 *
 * @example
 * ```ts
 * import { truvera } from "@credhooks/core/providers/truvera";
 * const provider = truvera({ token: (tenantId) => tokens.get(tenantId) });
 * ```
 */
export function truvera(options: TruveraOptions): TruveraProvider {
  return {
    id: "truvera",
    events: truveraEvents,
    // Truvera documents neither retries nor a timeout. Assuming none is the choice that
    // loses nothing: the core then keeps failed and unknown events in the failure sink
    // (and still answers 500 on a handler failure), and if Truvera does redeliver, the
    // content-hash dedupe id makes the retry run only the handlers that failed.
    retries: false,
    authenticate: (delivery) => authenticateTruvera(delivery, options.token),
    identify: identifyTruvera,
    redact: redactTruveraToken,
    normalize: truveraNormalizer,
    normalizes: truveraNormalizes,
  };
}

async function authenticateTruvera(delivery: DeliveryContext, secret: Secret): Promise<void> {
  // Truvera's credential is inside the JSON body: "your code should first validate the
  // secret token, then check the event attribute". The body is scanned, not parsed: one
  // linear pass that validates it (400 INVALID_JSON as before) and finds the top-level
  // token, whatever the nesting, so an unauthenticated body costs no JSON.parse.
  const given = tokenOf(delivery.rawBody);
  if (given === undefined || given === "") {
    throw new WebhookError(
      "MISSING_CREDENTIALS",
      'The body has no "token" field; Truvera sends the webhook\'s secret token as the top-level "token" of a JSON object.',
    );
  }
  const tokens = await resolveSecrets(secret, delivery.tenantId, "Truvera webhook token");
  if (!matchesAnySecret(given, tokens)) {
    throw new WebhookError(
      "INVALID_CREDENTIALS",
      'The body\'s "token" does not match the Truvera webhook token configured for this tenant; copy the token shown when the endpoint was created in Truvera Workspace.',
    );
  }
}

/** The top-level `token` of the body when it is a string (the last one, as JSON.parse keeps it). */
function tokenOf(rawBody: Buffer): string | undefined {
  if (rawBody.length === 0) return undefined;
  const { text, root, members } = scanJson(rawBody);
  const at = root === "object" ? members.get("token") : undefined;
  if (at === undefined || text.charCodeAt(at.start) !== 0x22) return undefined;
  return JSON.parse(text.slice(at.start, at.end)) as string;
}

function identifyTruvera(delivery: DeliveryContext): IdentifiedEvent {
  const body = delivery.body;
  if (!isRecord(body) || typeof body["event"] !== "string" || body["event"] === "" || !isRecord(body["data"])) {
    throw new WebhookError("INVALID_PAYLOAD", 'A Truvera delivery must be a JSON object {"token": string, "event": string, "data": object}.');
  }
  const name = body["event"];
  const data = body["data"];
  return { name, payload: data, raw: redactTruveraToken(body), dedupeId: truveraDedupeId(name, data, delivery.rawBody) };
}

/**
 * Truvera's dedupe id: the event name and a hash of `data` as written in the body, without
 * the token: `<event>:<22 characters>`. Whitespace and member order do not count, so a
 * redelivery serialised in another key order is still the same event; every value does,
 * exactly as written — `"n": 1e999` and `"n": null`, or two integers past 2^53 that
 * `JSON.parse` rounds to one number, are different events. Two distinct events with
 * identical data would share an id; Truvera's data carries the resource id or the chain
 * transaction, which makes that unlikely. Without `rawBody`, the hash of the decoded
 * `data` (the same for ordinary bodies).
 *
 * @example
 * ```ts
 * truveraDedupeId("proof_submitted", { id: "7fbb…", verified: true }); // "proof_submitted:Xr4…"
 * truveraDedupeId(body.event, body.data, rawBody); // what the receiver uses
 * ```
 */
export function truveraDedupeId(event: string, data: unknown, rawBody: Uint8Array = new Uint8Array()): string {
  // The hash is the last part and never holds a colon, so the id splits back into its two
  // parts. A body nested too deeply to canonicalise is hashed by its raw bytes (token
  // included: such a body is hostile, not a retry that must survive a token rotation).
  const hash = (rawBody.length > 0 ? canonicalBodyHash(rawBody, "data", [event]) : undefined) ?? canonicalHash(data, rawBody, event);
  return `${event}:${hash}`;
}

/**
 * Removes the top-level `token` from a decoded Truvera body; anything else is returned
 * unchanged. Used for `raw` and for bodies kept in the failure sink.
 *
 * @example
 * ```ts
 * redactTruveraToken({ token: "s3cret", event: "did_create", data: {} }); // { event: "did_create", data: {} }
 * ```
 */
export function redactTruveraToken(body: unknown): unknown {
  if (!isRecord(body) || !Object.hasOwn(body, "token")) return body;
  const { token: _token, ...rest } = body;
  return rest;
}

/** JSON with object keys sorted at every level: equal values give equal strings. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Verifies one Truvera delivery without middleware (serverless functions, queue consumers):
 * authenticates and parses it, returning the typed event or a coded error.
 *
 * @example
 * ```ts
 * const result = await verify({ headers, body: rawBody, tenantId: "acme" }, options);
 * if (!result.ok) console.error(result.error.code, result.error.message);
 * ```
 */
export const verify = verifyWith(truvera);
