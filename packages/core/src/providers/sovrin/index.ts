/**
 * Sovrin (MATTR VII): Ed25519 HTTP Message Signatures (RFC 9421) with `Content-Digest`, keys from a JWKS.
 *
 * @module @credhooks/core/providers/sovrin
 */
import { verifyWith } from "../../verify-with.js";
import { headerValue, matchesAnySecret, resolveSecrets, type Secret } from "../../credentials.js";
import { WebhookError } from "../../errors.js";
import type { DeliveryContext, IdentifiedEvent, Provider } from "../../types.js";
import { canonicalJson, verifyContentDigest, type DigestCoverage } from "./content-digest.js";
import { coversComponent, verifyHttpMessageSignatures, type VerifiedSignature } from "./http-message-signature.js";
import { createJwksKeySource, type JwksOption, type RemoteJwksOptions } from "./jwks-key-source.js";
import { sovrinEnvelope, sovrinEvents } from "./schemas.js";
import { signedRequestOf, type StructuredFieldType } from "./signature-base.js";
import { sovrinNormalizer, sovrinNormalizes } from "./normalize.js";

export * from "./schemas.js";
export { sovrinNormalizes } from "./normalize.js";
export { createContentDigest, verifyContentDigest, canonicalJson } from "./content-digest.js";
export type { DigestAlgorithm, DigestCoverage, VerifyContentDigestOptions } from "./content-digest.js";
export { verifyHttpMessageSignatures, coversComponent, DEFAULT_SIGNATURE_TOLERANCE_SECONDS } from "./http-message-signature.js";
export type { CoveredComponent, VerifiedSignature, VerifyHttpMessageSignaturesOptions } from "./http-message-signature.js";
export { createJwksKeySource } from "./jwks-key-source.js";
export type { JwksKeySource, JwksOption, JwksSource, RemoteJwksOptions } from "./jwks-key-source.js";
export { createSignatureBase, signatureBaseCandidates, signedRequestOf, normalizeAuthority, encodeQueryParamComponent, KNOWN_STRUCTURED_FIELDS } from "./signature-base.js";
export type { SignedRequest, SignatureBaseOptions, SignatureBaseDialect, SignatureBaseVariant, StructuredFieldType } from "./signature-base.js";
export { signSovrinDelivery } from "./sign-delivery.js";
export type { SignSovrinDeliveryOptions, SignedSovrinDelivery } from "./sign-delivery.js";

/**
 * The default response deadline: Sovrin waits 3 s for an answer, so credhooks answers 202
 * after 2.5 s and lets the handlers finish.
 *
 * @example
 * ```ts
 * createWebhooks({ provider: sovrin({ jwks }), responseDeadlineMs: SOVRIN_RESPONSE_DEADLINE_MS - 500 });
 * ```
 */
export const SOVRIN_RESPONSE_DEADLINE_MS = 2_500;

/**
 * Options of {@link sovrin}.
 *
 * @example
 * ```ts
 * const options: SovrinOptions = { jwks: process.env.SOVRIN_JWKS_URL!, publicOrigin: "https://hooks.example.com" };
 * ```
 */
