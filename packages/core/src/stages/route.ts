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

/**
 * Whether a request with this method and path (below the mount point) is one of the
 * provider's routes, without throwing: what an adapter mounted without a path asks before it
 * takes a request, so that every other request passes to the app (`GET /health`, other routes).
 *
 * @example
 * ```ts
 * if (!isProviderRoute(hooks.provider, ctx.method, ctx.path)) return next();
 * ```
 */
export function isProviderRoute(provider: Provider, method: string, path: string): boolean {
  const upper = method.toUpperCase();
  if (!(provider.methods ?? DEFAULT_METHODS).includes(upper)) return false;
  const below = path === "" ? "/" : path;
  const route = provider.route ? provider.route(below, upper) : below === "/" ? ROOT_ROUTE : undefined;
  return route !== undefined && (route.methods === undefined || route.methods.includes(upper));
}
