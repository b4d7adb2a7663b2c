import type { IncomingMessage } from "node:http";
import {
  compileMountPath,
  createWebhooks,
  servesRoute,
  readNodeBody,
  withWebhooks,
  type EventMapOf,
  type MountPath,
  type MultiWebhooks,
  type MultiWebhooksOptions,
  type Provider,
  type ProviderEntry,
  type ProvidersOf,
  type ReceiverLike,
  type Webhooks,
  type WebhooksOptions,
} from "@credhooks/core";

/**
 * What the middleware reads from and writes to a Koa 2 or 3 context.
 *
 * @example
 * ```ts
 * const middleware = createKoaMiddleware(core, { path: "/events/:tenantId/proven" });
 * app.use((ctx, next) => middleware(ctx as KoaLikeContext, next));
 * ```
 */
export interface KoaLikeContext {
  method: string;
  path: string;
  originalUrl: string;
  req: IncomingMessage;
  request: { rawBody?: unknown };
  params?: Record<string, string | undefined>;
  /** Set by `@koa/router` to the pattern of the matched route. */
  _matchedRoute?: string | RegExp;
  status: number;
  body: unknown;
  set(headers: Record<string, string>): void;
}

/**
 * Where the Koa middleware is mounted.
 *
 * @example
 * ```ts
 * const mount: KoaMountOptions = { path: "/events/:tenantId/lissi" };
 * app.use(createKoaMiddleware(core, mount));
 * ```
 */
export interface KoaMountOptions {
  /**
   * The mount pattern, e.g. `/events/:tenantId/proven`. Requests whose path does not
   * start with it pass to the next middleware. Without it, under `@koa/router` the matched
   * route's pattern is used; otherwise the whole `ctx.path` is the path below the mount, and
   * only requests to the provider's own routes with its methods (for most providers
   * `POST /`) are taken: every other request passes to the next middleware.
   */
  path?: string;
}

/**
 * Options of the Koa {@link webhooks}.
 *
 * @example
 * ```ts
 * const options: KoaWebhooksOptions<ProvenProvider> = { provider: proven({ apiKey }), path: "/events/:tenantId/proven" };
 * new Koa().use(webhooks(options));
 * ```
 */
export type KoaWebhooksOptions<P extends Provider> = WebhooksOptions<P> & KoaMountOptions;

/**
 * A Koa middleware that is also the receiver: `hooks.on(...)`, `app.use(hooks)`.
 *
 * @example
 * ```ts
 * const hooks: KoaWebhooks<EventMapOf<ProvenProvider>> = webhooks({ provider: proven({ apiKey }), path: "/events/:tenantId/proven" });
 * app.use(hooks.on("credentials:done", save));
 * ```
 */
export type KoaWebhooks<M extends Record<string, unknown>> = ((ctx: KoaLikeContext, next: () => Promise<unknown>) => Promise<void>) &
  Webhooks<M> & { readonly webhooks: Webhooks<M> };

const FIX = "with @koa/bodyparser, keep its default that sets ctx.request.rawBody, or mount credhooks before it";

/**
 * Wraps an existing core receiver as Koa middleware. Use {@link webhooks} unless you share
 * one core between several frameworks.
 *
 * @example
 * ```ts
 * app.use(createKoaMiddleware(core, { path: "/events/:tenantId/proven" }));
 * ```
 */
export function createKoaMiddleware(core: ReceiverLike, options: KoaMountOptions = {}) {
  const receiver = core;
  const fixed = options.path === undefined ? undefined : compileMountPath(options.path);
  const fromRouter = new Map<string, MountPath>();

  return async function credhooksKoa(ctx: KoaLikeContext, next: () => Promise<unknown>): Promise<void> {
    const mount = fixed ?? routerMount(ctx._matchedRoute, fromRouter);
    let path = ctx.path;
    let params: Record<string, string | undefined> = ctx.params ?? {};
    if (mount) {
      const found = mount.match(ctx.path);
      if (!found) return void (await next());
      path = found.rest;
      params = { ...params, ...found.params };
    } else if (!servesRoute(receiver, ctx.method, path)) {
      // Neither a path nor a router says which requests are ours: take only the provider's own
      // routes and methods, and let the app have the rest (GET /health, its other routes).
      return void (await next());
    }
    const response = await receiver.handle({
      method: ctx.method,
      path,
      originalUrl: ctx.originalUrl,
      headers: ctx.req.headers,
      params,
      readBody: (limit, timeoutMs) => readNodeBody(ctx.req, limit, ctx.request.rawBody, FIX, timeoutMs),
    });
    ctx.status = response.status;
    ctx.set(response.headers);
    ctx.body = response.body;
  };
}

