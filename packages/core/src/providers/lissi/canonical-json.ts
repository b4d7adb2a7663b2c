/**
 * Serializes a decoded JSON value with object keys sorted, so two encodings of the same
 * value (whitespace, key order) give the same string. Lissi can send one event either
 * as a body on its own path or inside a shared-topic envelope; hashing this form lets both
 * dedupe to the same id.
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
