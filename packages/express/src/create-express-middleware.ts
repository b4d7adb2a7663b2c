import type { IncomingMessage, ServerResponse } from "node:http";
import {
  createWebhooks,
  readNodeBody,
  withWebhooks,
  type EventMapOf,
  type Provider,
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
export function createExpressMiddleware(core: Webhooks<Record<string, unknown>> | Webhooks<never>) {
  const receiver = core as Webhooks<Record<string, unknown>>;
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
 * Creates a receiver for one provider as Express 4/5 middleware. Mount it under
 * `/events/:tenantId` (the tenant id reaches handlers and credential resolvers), or
 * anywhere without one for a single tenant.
 *
 * @example
 * ```ts
 * import express from "express";
 * import { webhooks } from "@credhooks/express";
 * import { proven } from "@credhooks/core/providers/proven";
 *
 * const hooks = webhooks({ provider: proven({ apiKey: (tenantId) => lookupKey(tenantId) }) });
 * hooks.on("credentials:done", async (event) => console.log(event.tenantId, event.payload.cred_ex_id));
 * express().use("/events/:tenantId/proven", hooks);
 * ```
 */
export function webhooks<P extends Provider>(options: WebhooksOptions<P>): ExpressWebhooks<EventMapOf<P>> {
  const core = createWebhooks(options);
  return withWebhooks(createExpressMiddleware(core as unknown as Webhooks<Record<string, unknown>>), core);
}
