/**
 * A node:http request listener (and connect-style middleware) for credhooks.
 *
 * @module @credhooks/node
 */
export { createNodeHandler, webhooks } from "./create-node-handler.js";
export type { NodeHandlerOptions, NodeMultiWebhooks, NodeMultiWebhooksOptions, NodeWebhooks, NodeWebhooksOptions } from "./create-node-handler.js";
