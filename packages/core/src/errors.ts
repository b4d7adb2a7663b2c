/**
 * The closed set of error codes credhooks answers with, and the one table that maps each
 * code to its HTTP status. Every rejection a sender or a user sees goes through here.
 *
 * @example
 * ```ts
 * ERROR_STATUS.INVALID_SIGNATURE; // 401
 * const retryable = Object.entries(ERROR_STATUS).filter(([, status]) => status === 503); // ask the sender to retry
 * ```
 */
export const ERROR_STATUS = {
  /** The HTTP method is not one the provider sends (usually only POST). */
  METHOD_NOT_ALLOWED: 405,
  /** The path under the mount point is not a route of the provider. */
  UNKNOWN_ROUTE: 404,
  /** The body is larger than `maxBodyBytes` (1 MiB by default). */
  PAYLOAD_TOO_LARGE: 413,
  /** The body is not JSON (by `Content-Type`) or is content-encoded. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The body could not be read from the connection (aborted, wrong length). */
  INVALID_BODY: 400,
  /** The body did not arrive within `bodyTimeoutMs` (10 s by default): a slow or stalled sender. */
  REQUEST_TIMEOUT: 408,
  /** The body is not valid JSON (or not UTF-8). */
  INVALID_JSON: 400,
  /** No credential (API key, token, signature headers) came with the request. */
  MISSING_CREDENTIALS: 401,
  /** A credential came but does not match what is configured for the tenant. */
  INVALID_CREDENTIALS: 401,
  /** A signature is present but does not verify. */
  INVALID_SIGNATURE: 401,
  /** A signed timestamp is older than the tolerance allows. */
  TIMESTAMP_TOO_OLD: 401,
  /** A signed timestamp lies further in the future than the tolerance allows. */
  TIMESTAMP_IN_FUTURE: 401,
  /** The signing key named by the request is not known. */
  UNKNOWN_KEY: 401,
  /** The credential resolver (or key source) failed: the sender should retry. */
  CREDENTIALS_UNAVAILABLE: 503,
  /** The authenticated body does not match the event's schema. */
  INVALID_PAYLOAD: 400,
  /** The same event is being processed right now; retry later. */
  DUPLICATE_IN_FLIGHT: 409,
  /** The dedupe store could not be reached: the sender should retry. */
  STORE_UNAVAILABLE: 503,
  /** The receiver is closing (`close()`): the sender should retry, another instance answers. */
  SHUTTING_DOWN: 503,
  /** The event's in-flight lease was lost while handlers ran (the store became unreachable, or another owner took it). */
  LEASE_LOST: 503,
  /** One or more handlers threw; the event is not marked done and a retry runs it again. */
  HANDLER_FAILED: 500,
  /** A body parser consumed the request stream and left no raw copy of the bytes. */
  RAW_BODY_UNAVAILABLE: 500,
  /** A bug in credhooks or in a provider: never caused by the sender's input. */
  INTERNAL_ERROR: 500,
} as const satisfies Record<string, number>;

// Headers that go with some errors: when to come back, and closing a half-read connection.
const DEFAULT_HEADERS: Partial<Record<string, Record<string, string>>> = {
  DUPLICATE_IN_FLIGHT: { "retry-after": "5" },
  CREDENTIALS_UNAVAILABLE: { "retry-after": "10" },
  STORE_UNAVAILABLE: { "retry-after": "10" },
  SHUTTING_DOWN: { "retry-after": "5" },
  LEASE_LOST: { "retry-after": "10" },
  // The rest of the body was never read: the connection cannot carry another request.
  PAYLOAD_TOO_LARGE: { connection: "close" },
  INVALID_BODY: { connection: "close" },
  REQUEST_TIMEOUT: { connection: "close" },
}

/**
 * One of credhooks' error codes.
 *
 * @example
 * ```ts
 * const code: WebhookErrorCode = "INVALID_CREDENTIALS";
 * throw new WebhookError(code, "X-API-Key does not match the key configured for this tenant.");
 * ```
 */
export type WebhookErrorCode = keyof typeof ERROR_STATUS;

/**
 * The one error class credhooks uses. `code` is from a closed set; `status` follows from it.
 *
 * @example
 * ```ts
 * throw new WebhookError("INVALID_CREDENTIALS", "X-API-Key does not match the key configured for this tenant.");
 * ```
 */
export class WebhookError extends Error {
  override readonly name = "WebhookError";
  readonly code: WebhookErrorCode;
  readonly status: number;
  /** Response headers that belong with this error (`Allow` on 405, `Retry-After` on 409/503). */
  readonly headers: Readonly<Record<string, string>> | undefined;
  constructor(code: WebhookErrorCode, message: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.headers = options?.headers ?? DEFAULT_HEADERS[code];
  }
}

/**
 * The HTTP status of an error code.
 *
 * @example
 * ```ts
 * statusOf("INVALID_PAYLOAD"); // 400
 * ```
 */
export function statusOf(code: WebhookErrorCode): number {
  return ERROR_STATUS[code];
}

/**
 * True when `value` is a {@link WebhookError}.
 *
 * @example
 * ```ts
 * try {
 *   await provider.authenticate(delivery);
 * } catch (error) {
 *   if (isWebhookError(error)) console.log(error.code, error.status); // e.g. "INVALID_SIGNATURE" 401
 * }
 * ```
 */
export function isWebhookError(value: unknown): value is WebhookError {
  return value instanceof WebhookError;
}
