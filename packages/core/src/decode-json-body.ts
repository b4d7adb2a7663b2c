import { isUtf8 } from "node:buffer";
import { headerValue } from "./credentials.js";
import { WebhookError } from "./errors.js";
import type { HeaderValue } from "./types.js";

/**
 * True for `application/json` and any `+json` media type, parameters ignored.
 *
 * @example
 * ```ts
 * isJsonMediaType("application/cloudevents+json; charset=utf-8"); // true
 * isJsonMediaType("text/plain"); // false
 * ```
 */
export function isJsonMediaType(contentType: string): boolean {
  const semicolon = contentType.indexOf(";");
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/**
 * Decodes a JSON body. An empty body decodes to `undefined` and needs no `Content-Type`
 * (senders that put the event in the URL send none); any other body must say it is JSON.
 * Compressed bodies are refused: every sender here posts identity-encoded JSON.
 *
 * @example
 * ```ts
 * decodeJsonBody({ "content-type": "application/json" }, Buffer.from('{"a":1}')); // { a: 1 }
 * ```
 */
export function decodeJsonBody(headers: Readonly<Record<string, HeaderValue>>, raw: Buffer): unknown {
  checkJsonMediaType(headers, raw);
  return parseJsonBody(raw);
}

/**
 * The header half of {@link decodeJsonBody}: 415 unless a non-empty body is identity-encoded
 * JSON. Costs nothing per byte, so the receiver runs it before authentication and leaves
 * the parse for after it.
 */
export function checkJsonMediaType(headers: Readonly<Record<string, HeaderValue>>, raw: Buffer): void {
  if (raw.length === 0) return;
  const encoding = headerValue(headers, "content-encoding")?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== "" && encoding !== "identity") {
    throw new WebhookError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Content-Encoding "${encoding.slice(0, 40)}" is not accepted; send the JSON body uncompressed.`,
    );
  }
  const contentType = headerValue(headers, "content-type");
  if (contentType === undefined || !isJsonMediaType(contentType)) {
    throw new WebhookError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Content-Type must be application/json (got ${contentType === undefined ? "none" : JSON.stringify(contentType.slice(0, 80))}).`,
    );
  }
}

/**
 * The byte half of {@link decodeJsonBody}: UTF-8 and `JSON.parse` (400 `INVALID_JSON`); an
 * empty body is `undefined`.
 */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  if (!isUtf8(raw)) throw new WebhookError("INVALID_JSON", "The body is not valid UTF-8; send UTF-8 encoded JSON.");
  // A UTF-8 byte order mark is allowed before JSON text (RFC 8259 §8.1): skip it.
  const text = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? raw.toString("utf8", 3) : raw.toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // V8's message quotes the body around the error, and the body may hold a secret
    // (Truvera's token, Crossmint's data.secret): report the position only.
    const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    const where = position === undefined ? (error instanceof Error && /end of JSON input/.test(error.message) ? " (it ends too early)" : "") : ` at position ${position}`;
    throw new WebhookError("INVALID_JSON", `The body is not valid JSON${where}; send the JSON exactly as serialized.`);
  }
}
