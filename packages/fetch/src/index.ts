/**
 * A fetch handler (`Request` → `Response`) for credhooks: Hono, Next.js route handlers, Bun, Deno.
 *
 * @module @credhooks/fetch
 */
export { createFetchHandler, readRequestBody, webhooks } from "./create-fetch-handler.js";
export type { FetchHandler, FetchHandlerOptions, FetchMultiWebhooks, FetchMultiWebhooksOptions, FetchWebhooks, FetchWebhooksOptions } from "./create-fetch-handler.js";
