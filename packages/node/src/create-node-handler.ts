import type { IncomingMessage, ServerResponse } from "node:http";
import {
  compileMountPath,
  createWebhooks,
  errorResponse,
  readNodeBody,
  WebhookError,
  withWebhooks,
  type EventMapOf,
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
 * Where the node:http handler is mounted.
 *
 * @example
 * ```ts
 * const options: NodeHandlerOptions = { path: "/events/:tenantId/proven" };
 * createServer(createNodeHandler(core, options));
 * ```
 */
export interface NodeHandlerOptions {
  /** The mount pattern, e.g. `/events/:tenantId/proven`; default `/` (the whole server). */
  path?: string;
}

/**
 * Options of the node:http {@link webhooks}.
 *
 * @example
 * ```ts
 * const options: NodeWebhooksOptions<ProvenProvider> = { provider: proven({ apiKey }), path: "/events/:tenantId/proven" };
 * createServer(webhooks(options)).listen(3000);
 * ```
 */
export type NodeWebhooksOptions<P extends Provider> = WebhooksOptions<P> & NodeHandlerOptions;

/**
 * A node:http request listener that is also the receiver. `next` (connect style) gets requests outside the mount path.
 *
 * @example
 * ```ts
 * const hooks: NodeWebhooks<EventMapOf<ProvenProvider>> = webhooks({ provider: proven({ apiKey }), path: "/events/:tenantId/proven" });
 * createServer((req, res) => hooks(req, res, () => res.writeHead(404).end()));
 * ```
 */
export type NodeWebhooks<M extends Record<string, unknown>> = ((req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void) &
  Webhooks<M> & { readonly webhooks: Webhooks<M> };

/**
 * Options of the node:http multi-provider {@link webhooks}.
 *
 * @example
 * ```ts
 * const options: NodeMultiWebhooksOptions<{ proven: ProvenProvider }> = { providers: { proven: proven({ apiKey }) }, path: "/events/:tenantId" };
 * ```
 */
export type NodeMultiWebhooksOptions<PS extends Record<string, ProviderEntry>> = MultiWebhooksOptions<PS> & NodeHandlerOptions;

/**
 * A node:http request listener that is also the multi-provider receiver.
 *
 * @example
 * ```ts
 * const hooks: NodeMultiWebhooks<{ proven: ProvenProvider }> = webhooks({ providers: { proven: proven({ apiKey }) }, path: "/events/:tenantId" });
 * createServer(hooks).listen(3000); // POST /events/acme/proven
 * ```
 */
export type NodeMultiWebhooks<PS extends Record<string, Provider>> = ((req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void) &
  MultiWebhooks<PS> & { readonly webhooks: MultiWebhooks<PS> };

const FIX = "keep the raw bytes on req.rawBody (a Buffer) when something reads the body first";

/**
 * Wraps a core receiver as a node:http request listener (also usable as connect-style
 * middleware). Requests outside the mount path go to `next`, or are answered 404.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * const core = createWebhooks({ provider: proven({ apiKey }) });
 * createServer(createNodeHandler(core, { path: "/events/:tenantId/proven" })).listen(3000);
 * ```
 */
export function createNodeHandler(core: ReceiverLike, options: NodeHandlerOptions = {}) {
  const receiver = core;
  const mount = compileMountPath(options.path ?? "/");
  return function credhooksNode(req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const found = mount.match(query === -1 ? url : url.slice(0, query));
    if (!found) {
      if (next) return next();
      const response = errorResponse(new WebhookError("UNKNOWN_ROUTE", `Webhooks are received under ${mount.pattern}.`));
      res.writeHead(response.status, response.headers).end(response.body);
      return;
    }
    void receiver
      .handle({
        method: req.method ?? "GET",
        path: found.rest,
        originalUrl: url,
        headers: req.headers,
        params: found.params,
        readBody: (limit, timeoutMs) => readNodeBody(req, limit, (req as { rawBody?: unknown }).rawBody, FIX, timeoutMs),
      })
      .then((response) => {
        if (!res.headersSent) res.writeHead(response.status, response.headers).end(response.body);
      });
  };
}

/**
 * Creates a receiver as a node:http request listener: for several providers at once
 * (`{ providers }`, each served under `/<key>` below `path`), or for one (`{ provider }`).
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { webhooks } from "@credhooks/node";
 * import { proven } from "@credhooks/core/providers/proven";
 * import { lissi } from "@credhooks/core/providers/lissi";
 *
 * const hooks = webhooks({ providers: { proven: proven({ apiKey }), lissi: lissi({ apiKey }) }, path: "/events/:tenantId" });
 * hooks.on("credential.issued", (event) => save(event.payload.provider, event.payload.recordId));
 * createServer(hooks).listen(3000); // POST /events/acme/proven, /events/acme/lissi/…
 * ```
 */
export function webhooks<PS extends Record<string, ProviderEntry>>(options: NodeMultiWebhooksOptions<PS>): NodeMultiWebhooks<ProvidersOf<PS>>;
export function webhooks<P extends Provider>(options: NodeWebhooksOptions<P>): NodeWebhooks<EventMapOf<P>>;
export function webhooks(options: NodeWebhooksOptions<Provider> | NodeMultiWebhooksOptions<Record<string, ProviderEntry>>): object {
  const { path, ...coreOptions } = options;
  const core = createWebhooks(coreOptions as WebhooksOptions<Provider>);
  return withWebhooks(createNodeHandler(core, path === undefined ? {} : { path }), core);
}
