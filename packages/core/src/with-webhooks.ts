import type { Webhooks } from "./create-webhooks.js";

/**
 * Gives a framework middleware the receiver's API, so `hooks` is both the middleware to
 * mount and the object to register handlers on (`hooks.on(...)` returns `hooks`).
 *
 * @example
 * ```ts
 * const hooks = withWebhooks(createExpressMiddleware(core), core);
 * app.use("/events/:tenantId", hooks.on("credentials:done", handler));
 * ```
 */
export function withWebhooks<F extends object, M extends Record<string, unknown>>(middleware: F, core: Webhooks<M>): F & Webhooks<M> & { readonly webhooks: Webhooks<M> } {
  const target = middleware as F & Webhooks<M> & { webhooks: Webhooks<M> };
  Object.defineProperties(target, {
    webhooks: { value: core, enumerable: true },
    provider: { value: core.provider, enumerable: true },
    failures: { value: core.failures, enumerable: true },
  });
  // Registration methods return the middleware itself, so calls chain on what gets mounted.
  const chain = (register: (...args: never[]) => unknown) => (...args: never[]) => {
    register.apply(core, args);
    return target;
  };
  const loose = target as unknown as Record<string, unknown>;
  loose["on"] = chain(core.on as (...args: never[]) => unknown);
  loose["off"] = chain(core.off as (...args: never[]) => unknown);
  loose["onAny"] = chain(core.onAny as (...args: never[]) => unknown);
  loose["onUnhandled"] = chain(core.onUnhandled as (...args: never[]) => unknown);
  loose["onError"] = chain(core.onError as (...args: never[]) => unknown);
  target.handle = (request) => core.handle(request);
  target.replay = (key) => core.replay(key);
  target.replayAll = () => core.replayAll();
  target.recover = () => core.recover();
  target.close = (options) => core.close(options);
  return target;
}
