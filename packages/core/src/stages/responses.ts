import { isWebhookError, type WebhookError, type WebhookErrorCode } from "../errors.js";
import type { WebhookResponse } from "../types.js";

// Every answer credhooks gives is built here: the status of each outcome is decided by the
// stage that reaches it, the bytes of the answer by this file.

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" } as const;

export const RECEIVED_BODY = '{"received":true}';
export const DUPLICATE_BODY = '{"received":true,"duplicate":true}';
export const UNHANDLED_BODY = '{"received":true,"unhandled":true}';
export const PENDING_BODY = '{"received":true,"pending":true}';

/** A response answered often: headers computed once, a fresh object each time (callers may change it). */
function fixedResponse(status: number, body: string): () => WebhookResponse {
  const headers = { ...JSON_HEADERS, "content-length": String(Buffer.byteLength(body)) };
  return () => ({ status, headers: { ...headers }, body });
}

/** 200: every handler succeeded. */
export const receivedResponse = fixedResponse(200, RECEIVED_BODY);
/** 200: the event was done before (a duplicate); nothing ran. */
export const duplicateResponse = fixedResponse(200, DUPLICATE_BODY);
/** 200: an event the provider does not know; `onUnhandled` handlers ran. */
export const unhandledResponse = fixedResponse(200, UNHANDLED_BODY);
/** 202: the event is stored and its handlers finish (or run) after the answer. */
export const pendingResponse = fixedResponse(202, PENDING_BODY);

export function json(status: number, body: string, headers?: Readonly<Record<string, string>>): WebhookResponse {
  const base = { ...JSON_HEADERS, "content-length": String(Buffer.byteLength(body)) };
  return { status, headers: headers ? { ...base, ...headers } : base, body };
}

/**
 * The response for an error: `{"error":{"code","message"}}` with the code's status.
 *
 * @example
 * ```ts
 * errorResponse(new WebhookError("UNKNOWN_ROUTE", "No route")); // { status: 404, ... }
 * ```
 */
export function errorResponse(error: WebhookError): WebhookResponse {
  return json(error.status, JSON.stringify({ error: { code: error.code satisfies WebhookErrorCode, message: error.message } }), error.headers);
}

/** A short description of a thrown value for logs: an error code, or the error's name and message. */
export function describe(error: unknown): string {
  if (isWebhookError(error)) return error.code;
  return error instanceof Error ? `${error.name}: ${error.message}` : "non-error thrown";
}

/** The first few handler error messages, for the failure sink (the user's own messages). */
export function firstMessages(errors: readonly unknown[]): string {
  return errors
    .slice(0, 3)
    .map((e) => (e instanceof Error ? e.message : String(e)).slice(0, 200))
    .join(" | ");
}

export const isThenable = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> => typeof (value as { then?: unknown } | undefined)?.then === "function";
