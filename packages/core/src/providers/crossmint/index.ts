/**
 * Crossmint Verifiable Credentials, delivered through Svix (HMAC-SHA256 signatures over the raw bytes).
 *
 * @module @credhooks/core/providers/crossmint
 */
import { verifyWith } from "../../verify-with.js";
import { resolveSecrets, type Secret } from "../../credentials.js";
import { WebhookError } from "../../errors.js";
import type { DeliveryContext, IdentifiedEvent, Provider } from "../../types.js";
import { crossmintEvents } from "./schemas.js";
import { crossmintNormalizer, crossmintNormalizes } from "./normalize.js";
import { DEFAULT_SVIX_TOLERANCE_SECONDS, readSvixHeaders, svixSecretKey, verifySvixSignature } from "./verify-svix-signature.js";

export * from "./schemas.js";
export { crossmintNormalizes } from "./normalize.js";
export {
  DEFAULT_SVIX_TOLERANCE_SECONDS,
  readSvixHeaders,
  signSvixMessage,
  svixSecretKey,
  verifySvixSignature,
} from "./verify-svix-signature.js";
export type { SvixHeaders, VerifySvixSignatureInput } from "./verify-svix-signature.js";

/**
 * Options of {@link crossmint}.
 *
 * @example
 * ```ts
 * const options: CrossmintOptions = { secret: process.env.CROSSMINT_WEBHOOK_SECRET!, toleranceSeconds: 600 };
 * ```
 */
export interface CrossmintOptions {
  /**
   * The endpoint's Svix signing secret from the Crossmint console (`whsec_<base64>`). A
   * string, a list while Svix rotates the secret (a signature by any of them is
   * accepted), or a resolver `(tenantId) => secret` for per-tenant endpoints.
   */
  secret: Secret;
  /** How far `svix-timestamp` may be from this server's clock, in seconds, either way (default 300, Svix's own). */
  toleranceSeconds?: number;
  /** The clock, in ms since the epoch (default `Date.now`); for tests. */
  now?: () => number;
}

/**
 * The Crossmint provider: its id, events and schemas.
 *
 * @example
 * ```ts
 * const provider: CrossmintProvider = crossmint({ secret: "whsec_…" });
 * ```
 */
export type CrossmintProvider = Provider<typeof crossmintEvents, typeof crossmintNormalizes>;

/**
 * Crossmint Verifiable Credentials, delivered through Svix: every delivery is verified
 * over its raw bytes (`svix-*` or `webhook-*` headers, HMAC-SHA256, secret rotation,
 * ±5 min timestamp tolerance). Events `credential.creation.succeeded` and
 * `credential.creation.failed` (also accepted as `credential:creation.*`).
 * Dedupe id: the `svix-id` header, the same on every retry of a message.
 *
 * @example
 * ```ts
 * import { crossmint } from "@credhooks/core/providers/crossmint";
 * const provider = crossmint({ secret: process.env.CROSSMINT_WEBHOOK_SECRET! });
 * ```
 */
export function crossmint(options: CrossmintOptions): CrossmintProvider {
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_SVIX_TOLERANCE_SECONDS;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new TypeError("crossmint({ toleranceSeconds }) must be a number of seconds, 0 or more.");
  }
  // A static secret is checked now, so a mistyped one fails at start-up, not on the first delivery.
  if (typeof options.secret !== "function") {
    for (const secret of typeof options.secret === "string" ? [options.secret] : options.secret) svixSecretKey(secret);
  }
  const now = options.now ?? Date.now;
  return {
    id: "crossmint",
    events: crossmintEvents,
    // Svix retries 8 times over ~32 h (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
    retries: true,
    // No early 202: Svix waits 15 s and then retries, and an early answer would turn a
    // crash during a slow handler into a lost credential (with delegated storage this
    // delivery is its only copy). A slow handler costs a retry, which dedupe absorbs.
    authenticate: async (delivery) => {
      const secrets = await resolveSecrets(options.secret, delivery.tenantId, "Crossmint signing secret");
      verifySvixSignature({ headers: delivery.request.headers, rawBody: delivery.rawBody, secrets, toleranceSeconds, nowMs: now() });
    },
    identify: identifyCrossmint,
    normalize: crossmintNormalizer,
    normalizes: crossmintNormalizes,
  };
}

function identifyCrossmint(delivery: DeliveryContext): IdentifiedEvent {
  const body = delivery.body;
  if (!isRecord(body) || typeof body["type"] !== "string" || body["type"] === "" || !isRecord(body["data"])) {
    throw new WebhookError("INVALID_PAYLOAD", 'A Crossmint delivery must be a JSON object {"type": string, "data": object}.');
  }
  // Authenticated already, so the header is there; the id is covered by the signature.
  const id = readSvixHeaders(delivery.request.headers).id;
  if (id === undefined) throw new WebhookError("MISSING_CREDENTIALS", "The svix-id header is missing.");
  // data.secret stays in payload and raw: it is the user's (and credhooks never logs payloads).
  return { name: canonicalCrossmintEvent(body["type"]), payload: body["data"], raw: body, dedupeId: id };
}

/**
 * The canonical name of a Crossmint event: older Crossmint pages spell the events
 * `credential:creation.succeeded|failed`, current ones `credential.creation.*`. Unknown
 * names are returned as sent.
 *
 * @example
 * ```ts
 * canonicalCrossmintEvent("credential:creation.failed"); // "credential.creation.failed"
 * ```
 */
export function canonicalCrossmintEvent(sent: string): string {
  const dotted = sent.replaceAll(":", ".");
  return Object.hasOwn(crossmintEvents, dotted) ? dotted : sent;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Verifies one Crossmint delivery without middleware (serverless functions, queue consumers):
 * authenticates and parses it, returning the typed event or a coded error.
 *
 * @example
 * ```ts
 * const result = await verify({ headers, body: rawBody, tenantId: "acme" }, options);
 * if (!result.ok) console.error(result.error.code, result.error.message);
 * ```
 */
export const verify = verifyWith(crossmint);
