/**
 * One part of a {@link tupleId}: a string, or a content hash (base64url).
 */
export type IdPart = string | { readonly hash: string };

/**
 * Dedupe ids built from several parts (event name, record id, state, …) are tuples, not
 * strings glued with a separator: `"r" + "done"` and `"r:done" + ""` must never give one id,
 * or the second event is answered "duplicate" and never handled.
 *
 * The encoding: each string part with `%`, `|` and `#` percent-escaped, joined with `|`; a
 * content hash is a part marked by a leading `#` (which an escaped part never has);
 * trailing empty parts are left out. For tuples of one fixed length this is injective —
 * split on `|`, unescape, pad with empty parts — and ids stay readable, since the usual
 * parts (event names with `:`, UUIDs, ISO timestamps) contain none of the escaped
 * characters: `credentials:done|794657e2-…|done|2025-03-13T22:15:02.479961Z`.
 *
 * @example
 * ```ts
 * tupleId(["credentials:done", "r:done", "", ""]); // "credentials:done|r:done"
 * tupleId(["credentials:done", { hash: contentHash(rawBody) }]); // "credentials:done|#q1w2…"
 * ```
 */
export function tupleId(parts: readonly IdPart[]): string {
  let end = parts.length;
  while (end > 1 && parts[end - 1] === "") end--;
  let id = "";
  for (let i = 0; i < end; i++) {
    const part = parts[i]!;
    if (i > 0) id += "|";
    id += typeof part === "string" ? escapePart(part) : `#${part.hash}`;
  }
  return id;
}

const SPECIAL = /[%|#]/;

function escapePart(part: string): string {
  return SPECIAL.test(part) ? part.replace(/[%|#]/g, (c) => (c === "%" ? "%25" : c === "|" ? "%7C" : "%23")) : part;
}
