import { WebhookError } from "../errors.js";
import type { Provider, RouteMatch, WebhookRequest } from "../types.js";

const DEFAULT_METHODS: readonly string[] = ["POST"];
const ROOT_ROUTE: RouteMatch = Object.freeze({});

/**
 * Stage 1 — route: the method (405 `METHOD_NOT_ALLOWED`, with `Allow`) and the path below
 * the mount point (404 `UNKNOWN_ROUTE`). Nothing is read from the connection before this passes.
 */
export function routeRequest(provider: Provider, request: WebhookRequest): RouteMatch {
  const methods = provider.methods ?? DEFAULT_METHODS;
  const method = request.method.toUpperCase();
  if (!methods.includes(method)) {
    throw new WebhookError("METHOD_NOT_ALLOWED", `${provider.id} webhooks are delivered with ${methods.join(" or ")}, not ${method.slice(0, 16)}.`, { headers: { allow: methods.join(", ") } });
  }
  const path = request.path === "" ? "/" : request.path;
  const route = provider.route ? provider.route(path, method) : path === "/" ? ROOT_ROUTE : undefined;
  if (route === undefined) {
    throw new WebhookError("UNKNOWN_ROUTE", `No ${provider.id} webhook route matches ${JSON.stringify(path.slice(0, 200))} below the mount point.`);
  }
  if (route.methods && !route.methods.includes(method)) {
    throw new WebhookError("METHOD_NOT_ALLOWED", `This ${provider.id} route is delivered with ${route.methods.join(" or ")}, not ${method.slice(0, 16)}.`, { headers: { allow: route.methods.join(", ") } });
  }
  return route;
}
