export { webhooks, createExpressMiddleware } from "./create-express-middleware.js";
export type { ExpressWebhooks, ExpressLikeRequest, ExpressLikeResponse } from "./create-express-middleware.js";
