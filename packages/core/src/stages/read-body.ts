import { WebhookError } from "../errors.js";
import type { WebhookRequest } from "../types.js";

const EMPTY = Buffer.alloc(0);

/**
 * 10 s: how long the whole body of a delivery may take to arrive, counted from when
 * credhooks starts reading it (headers already in). Senders post at most a few kilobytes
 * from a data centre; a body still arriving after 10 s is a slow-body attack or a broken
 * connection, and without a deadline it would hold the connection for Node's own 300 s
 * (`server.requestTimeout`).
 *
 * @example
 * ```ts
 * createWebhooks({ provider, bodyTimeoutMs: DEFAULT_BODY_TIMEOUT_MS / 2 }); // 5 s
 * ```
 */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

/**
 * Stage 2 — read the body: at most `maxBodyBytes` raw bytes (413 `PAYLOAD_TOO_LARGE`),
 * within `timeoutMs` (the adapter's reader answers 408 `REQUEST_TIMEOUT` and closes the
 * connection). Only bytes: decoding waits until the credentials that come in headers have
 * been checked (see `authenticate.ts`).
 */
export async function readBody(request: WebhookRequest, maxBodyBytes: number, timeoutMs: number = DEFAULT_BODY_TIMEOUT_MS): Promise<Buffer> {
  const rawBody = request.body ?? (request.readBody ? await request.readBody(maxBodyBytes, timeoutMs) : EMPTY);
  if (rawBody.length > maxBodyBytes) {
    throw new WebhookError("PAYLOAD_TOO_LARGE", `The body is larger than ${maxBodyBytes} bytes.`);
  }
  return rawBody;
}
