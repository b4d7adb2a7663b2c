import { decodeJsonBody } from "../decode-json-body.js";
import { WebhookError } from "../errors.js";
import type { WebhookRequest } from "../types.js";

const EMPTY = Buffer.alloc(0);

/**
 * Stage 2 — read the body: at most `maxBodyBytes` raw bytes (413 `PAYLOAD_TOO_LARGE`), then
 * the content type and JSON (415, 400 `INVALID_JSON`). Returns the bytes untouched beside the
 * decoded value: authentication runs over the bytes.
 */
export async function readBody(request: WebhookRequest, maxBodyBytes: number): Promise<{ rawBody: Buffer; body: unknown }> {
  const rawBody = request.body ?? (request.readBody ? await request.readBody(maxBodyBytes) : EMPTY);
  if (rawBody.length > maxBodyBytes) {
    throw new WebhookError("PAYLOAD_TOO_LARGE", `The body is larger than ${maxBodyBytes} bytes.`);
  }
  return { rawBody, body: decodeJsonBody(request.headers, rawBody) };
}