export interface SovrinOptions {
  /**
   * Sovrin's public keys: the tenant's JWKS URL (`https://{tenant}/v1/webhooks/jwks`,
   * fetched, cached and refetched when an unknown `keyid` arrives), a JWKS object, JWKS
   * JSON text, or a resolver `(tenantId) => …` of any of these. Do not build a URL from
   * the tenant id without an allow-list: the tenant id comes from the request path.
   */
  jwks: JwksOption;
  /**
   * The webhook id(s) Sovrin returned when the webhook was created: a string, a list, or
   * a resolver `(tenantId) => …`. When set, the body's `webhookId` (and the
   * `x-mattr-webhook-id` header, when sent) must match, or the delivery is 401.
   */
  webhookId?: Secret;
  /**
   * The public origin Sovrin posts to, e.g. `"https://hooks.example.com"`, for apps
   * behind a proxy that rewrites `Host` or strips a path prefix
   * (`"https://example.com/hooks"`). It sets `@scheme`, `@authority`, the `host` field
   * and prefixes `@path`. Without it: scheme `https` (Sovrin only posts to HTTPS URLs)
   * and the received `Host` header; `X-Forwarded-*` headers are never trusted.
   */
  publicOrigin?: string | URL;
  /** Allowed distance of a signature's `created` from now, either way, in seconds (default 300). */
  toleranceSeconds?: number;
  /**
   * Require a verified signature to cover the request target (`@path`,
   * `@request-target` or `@target-uri`), so a delivery signed for one URL (one tenant)
   * is not accepted at another. Default true; Sovrin covers `@request-target`.
   */
  requireTargetCoverage?: boolean;
  /**
   * Also accept a `Content-Digest` computed over `JSON.stringify` of the decoded body (keys
   * in the order received, no whitespace) when the raw bytes do not match. MATTR's signing
   * library, which Sovrin signs with, hashes `JSON.stringify(body)` when it is given a body
   * object (`src/common/generateDigest.ts`); a sender or proxy that then sends the same JSON
   * re-formatted breaks the raw-bytes digest. Turn this on only if deliveries fail with
   * "does not match its Content-Digest" while the signature verifies: the digest then
   * vouches for the decoded JSON your handlers get, not for the exact bytes (a second JSON
   * parser that reads duplicate keys differently could see another body). Default false.
   */
  acceptReserializedJsonDigest?: boolean;
  /**
   * @deprecated Use `acceptReserializedJsonDigest`. Its premise was wrong: MATTR's library
   * does not hash canonical (JCS, sorted keys) JSON. Kept working: it accepts a digest of
   * `JSON.stringify` of the decoded body and, as before, of its JCS form.
   */
  acceptCanonicalJsonDigest?: boolean;
  /** Structured types of extra fields covered with `;sf` or `;key`. */
  structuredFields?: Readonly<Record<string, StructuredFieldType>>;
  /** Cool-down, cache age and timeout of a remote JWKS. */
  remoteJwks?: RemoteJwksOptions;
  /** Answer 202 after this many ms while handlers keep running (default 2500; Sovrin waits 3 s). */
  responseDeadlineMs?: number;
  /** The clock, in ms since the epoch (default `Date.now`); for tests. */
  now?: () => number;
}

/**
 * The Sovrin provider: its id, events and schemas.
 *
 * @example
 * ```ts
 * const provider: SovrinProvider = sovrin({ jwks: process.env.SOVRIN_JWKS_URL! });
 * ```
 */
export type SovrinProvider = Provider<typeof sovrinEvents, typeof sovrinNormalizes>;

/**
 * Sovrin (the MATTR VII platform): deliveries signed with HTTP Message Signatures
 * (RFC 9421, Ed25519) whose keys are published as a JWKS. Every signature present must
 * verify; a body must be covered by `content-digest` and match it. Events are named by
 * `event.type`; handlers receive `event.payload` as `payload`, `event.id` as the id
 * (the dedupe key: `deliveryId` changes on every retry) and the whole envelope as `raw`.
 *
 * @example
 * ```ts
 * import { sovrin } from "@credhooks/core/providers/sovrin";
 * const provider = sovrin({
 *   jwks: "https://acme.vii.mattr.global/v1/webhooks/jwks",
 *   webhookId: process.env.SOVRIN_WEBHOOK_ID,
 *   publicOrigin: "https://hooks.example.com",
 * });
 * ```
 */
