/**
 * Strings as PostgreSQL `text` holds them exactly. `text` is UTF-8 and cannot hold U+0000;
 * a lone UTF-16 surrogate (possible in a JS string, e.g. a dedupe id from
 * `JSON.parse("\"\\ud800\"")`) would become U+FFFD on the way, so two different keys could
 * collide, and a NUL would make every call fail. Such a string is stored escaped instead:
 * `ESCAPE` + base64 of its UTF-16 code units. Strings that begin with `ESCAPE` themselves are
 * escaped too, so the mapping stays one-to-one. Everything else (every key credhooks makes from
 * well-formed input) is stored as is, readable in `psql`.
 */
const ESCAPE = "\u0001u16:";

/** `/\p{Cs}/u` matches a lone surrogate only: a well-formed pair is one code point of another category. */
const LONE_SURROGATE = /\p{Cs}/u;

/** A string as stored. */
export function toSql(value: string): string {
  return value.includes("\u0000") || LONE_SURROGATE.test(value) || value.startsWith(ESCAPE) ? ESCAPE + Buffer.from(value, "utf16le").toString("base64") : value;
}

/** The inverse of {@link toSql}. */
export function fromSql(value: string): string {
  return value.startsWith(ESCAPE) ? Buffer.from(value.slice(ESCAPE.length), "base64").toString("utf16le") : value;
}

/** A finite number of milliseconds for a lease, TTL or delay (negative counts as 0). */
export function ms(value: number, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new RangeError(`credhooks/postgres: ${what} must be a finite number of ms, got ${String(value)}.`);
  return Math.max(0, value);
}