// `@koa/router` sets ctx._matchedRoute to the route's pattern; its literal and `:param`
// segments are the mount point, and what follows (a wildcard) is the path below it.
function routerMount(pattern: unknown, cache: Map<string, MountPath>): MountPath | undefined {
  if (typeof pattern !== "string") return undefined;
  let mount = cache.get(pattern);
  if (!mount) {
    const segments: string[] = [];
    for (const segment of pattern.split("/")) {
      const special = segment.search(/[*({?]/);
      if (special === -1) {
        segments.push(segment);
        continue;
      }
      if (special > 0) segments.push(segment.slice(0, special));
      break;
    }
    mount = compileMountPath(segments.join("/") || "/");
    cache.set(pattern, mount);
  }
  return mount;
}

/**
 * Options of the Koa multi-provider {@link webhooks}.
 *
 * @example
 * ```ts
 * const options: KoaMultiWebhooksOptions<{ proven: ProvenProvider }> = { providers: { proven: proven({ apiKey }) }, path: "/events/:tenantId" };
 * ```
 */
export type KoaMultiWebhooksOptions<PS extends Record<string, ProviderEntry>> = MultiWebhooksOptions<PS> & KoaMountOptions;

/**
 * A Koa middleware that is also the multi-provider receiver.
 *
 * @example
 * ```ts
 * const hooks: KoaMultiWebhooks<{ proven: ProvenProvider }> = webhooks({ providers: { proven: proven({ apiKey }) }, path: "/events/:tenantId" });
 * new Koa().use(hooks);
 * ```
 */
export type KoaMultiWebhooks<PS extends Record<string, Provider>> = ((ctx: KoaLikeContext, next: () => Promise<unknown>) => Promise<void>) &
  MultiWebhooks<PS> & { readonly webhooks: MultiWebhooks<PS> };

/**
 * Creates a receiver as Koa 2/3 middleware: for several providers at once (`{ providers }`,
 * each served under `/<key>` below `path`), or for one (`{ provider }`).
 *
 * @example
 * ```ts
 * import Koa from "koa";
 * import { webhooks } from "@credhooks/koa";
 * import { proven } from "@credhooks/core/providers/proven";
 * import { lissi } from "@credhooks/core/providers/lissi";
 *
 * const hooks = webhooks({ providers: { proven: proven({ apiKey }), lissi: lissi({ apiKey }) }, path: "/events/:tenantId" });
 * hooks.on("credential.issued", async (event) => console.log(event.payload.provider, event.payload.recordId));
 * hooks.on("proven", "credentials:done", async (event) => console.log(event.payload.cred_ex_id));
 * new Koa().use(hooks); // POST /events/acme/proven, /events/acme/lissi/…
 * ```
 */
export function webhooks<PS extends Record<string, ProviderEntry>>(options: KoaMultiWebhooksOptions<PS>): KoaMultiWebhooks<ProvidersOf<PS>>;
export function webhooks<P extends Provider>(options: KoaWebhooksOptions<P>): KoaWebhooks<EventMapOf<P>>;
export function webhooks(options: KoaWebhooksOptions<Provider> | KoaMultiWebhooksOptions<Record<string, ProviderEntry>>): object {
  const { path, ...coreOptions } = options;
  const core = createWebhooks(coreOptions as WebhooksOptions<Provider>);
  return withWebhooks(createKoaMiddleware(core, path === undefined ? {} : { path }), core);
}
