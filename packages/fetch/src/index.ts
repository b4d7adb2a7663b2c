export { createFetchHandler, readRequestBody, webhooks } from "./create-fetch-handler.js";
export type { FetchHandler, FetchHandlerOptions, FetchWebhooks, FetchWebhooksOptions } from "./create-fetch-handler.js";
