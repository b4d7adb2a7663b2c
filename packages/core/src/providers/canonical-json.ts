import { contentHash } from "../hash.js";
import { canonicalJsonText, jsonTextOf, memberRange } from "../json-text.js";

/**
 * Serializes a decoded JSON value with object keys sorted, so two encodings of the same
 * value (whitespace, key order) give the same string. Lissi can send one event either
 * as a body on its own path or inside a shared-topic envelope, and Truvera's dedupe id
 * must not depend on its token; hashing this form of the part that matters serves both.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(",")}}`;
  }
  // JSON.parse yields only strings, finite numbers, booleans and null here.
  return JSON.stringify(value) ?? "null";
}

/**
 * A content hash of a decoded `value` in canonical form; when the value is nested too
 * deeply to serialize (a hostile body), the hash of `fallback` (the raw bytes) instead,
 * so a dedupe id never turns into a crash. For dedupe ids of received bodies prefer
 * {@link canonicalBodyHash}: a decoded value has lost how its numbers were written.
 *
 * @example
 * ```ts
 * canonicalHash(body.data, delivery.rawBody, body.event);
 * ```
 */
export function canonicalHash(value: unknown, fallback: Uint8Array, ...prefix: string[]): string {
  try {
    return contentHash(...prefix, canonicalJson(value));
  } catch {
    return rawHash(fallback, prefix);
  }
}

/**
 * A content hash of a JSON value as it was written in the body: the whole body, or the
 * value of the top-level member `member` of a body that is an object (the last one, when
 * the name repeats, as `JSON.parse` keeps it). Whitespace and member order do not count
 * (a sender that re-serializes a retry gives the same hash), every name, string and
 * number does, exactly as written: `1e999` and `null`, or `9007199254740993` and
 * `9007199254740992`, hash apart although `JSON.parse` (and `JSON.stringify`) make them
 * equal. For ordinary bodies this is the hash {@link canonicalHash} gives their decoded
 * value. `rawBody` must be valid JSON (it was parsed before): it is not validated again.
 * `undefined` when there is no such value (no body, no such member, or JSON `null`).
 * A value nested deeper than 256 levels is hashed by the raw bytes of the whole body, in
 * a domain of its own.
 *
 * @example
 * ```ts
 * canonicalBodyHash(delivery.rawBody, "data", [body.event]);
 * ```
 */
export function canonicalBodyHash(rawBody: Uint8Array, member: string | undefined, prefix: readonly string[]): string | undefined {
  if (rawBody.length === 0) return undefined;
  // The body was parsed already: valid JSON, so it is walked without validating it again.
  const text = jsonTextOf(rawBody);
  let start = 0;
  let end = text.length;
  if (member !== undefined) {
    const at = memberRange(text, member);
    if (at === undefined) return undefined;
    ({ start, end } = at);
  }
  const canonical = canonicalJsonText(text, start, end);
  if (canonical === "null") return undefined;
  return canonical === undefined ? rawHash(rawBody, prefix) : contentHash(...prefix, canonical);
}

// Canonical JSON text never starts with "r" nor holds a NUL, so these hashes cannot meet it.
function rawHash(raw: Uint8Array, prefix: readonly string[]): string {
  return contentHash(...prefix, "raw", raw);
}
