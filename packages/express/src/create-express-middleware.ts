import type { IncomingMessage, ServerResponse } from "node:http";
import {
  createWebhooks,
  readNodeBody,
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
 * What the middleware reads from an Express 4 or 5 request.
 *
 * @example
 * ```ts
 * // A body parser that runs first must keep the raw bytes on req.rawBody:
 * app.use(express.json({ verify: (req: ExpressLikeRequest, _res, buf) => { req.rawBody = buf; } }));
 * ```
 */
export type ExpressLikeRequest = IncomingMessage & {
  /** Path below the mount point. */
  path: string;
  originalUrl: string;
  params?: Record<string, string | undefined>;
  /** Raw bytes kept by `express.json({ verify })`, when a body parser ran first. */
  rawBody?: unknown;
};
/**
 * The response credhooks writes to.
 *
 * @example
 * ```ts
 * const middleware = createExpressMiddleware(core);
 * app.post("/hooks", (req, res: ExpressLikeResponse, next) => middleware(req, res, next));
 * ```
 */
export type ExpressLikeResponse = ServerResponse;

/**
 * An Express middleware that is also the receiver: `hooks.on(...)`, `app.use(path, hooks)`.
 *
 * @example
 * ```ts
 * const hooks: ExpressWebhooks<EventMapOf<ProvenProvider>> = webhooks({ provider: proven({ apiKey }) });
 * app.use("/events/:tenantId/proven", hooks.on("credentials:done", save));
 * ```
 */
export type ExpressWebhooks<M extends Record<string, unknown>> = ((req: ExpressLikeRequest, res: ExpressLikeResponse, next: (error?: unknown) => void) => void) &
  Webhooks<M> & { readonly webhooks: Webhooks<M> };

/**
 * The multi-provider receiver as Express middleware: mount it once under
 * `/events/:tenantId`, and each provider is served under `/<key>` below it.
 *
 * @example
 * ```ts
 * const hooks: ExpressMultiWebhooks<{ proven: ProvenProvider }> = webhooks({ providers: { proven: proven({ apiKey }) } });
 * app.use("/events/:tenantId", hooks);
 * ```
 */
export type ExpressMultiWebhooks<PS extends Record<string, Provider>> = ((req: ExpressLikeRequest, res: ExpressLikeResponse, next: (error?: unknown) => void) => void) &
  MultiWebhooks<PS> & { readonly webhooks: MultiWebhooks<PS> };

const FIX = "express.json({ verify: (req, _res, buf) => { req.rawBody = buf } })";

/**
 * Wraps an existing core receiver as Express middleware. Use {@link webhooks} unless you
 * share one core between several frameworks.
 *
 * @example
 * ```ts
 * const core = createWebhooks({ provider: proven({ apiKey }) });
 * app.use("/events/:tenantId/proven", createExpressMiddleware(core));
 * ```
 */
export function createExpressMiddleware(core: ReceiverLike) {
  const receiver = core;
  return function credhooksExpress(req: ExpressLikeRequest, res: ExpressLikeResponse, next: (error?: unknown) => void): void {
    receiver
      .handle({
        method: req.method ?? "GET",
        path: req.path,
        originalUrl: req.originalUrl,
        headers: req.headers,
        params: req.params ?? {},
        readBody: (limit, timeoutMs) => readNodeBody(req, limit, req.rawBody, FIX, timeoutMs),
      })
      .then((response) => {
        if (res.headersSent) return;
        res.writeHead(response.status, response.headers).end(response.body);
      }, next);
  };
}

/**
 * Creates a receiver as Express 4/5 middleware: for several providers at once
 * (`{ providers }`, each served under `/<key>` below the mount point), or for one
 * (`{ provider }`). Mount it under `/events/:tenantId` (the tenant id reaches handlers and
 * credential resolvers), or anywhere without one for a single tenant.
 *
 * @example
 * ```ts
 * import express from "express";
 * import { webhooks } from "@credhooks/express";
 * import { proven } from "@credhooks/core/providers/proven";
 * import { lissi } from "@credhooks/core/providers/lissi";
 *
 * const hooks = webhooks({ providers: { proven: proven({ apiKey: (tenantId) => lookupKey(tenantId) }), lissi: lissi({ apiKey: "k" }) } });
 * hooks.on("credential.issued", async (event) => console.log(event.tenantId, event.payload.provider, event.payload.recordId));
 * hooks.on("proven", "credentials:done", async (event) => console.log(event.payload.cred_ex_id));
 * express().use("/events/:tenantId", hooks); // POST /events/acme/proven, /events/acme/lissi/…
 *
 * const one = webhooks({ provider: proven({ apiKey: "k" }) }); // one provider, mounted where you like
 * express().use("/events/:tenantId/proven", one);
 * ```
 */
export function webhooks<PS extends Record<string, ProviderEntry>>(options: MultiWebhooksOptions<PS>): ExpressMultiWebhooks<ProvidersOf<PS>>;
export function webhooks<P extends Provider>(options: WebhooksOptions<P>): ExpressWebhooks<EventMapOf<P>>;
export function webhooks(options: WebhooksOptions<Provider> | MultiWebhooksOptions<Record<string, ProviderEntry>>): object {
  const core = createWebhooks(options as WebhooksOptions<Provider>);
  return withWebhooks(createExpressMiddleware(core), core);
}
