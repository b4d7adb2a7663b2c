/**
 * Express 4 and 5 middleware for credhooks.
 *
 * @module @credhooks/express
 */
export { webhooks, createExpressMiddleware } from "./create-express-middleware.js";
export type { ExpressMultiWebhooks, ExpressWebhooks, ExpressLikeRequest, ExpressLikeResponse } from "./create-express-middleware.js";
