import {
  compileMountPath,
  createWebhooks,
  errorResponse,
  WebhookError,
  withWebhooks,
  type EventMapOf,
  type HeaderValue,
  type MultiWebhooks,
  type MultiWebhooksOptions,
  type Provider,
  type ProviderEntry,
  type ProvidersOf,
  type ReceiverLike,
  type Webhooks,
  type WebhooksOptions,
} from "@credhooks/core";

/**
 * Where the fetch handler is mounted.
 *
 * @example
 * ```ts
 * const options: FetchHandlerOptions = { path: "/events/:tenantId/proven" };
 * const handle = createFetchHandler(core, options);
 * ```
 */
export interface FetchHandlerOptions {
  /** The mount pattern matched against the request URL's path, e.g. `/events/:tenantId/proven`; default `/`. */
  path?: string;
}

/**
 * Options of the fetch {@link webhooks}.
 *
 * @example
 * ```ts
 * const options: FetchWebhooksOptions<ProvenProvider> = { provider: proven({ apiKey }), path: "/events/:tenantId/proven" };
 * const hooks = webhooks(options);
 * ```
 */
export type FetchWebhooksOptions<P extends Provider> = WebhooksOptions<P> & FetchHandlerOptions;

/**
 * `(Request) => Promise<Response>`; `params` (e.g. from a router) override the ones the mount path captured.
 *
 * @example
 * ```ts
 * const handle: FetchHandler = createFetchHandler(core);
 * app.post("/hooks/:tenantId", (c) => handle(c.req.raw, { params: { tenantId: c.req.param("tenantId") } }));
 * ```
 */
export type FetchHandler = (request: Request, context?: { params?: Record<string, string | undefined> }) => Promise<Response>;

/**
 * A fetch handler that is also the receiver.
 *
 * @example
 * ```ts
 * const hooks: FetchWebhooks<EventMapOf<ProvenProvider>> = webhooks({ provider: proven({ apiKey }), path: "/events/:tenantId/proven" });
 * export const POST = (request: Request) => hooks.on("credentials:done", save)(request);
 * ```
 */
export type FetchWebhooks<M extends Record<string, unknown>> = FetchHandler & Webhooks<M> & { readonly webhooks: Webhooks<M> };

/**
 * Reads a fetch body as bytes, at most `limit`, within `timeoutMs`: stops reading (and
 * cancels the stream) as soon as the limit is passed instead of buffering everything first.
 * A body still incomplete after `timeoutMs` is refused with 408 `REQUEST_TIMEOUT`, whose
 * answer carries `Connection: close` for the host server to close the connection.
 *
 * @example
 * ```ts
 * const bytes = await readRequestBody(request, 1024 * 1024, 10_000);
 * ```
 */
export async function readRequestBody(request: Request, limit: number, timeoutMs?: number): Promise<Buffer> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) throw new WebhookError("PAYLOAD_TOO_LARGE", `The body is larger than ${limit} bytes.`);
  if (!request.body) return Buffer.alloc(0);
  if (request.bodyUsed) throw new WebhookError("RAW_BODY_UNAVAILABLE", "The request body was already read before credhooks; pass the original Request (request.clone() before reading it elsewhere).");
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  // The deadline: one timer per body being read, raced against each read.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline =
    timeoutMs === undefined || !(timeoutMs > 0) || timeoutMs === Infinity
      ? undefined
      : new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new WebhookError("REQUEST_TIMEOUT", `The body did not arrive within ${timeoutMs} ms (${size} bytes came); the connection is closed. Send the whole body at once.`)), timeoutMs);
        });
  try {
    for (;;) {
      const reading = reader.read();
      if (deadline) reading.catch(() => {}); // the read left behind when the deadline wins
      const { done, value } = await (deadline ? Promise.race([reading, deadline]) : reading);
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw new WebhookError("PAYLOAD_TOO_LARGE", `The body is larger than ${limit} bytes.`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof WebhookError) throw error;
    throw new WebhookError("INVALID_BODY", "The body could not be read: the connection was aborted.", { cause: error });
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Wraps a core receiver as a fetch handler, for Hono, Next.js route handlers, Bun and Deno.
 *
 * @example
 * ```ts
 * const handle = createFetchHandler(core, { path: "/events/:tenantId/proven" });
 * export const POST = (request: Request) => handle(request); // Next.js route handler
 * ```
 */
export function createFetchHandler(core: ReceiverLike, options: FetchHandlerOptions = {}): FetchHandler {
  const receiver = core;
  const mount = compileMountPath(options.path ?? "/");
  return async function credhooksFetch(request, context) {
    const url = new URL(request.url);
    const found = mount.match(url.pathname);
    const response = found
      ? await receiver.handle({
          method: request.method,
          path: found.rest,
          originalUrl: url.pathname + url.search,
          headers: toHeaderRecord(request.headers),
          params: { ...found.params, ...context?.params },
          readBody: (limit, timeoutMs) => readRequestBody(request, limit, timeoutMs),
        })
      : errorResponse(new WebhookError("UNKNOWN_ROUTE", `Webhooks are received under ${mount.pattern}.`));
    return new Response(response.body, { status: response.status, headers: response.headers });
  };
}

function toHeaderRecord(headers: Headers): Record<string, HeaderValue> {
  const record: Record<string, HeaderValue> = {};
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

/**
 * Options of the fetch multi-provider {@link webhooks}.
 *
 * @example
 * ```ts
 * const options: FetchMultiWebhooksOptions<{ proven: ProvenProvider }> = { providers: { proven: proven({ apiKey }) }, path: "/events/:tenantId" };
 * ```
 */
export type FetchMultiWebhooksOptions<PS extends Record<string, ProviderEntry>> = MultiWebhooksOptions<PS> & FetchHandlerOptions;

/**
 * A fetch handler that is also the multi-provider receiver.
 *
 * @example
 * ```ts
 * const hooks: FetchMultiWebhooks<{ proven: ProvenProvider }> = webhooks({ providers: { proven: proven({ apiKey }) }, path: "/events/:tenantId" });
 * export const POST = (request: Request) => hooks(request);
 * ```
 */
export type FetchMultiWebhooks<PS extends Record<string, Provider>> = FetchHandler & MultiWebhooks<PS> & { readonly webhooks: MultiWebhooks<PS> };

/**
 * Creates a receiver as a fetch handler: for several providers at once (`{ providers }`,
 * each served under `/<key>` below `path`), or for one (`{ provider }`).
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { webhooks } from "@credhooks/fetch";
 * import { proven } from "@credhooks/core/providers/proven";
 * import { lissi } from "@credhooks/core/providers/lissi";
 *
 * const hooks = webhooks({ providers: { proven: proven({ apiKey }), lissi: lissi({ apiKey }) }, path: "/events/:tenantId" });
 * hooks.on("credential.issued", (event) => save(event.payload.provider, event.payload.recordId));
 * new Hono().all("/events/:tenantId/*", (c) => hooks(c.req.raw));
 * ```
 */
export function webhooks<PS extends Record<string, ProviderEntry>>(options: FetchMultiWebhooksOptions<PS>): FetchMultiWebhooks<ProvidersOf<PS>>;
export function webhooks<P extends Provider>(options: FetchWebhooksOptions<P>): FetchWebhooks<EventMapOf<P>>;
export function webhooks(options: FetchWebhooksOptions<Provider> | FetchMultiWebhooksOptions<Record<string, ProviderEntry>>): object {
  const { path, ...coreOptions } = options;
  const core = createWebhooks(coreOptions as WebhooksOptions<Provider>);
  return withWebhooks(createFetchHandler(core, path === undefined ? {} : { path }), core);
}
