import * as crypto from "node:crypto";
import { createHash, timingSafeEqual } from "node:crypto";
import { WebhookError } from "./errors.js";
import type { HeaderValue } from "./types.js";

/**
 * A secret value: one string, or several during a rotation (any of them matches).
 *
 * @example
 * ```ts
 * const apiKey: SecretValue = [process.env.NEW_KEY!, process.env.OLD_KEY!]; // rotation: both accepted
 * ```
 */
export type SecretValue = string | readonly string[];

/**
 * A configured credential: a value, or a resolver called with the tenant id from
 * `/events/:tenantId` (undefined when mounted without one). A resolver returning nothing
 * means "no credential for this tenant" and the delivery is rejected with 401.
 *
 * @example
 * ```ts
 * const apiKey: Secret = async (tenantId) => db.apiKeyFor(tenantId);
 * ```
 */
export type Secret =
  | SecretValue
  | ((tenantId: string | undefined) => SecretValue | null | undefined | Promise<SecretValue | null | undefined>);

/**
 * Resolves a {@link Secret} for a tenant into a non-empty list of strings.
 * A failing resolver is `CREDENTIALS_UNAVAILABLE` (503, the sender retries); no value is
 * `INVALID_CREDENTIALS` (401). Messages never contain a secret.
 *
 * @example
 * ```ts
 * const keys = await resolveSecrets(["new-key", "old-key"], "acme"); // ["new-key", "old-key"]
 * ```
 */
export async function resolveSecrets(secret: Secret, tenantId: string | undefined, what: string): Promise<readonly string[]> {
  let value: SecretValue | null | undefined;
  if (typeof secret === "function") {
    try {
      value = await secret(tenantId);
    } catch (cause) {
      throw new WebhookError(
        "CREDENTIALS_UNAVAILABLE",
        `Looking up the ${what} for tenant ${describeTenant(tenantId)} failed; the sender should retry later.`,
        { cause },
      );
    }
  } else {
    value = secret;
  }
  const list = typeof value === "string" ? [value] : Array.isArray(value) ? (value as readonly string[]) : [];
  const usable = list.filter((v) => typeof v === "string" && v.length > 0);
  if (usable.length === 0) {
    throw new WebhookError("INVALID_CREDENTIALS", `No ${what} is configured for tenant ${describeTenant(tenantId)}.`);
  }
  return usable;
}

function describeTenant(tenantId: string | undefined): string {
  return tenantId === undefined ? "(none: mounted without :tenantId)" : JSON.stringify(tenantId);
}

// One-shot hashing (node:crypto `hash`, Node ≥ 20.12) where available: it skips the Hash object.
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: "buffer") => Buffer }).hash;
const digest = (value: string | Buffer): Buffer => (oneShot ? oneShot("sha256", value, "buffer") : createHash("sha256").update(value).digest());

// Digests of configured secrets, so each delivery hashes only what it brought. Bounded:
// resolvers may return many per-tenant secrets.
const secretDigests = new Map<string, Buffer>();
function secretDigest(secret: string): Buffer {
  let found = secretDigests.get(secret);
  if (!found) {
    if (secretDigests.size >= 1024) secretDigests.clear();
    found = digest(secret);
    secretDigests.set(secret, found);
  }
  return found;
}

/**
 * Compares two strings in constant time. Both sides are hashed first, so neither the
 * content nor the length of the secret leaks through timing.
 *
 * @example
 * ```ts
 * safeEqual(request.headers["x-api-key"], "dev-key");
 * ```
 */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * True when `given` equals any of `secrets`. Every candidate is compared, so the time
 * taken does not tell which one matched.
 *
 * @example
 * ```ts
 * const keys = await resolveSecrets(options.apiKey, delivery.tenantId, "API key");
 * if (!matchesAnySecret(headerValue(delivery.request.headers, "x-api-key") ?? "", keys)) throw new WebhookError("INVALID_CREDENTIALS", "X-API-Key does not match.");
 * ```
 */
export function matchesAnySecret(given: string, secrets: readonly string[]): boolean {
  const givenDigest = digest(given);
  let match = false;
  for (const secret of secrets) {
    if (timingSafeEqual(givenDigest, secretDigest(secret))) match = true;
  }
  return match;
}

/**
 * The first value of a header (names are lower case), or undefined.
 *
 * @example
 * ```ts
 * headerValue(request.headers, "x-api-key");
 * ```
 */
export function headerValue(headers: Readonly<Record<string, HeaderValue>>, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value[0];
}
