import { createHash, timingSafeEqual } from "node:crypto";
import { parseDictionary, serializeDictionary } from "structured-headers";
import { WebhookError } from "../../errors.js";

/**
 * Digest algorithms of `Content-Digest` (RFC 9530) that credhooks checks.
 *
 * @example
 * ```ts
 * const algorithm: DigestAlgorithm = "sha-512";
 * createContentDigest(Buffer.from("{}"), algorithm); // "sha-512=:…:"
 * ```
 */
export type DigestAlgorithm = "sha-256" | "sha-512";

const HASH_OF: Readonly<Record<DigestAlgorithm, string>> = { "sha-256": "sha256", "sha-512": "sha512" };

const isDigestAlgorithm = (name: string): name is DigestAlgorithm => name === "sha-256" || name === "sha-512";

/**
 * The `Content-Digest` field value (RFC 9530) of a body.
 *
 * @example
 * ```ts
 * createContentDigest(Buffer.from('{"hello": "world"}'), "sha-256");
 * // "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
 * ```
 */
export function createContentDigest(body: Uint8Array, algorithm: DigestAlgorithm = "sha-256"): string {
  return serializeDictionary(new Map([[algorithm, [createHash(HASH_OF[algorithm]).update(body).digest(), new Map()]]]));
}

/**
 * Which members of `Content-Digest` a verified signature covers.
 *
 * @example
 * ```ts
 * const covered: DigestCoverage = new Set(["sha-256"]); // signed as content-digest;key="sha-256"
 * ```
 */
export type DigestCoverage = "all" | ReadonlySet<string>;

/**
 * Options of {@link verifyContentDigest}.
 *
 * @example
 * ```ts
 * const options: VerifyContentDigestOptions = { covered: "all", canonicalBody: () => Buffer.from(canonicalJson(body)) };
 * ```
 */
export interface VerifyContentDigestOptions {
  /** The members covered by a verified signature: the whole field, or `;key` members. */
  readonly covered: DigestCoverage;
  /**
   * Other forms of the body to accept a digest of, tried in order only when the raw bytes
   * do not match: e.g. `JSON.stringify` of the decoded body, which is what MATTR's signing
   * library hashes when it is given a body object (`src/common/generateDigest.ts`).
   */
  readonly alternativeBodies?: () => readonly Uint8Array[];
  /**
   * @deprecated Use `alternativeBodies`. A second form of the body to accept a digest of
   * (it was the JCS serialization of the decoded JSON).
   */
  readonly canonicalBody?: () => Uint8Array | undefined;
}

/**
 * Checks a `Content-Digest` header against the raw body. Every covered `sha-256` /
 * `sha-512` member must match, and at least one must be covered; members with other
 * algorithms are ignored (RFC 9530 lets a recipient skip algorithms it does not support).
 * Throws `INVALID_SIGNATURE` otherwise.
 *
 * @example
 * ```ts
 * verifyContentDigest(headers["content-digest"], delivery.rawBody, { covered: "all" });
 * ```
 */
export function verifyContentDigest(header: string | undefined, body: Uint8Array, options: VerifyContentDigestOptions): void {
  if (header === undefined) {
    throw new WebhookError("INVALID_SIGNATURE", "The signature covers content-digest but the Content-Digest header is missing.");
  }
  let members;
  try {
    members = parseDictionary(header);
  } catch {
    throw new WebhookError("INVALID_SIGNATURE", "Content-Digest is not a valid structured dictionary (expected sha-256=:<base64>:).");
  }
  let checked = 0;
  let alternatives: readonly Uint8Array[] | null = null;
  for (const [name, member] of members) {
    if (!isDigestAlgorithm(name) || (options.covered !== "all" && !options.covered.has(name))) continue;
    const value = member[0];
    if (!(value instanceof ArrayBuffer)) {
      throw new WebhookError("INVALID_SIGNATURE", `Content-Digest ${name} must be a byte sequence (${name}=:<base64>:).`);
    }
    const expected = Buffer.from(value);
    const hash = HASH_OF[name];
    if (digestEquals(createHash(hash).update(body).digest(), expected)) {
      checked++;
      continue;
    }
    alternatives ??= alternativeBodiesOf(options);
    if (alternatives.some((alternative) => digestEquals(createHash(hash).update(alternative).digest(), expected))) {
      checked++;
      continue;
    }
    throw new WebhookError("INVALID_SIGNATURE", `The body does not match its Content-Digest (${name}): it was changed after signing, or a proxy re-encoded it.`);
  }
  if (checked === 0) {
    throw new WebhookError("INVALID_SIGNATURE", "Content-Digest has no signed sha-256 or sha-512 digest; credhooks checks only those.");
  }
}

function alternativeBodiesOf(options: VerifyContentDigestOptions): readonly Uint8Array[] {
  const alternatives = [...(options.alternativeBodies?.() ?? [])];
  const canonical = options.canonicalBody?.();
  if (canonical !== undefined) alternatives.push(canonical);
  return alternatives;
}

function digestEquals(actual: Buffer, expected: Buffer): boolean {
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * The JSON Canonicalization Scheme (RFC 8785) serialization of a decoded JSON value:
 * object keys sorted by UTF-16 code units, no whitespace, numbers and strings as
 * ECMAScript serializes them.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, "x"] }); // '{"a":[true,"x"],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("JSON numbers must be finite");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  throw new TypeError(`${typeof value} is not a JSON value`);
}
