import { contentHash } from "../hash.js";

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
 * A content hash of `value` in canonical form; when the value is nested too deeply to
 * serialize (a hostile body), the hash of `fallback` (the raw bytes) instead, so a dedupe
 * id never turns into a crash.
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
    return contentHash(...prefix, fallback);
  }
}
