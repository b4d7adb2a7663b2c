import { createHash } from "node:crypto";

/**
 * A short, stable content hash (128 bits of SHA-256, base64url): used as a dedupe id for
 * senders that send no event id. Short keys keep the dedupe store small.
 *
 * @example
 * ```ts
 * contentHash(rawBody); // "q1w2e3..." (22 characters)
 * ```
 */
export function contentHash(...parts: ReadonlyArray<string | Uint8Array>): string {
  const hash = createHash("sha256");
  for (const part of parts) {
    hash.update(part);
    hash.update("\u0000");
  }
  return hash.digest().subarray(0, 16).toString("base64url");
}
