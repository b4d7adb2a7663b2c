export { webhooks, createKoaMiddleware } from "./create-koa-middleware.js";
export type { KoaWebhooks, KoaWebhooksOptions, KoaLikeContext, KoaMountOptions } from "./create-koa-middleware.js";
