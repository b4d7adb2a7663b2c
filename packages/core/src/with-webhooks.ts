import type { Webhooks } from "./create-webhooks.js";
import type { MultiWebhooks } from "./multi-webhooks.js";

/**
 * Gives a framework middleware the receiver's API, so `hooks` is both the middleware to
 * mount and the object to register handlers on (`hooks.on(...)` returns `hooks`). Works for
 * the single-provider and the multi-provider receiver alike.
 *
 * @example
 * ```ts
 * const hooks = withWebhooks(createExpressMiddleware(core), core);
 * app.use("/events/:tenantId", hooks.on("credentials:done", handler));
 * ```
 */
export function withWebhooks<F extends object, R extends Webhooks<never> | Webhooks<Record<string, unknown>> | MultiWebhooks<never> | MultiWebhooks>(middleware: F, core: R): F & R & { readonly webhooks: R } {
  const target = middleware as F & R & { webhooks: R };
  const source = core as unknown as Record<string, unknown>;
  const properties: PropertyDescriptorMap = {
    webhooks: { value: core, enumerable: true },
    failures: { value: source["failures"], enumerable: true },
  };
  for (const name of ["provider", "providers", "receivers"]) {
    if (name in source) properties[name] = { value: source[name], enumerable: true };
  }
  Object.defineProperties(target, properties);
  // Registration methods return the middleware itself, so calls chain on what gets mounted.
  const loose = target as unknown as Record<string, unknown>;
  for (const name of ["on", "off", "onAny", "onUnhandled", "onError"]) {
    const register = source[name] as (...args: unknown[]) => unknown;
    loose[name] = (...args: unknown[]) => {
      register.apply(core, args);
      return target;
    };
  }
  for (const name of ["handle", "replay", "replayAll", "recover", "close"]) {
    const method = source[name] as (...args: unknown[]) => unknown;
    loose[name] = (...args: unknown[]) => method.apply(core, args);
  }
  return target;
}
