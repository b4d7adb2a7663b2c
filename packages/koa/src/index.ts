/**
 * Koa 2 and 3 middleware for credhooks.
 *
 * @module @credhooks/koa
 */
export { webhooks, createKoaMiddleware } from "./create-koa-middleware.js";
export type { KoaMultiWebhooks, KoaMultiWebhooksOptions, KoaWebhooks, KoaWebhooksOptions, KoaLikeContext, KoaMountOptions } from "./create-koa-middleware.js";