export function sovrin(options: SovrinOptions): SovrinProvider {
  const keys = createJwksKeySource(options.jwks, options.remoteJwks);
  const publicOrigin = options.publicOrigin === undefined ? undefined : parsePublicOrigin(options.publicOrigin);
  const now = options.now ?? Date.now;
  const requireTarget = options.requireTargetCoverage ?? true;
  const structured = options.structuredFields === undefined ? {} : { structuredFields: options.structuredFields };
  const tolerance = options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds };

  async function authenticate(delivery: DeliveryContext): Promise<void> {
    const verified = await verifyHttpMessageSignatures({
      message: signedRequestOf(delivery.request, publicOrigin),
      keysFor: (kid) => keys.keysFor(kid, delivery.tenantId),
      now: now(),
      ...tolerance,
      ...structured,
    });
    if (requireTarget && !coversComponent(verified, "@path", "@request-target", "@target-uri")) {
      throw new WebhookError("INVALID_SIGNATURE", "No verified signature covers the request target (@path, @request-target or @target-uri), so it could have been sent to another URL.");
    }
    const covered = digestCoverage(verified);
    if (covered === undefined) {
      // A signature that does not cover the body leaves the body unauthenticated.
      if (delivery.rawBody.length > 0) {
        throw new WebhookError("INVALID_SIGNATURE", "The body is not covered by the signature: no verified signature covers content-digest.");
      }
    } else {
      const header = delivery.request.headers["content-digest"];
      const body = delivery.body;
      const reserialized = (options.acceptReserializedJsonDigest || options.acceptCanonicalJsonDigest) && body !== undefined;
      verifyContentDigest(typeof header === "string" || header === undefined ? header : header.join(", "), delivery.rawBody, {
        covered,
        ...(reserialized ? { alternativeBodies: () => alternativeJsonBodies(body, options.acceptCanonicalJsonDigest === true) } : {}),
      });
    }
    if (options.webhookId !== undefined) await checkWebhookId(delivery, options.webhookId);
  }

  return {
    id: "sovrin",
    events: sovrinEvents,
    // Sovrin retries up to 3 times with exponential backoff after a non-2xx or no answer.
    retries: true,
    responseDeadlineMs: options.responseDeadlineMs ?? SOVRIN_RESPONSE_DEADLINE_MS,
    authenticate,
    identify: identifySovrin,
    normalize: sovrinNormalizer,
    normalizes: sovrinNormalizes,
  };
}

// The body as MATTR's library serializes a body object (JSON.stringify: keys in insertion
// order, which JSON.parse keeps), and, for the deprecated option, its JCS form.
function alternativeJsonBodies(body: unknown, jcs: boolean): Uint8Array[] {
  const bodies = [Buffer.from(JSON.stringify(body) ?? "", "utf8")];
  if (jcs) bodies.push(Buffer.from(canonicalJson(body), "utf8"));
  return bodies;
}

function digestCoverage(verified: readonly VerifiedSignature[]): DigestCoverage | undefined {
  let members: Set<string> | undefined;
  for (const signature of verified) {
    for (const component of signature.components) {
      if (component.name !== "content-digest") continue;
      const key = component.params.get("key");
      if (typeof key !== "string") return "all";
      (members ??= new Set()).add(key);
    }
  }
  return members;
}

async function checkWebhookId(delivery: DeliveryContext, expected: Secret): Promise<void> {
  const ids = await resolveSecrets(expected, delivery.tenantId, "Sovrin webhook id");
  const body = delivery.body;
  const sent = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)["webhookId"] : undefined;
  if (typeof sent !== "string" || !matchesAnySecret(sent, ids)) {
    throw new WebhookError("INVALID_CREDENTIALS", "The body's webhookId is not the webhook id configured for this tenant; check the webhookId option against the id Sovrin returned when the webhook was created.");
  }
  const header = headerValue(delivery.request.headers, "x-mattr-webhook-id");
  if (header !== undefined && header !== sent) {
    throw new WebhookError("INVALID_CREDENTIALS", "The x-mattr-webhook-id header differs from the body's webhookId.");
  }
}

function identifySovrin(delivery: DeliveryContext): IdentifiedEvent {
  const parsed = sovrinEnvelope.safeParse(delivery.body);
  if (!parsed.success) {
    throw new WebhookError("INVALID_PAYLOAD", 'A Sovrin delivery must be a JSON object {"deliveryId", "webhookId", "event": {"id", "type", "timestamp", "payload"}} with string event.id and event.type.');
  }
  const { event } = parsed.data;
  return { name: event.type, payload: event.payload, raw: delivery.body, dedupeId: event.id };
}

function parsePublicOrigin(value: string | URL): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`sovrin: publicOrigin must be an absolute URL such as "https://hooks.example.com", got ${JSON.stringify(String(value))}.`);
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new TypeError('sovrin: publicOrigin must be an http(s) origin, optionally with a path prefix, e.g. "https://hooks.example.com".');
  }
  return url;
}

/**
 * Verifies one Sovrin delivery without middleware (serverless functions, queue consumers).
 * Pass a built provider to keep its JWKS cache between calls.
 *
 * @example
 * ```ts
 * const provider = sovrin({ jwks: "https://tenant.vii.mattr.global/v1/webhooks/jwks" });
 * const result = await verify({ method: "POST", url: "/hooks/sovrin", headers, body: rawBody }, provider);
 * ```
 */
export const verify = verifyWith(sovrin);
