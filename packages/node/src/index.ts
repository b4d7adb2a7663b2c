export { createNodeHandler, webhooks } from "./create-node-handler.js";
export type { NodeHandlerOptions, NodeWebhooks, NodeWebhooksOptions } from "./create-node-handler.js";
