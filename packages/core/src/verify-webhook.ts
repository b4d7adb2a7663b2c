import { authenticateDelivery, parseEvent } from "./authenticate-delivery.js";
import { DEFAULT_MAX_BODY_BYTES } from "./create-webhooks.js";
import { WebhookError, isWebhookError } from "./errors.js";
import { compileMountPath } from "./mount-path.js";
import type { AnyEventOf, EventMapOf, HeaderValue, Provider, WebhookEvent } from "./types.js";

/**
 * A delivery as a serverless function or queue consumer holds it: headers and the raw
 * body, plus where it was addressed.
 *
 * @example
 * ```ts
 * const request: VerifiableRequest = { headers: message.headers, body: message.rawBody, tenantId: "acme" };
 * const result = await verifyWebhook(proven({ apiKey }), request);
 * ```
 */
export interface VerifiableRequest {
  /** Default `POST`. */
  method?: string;
  /** The path below the mount point (Lissi encodes the event there); default `/`. */
  path?: string;
  /** The request target as the sender addressed it, e.g. `/events/acme/sovrin?x=1` (signature schemes cover it); default `path`. */
  url?: string;
  /** Header names in any case. */
  headers: Headers | Readonly<Record<string, HeaderValue>>;
  /** The raw body, exactly as received. */
  body?: string | Uint8Array | ArrayBuffer | null;
  /** The tenant whose credentials apply. */
  tenantId?: string;
}

/**
 * Options of {@link verifyWebhook}.
 *
 * @example
 * ```ts
 * await verifyWebhook(lissi({ apiKey }), request, { mountPath: "/events/:tenantId/lissi" });
 * ```
 */
export interface VerifyOptions {
  /** Largest body accepted (default 1 MiB). */
  maxBodyBytes?: number;
  /**
   * The mount pattern the request was addressed under, e.g. `/events/:tenantId/lissi`: the
   * request's path is then the full path (a fetch `Request`'s URL), the tenant comes from it,
   * and providers that route by path (Lissi, ACA-Py) see the path below it.
   */
  mountPath?: string;
}

/**
 * The outcome of {@link verifyWebhook}: the typed event, or a coded error.
 *
 * @example
 * ```ts
 * const result = await verifyWebhook(provider, request);
 * if (!result.ok) console.warn(result.error.code, result.error.status);
 * else if (!result.known) console.info("an event this provider does not know yet:", result.event.name);
 * ```
 */
export type VerifyResult<M> =
  | { ok: true; known: true; event: AnyEventOf<M> }
  | { ok: true; known: false; event: WebhookEvent<string, unknown> }
  | { ok: false; error: WebhookError };

/**
 * Authenticates and parses one delivery without any middleware, dedupe or handlers: for
 * serverless functions and queue consumers. Never throws for bad input: the error is
 * returned with its code and status.
 *
 * @example
 * ```ts
 * const result = await verifyWebhook(proven({ apiKey }), { headers: request.headers, body: rawBody, tenantId: "acme" });
 * if (!result.ok) return new Response(result.error.message, { status: result.error.status });
 * if (result.known && result.event.name === "credentials:done") await save(result.event.payload.cred_ex_id);
 * ```
 */
export async function verifyWebhook<P extends Provider>(provider: P, request: VerifiableRequest | Request, options: VerifyOptions = {}): Promise<VerifyResult<EventMapOf<P>>> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  try {
    let input = isFetchRequest(request) ? await fromFetchRequest(request) : request;
    if (options.mountPath !== undefined) {
      // The full path as addressed: the mount pattern gives the tenant and the path below it.
      const full = input.path ?? (input.url ?? "/").split("?")[0] ?? "/";
      const found = compileMountPath(options.mountPath).match(full);
      if (!found) throw new WebhookError("UNKNOWN_ROUTE", `The request path does not start with the mount path ${options.mountPath}.`);
      input = { ...input, path: found.rest, url: input.url ?? full, ...(input.tenantId === undefined && found.params["tenantId"] !== undefined ? { tenantId: found.params["tenantId"] } : {}) };
    }
    const path = input.path ?? "/";
    const receivedAt = Date.now();
    const delivery = await authenticateDelivery(
      provider,
      {
        method: input.method ?? "POST",
        path,
        originalUrl: input.url ?? path,
        headers: lowerCaseHeaders(input.headers),
        params: { tenantId: input.tenantId },
        body: toBuffer(input.body),
      },
      maxBodyBytes,
      receivedAt,
    );
    const parsed = parseEvent(provider, provider.identify(delivery), delivery.tenantId, receivedAt);
    if (parsed instanceof WebhookError) return { ok: false, error: parsed };
    return parsed.known ? { ok: true, known: true, event: parsed.event as AnyEventOf<EventMapOf<P>> } : { ok: true, known: false, event: parsed.event };
  } catch (error) {
    if (isWebhookError(error)) return { ok: false, error };
    return { ok: false, error: new WebhookError("INTERNAL_ERROR", "Verification failed unexpectedly.", { cause: error }) };
  }
}

function isFetchRequest(value: unknown): value is Request {
  return typeof Request !== "undefined" && value instanceof Request;
}

async function fromFetchRequest(request: Request): Promise<VerifiableRequest> {
  const url = new URL(request.url);
  return { method: request.method, path: url.pathname, url: url.pathname + url.search, headers: request.headers, body: request.body ? await request.arrayBuffer() : null };
}

function lowerCaseHeaders(headers: VerifiableRequest["headers"]): Record<string, HeaderValue> {
  const out: Record<string, HeaderValue> = {};
  if (typeof Headers !== "undefined" && headers instanceof Headers) {
    headers.forEach((value, name) => (out[name] = value));
    return out;
  }
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value as HeaderValue;
  return out;
}

function toBuffer(body: VerifiableRequest["body"]): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
