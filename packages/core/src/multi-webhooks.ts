import type { CloseOptions, CloseResult, Handler, HandlerOptions, RecoverySummary, ReplayOutcome, Webhooks, WebhooksOptions } from "./create-webhooks.js";
import type { DedupeStore } from "./dedupe-store.js";
import { WebhookError } from "./errors.js";
import type { WebhookEvent } from "./event.js";
import { MemoryFailureSink, type FailureSink } from "./failure-sink.js";
import { silentLogger } from "./logger.js";
import { LruDedupeStore } from "./lru-dedupe-store.js";
import type { NormalizedEventName, NormalizedPayload } from "./normalized-events.js";
import { NORMALIZED_EVENT_NAMES } from "./normalized-events.js";
import { describe, errorResponse } from "./stages/responses.js";
import { isProviderRoute } from "./stages/route.js";
import { createTelemetry } from "./telemetry.js";
import type { AnyEventOf, EventMapOf, NormalizedNamesOf, Provider, SourceEventOf, WebhookRequest, WebhookResponse } from "./types.js";

/**
 * One provider of a multi-provider receiver with settings of its own. The settings that
 * make sense per sender are here; everything else (store, failure sink, logger, metrics,
 * leases, recovery) is shared by all providers.
 *
 * @example
 * ```ts
 * webhooks({ providers: { proven: proven({ apiKey }), sovrin: { provider: sovrin({ jwks }), responseDeadlineMs: 1_500 } } });
 * ```
 */
export interface ProviderMount<P extends Provider = Provider> {
  readonly provider: P;
  /** Largest body accepted from this sender, in bytes (default: the receiver's `maxBodyBytes`). */
  readonly maxBodyBytes?: number;
  /** How long this sender's body may take to arrive, in ms (default: the receiver's `bodyTimeoutMs`). */
  readonly bodyTimeoutMs?: number;
  /** This sender's response deadline (default: the provider's own, or the receiver's `responseDeadlineMs`). */
  readonly responseDeadlineMs?: number | false;
  /** When to answer this sender (default: the receiver's `acknowledge`). */
  readonly acknowledge?: "after-handlers" | "when-stored";
}

/**
 * What `providers` maps each key to: a provider, or a provider with settings of its own.
 *
 * @example
 * ```ts
 * const entries: Record<string, ProviderEntry> = { proven: proven({ apiKey }), lissi: { provider: lissi({ apiKey }), maxBodyBytes: 64 * 1024 } };
 * ```
 */
export type ProviderEntry = Provider | ProviderMount;

/**
 * The provider of one `providers` entry.
 *
 * @example
 * ```ts
 * type P = ProviderOfEntry<{ provider: ProvenProvider; maxBodyBytes: 1024 }>; // ProvenProvider
 * ```
 */
export type ProviderOfEntry<E> = E extends ProviderMount<infer P> ? P : E extends Provider ? E : never;

/**
 * Each key of `providers` with its provider type.
 *
 * @example
 * ```ts
 * type Served = ProvidersOf<{ proven: ProvenProvider; lissi: { provider: LissiProvider } }>; // { proven: ProvenProvider; lissi: LissiProvider }
 * ```
 */
export type ProvidersOf<PS> = { [K in keyof PS]: ProviderOfEntry<PS[K]> };

/** Normalized names a provider type declares (none when it declares nothing, as in `EventMapOf`). */
type DeclaredNormalizedNames<P> = P extends Provider ? (P extends { readonly normalizes?: infer D } ? (unknown extends D ? never : NormalizedNamesOf<P>) : never) : never;

/**
 * The normalized events a multi-provider receiver accepts in `on(name, handler)`: every
 * normalized name any of its providers declares, each with the union of the provider
 * events it can come from as `payload.source`.
 *
 * @example
 * ```ts
 * type M = NormalizedEventMapOf<{ proven: ProvenProvider; lissi: LissiProvider }>;
 * type Issued = M["credential.issued"]; // NormalizedPayload<proven's or lissi's source event>
 * ```
 */
export type NormalizedEventMapOf<PS> = {
  [N in { [K in keyof PS]: DeclaredNormalizedNames<PS[K]> }[keyof PS] & NormalizedEventName]: NormalizedPayload<{ [K in keyof PS]: N extends DeclaredNormalizedNames<PS[K]> ? SourceEventOf<PS[K], N> : never }[keyof PS]>;
};

/**
 * Options of the multi-provider receiver: every option of the single-provider form except
 * `provider` and `key`, shared by all providers, plus `providers`.
 *
 * @example
 * ```ts
 * const options: MultiWebhooksOptions<{ proven: ProvenProvider }> = { providers: { proven: proven({ apiKey }) }, store };
 * ```
 */
export interface MultiWebhooksOptions<PS extends Record<string, ProviderEntry>> extends Omit<WebhooksOptions<Provider>, "provider" | "key"> {
  /**
   * The providers served, by key: each is served under `/<key>` below the mount point, and
   * its events are kept under that key in the store (so two providers, or two instances of
   * one provider under two keys, never collide). Keys are letters, digits, `-` and `_`.
   */
  providers: PS;
}

/**
 * A receiver for several providers at once, mounted once (`app.use("/events/:tenantId",
 * hooks)`): each provider is served under `/<key>` below the mount point. Normalized
 * handlers (`on("credential.issued", …)`) serve every provider that emits the event; a
 * provider's own events are registered with its key (`on("proven", "credentials:done", …)`).
 *
 * @example
 * ```ts
 * const hooks = createWebhooks({ providers: { proven: proven({ apiKey }), lissi: lissi({ apiKey }) } });
 * hooks.on("credential.issued", (event) => save(event.payload.provider, event.payload.recordId));
 * hooks.on("proven", "credentials:done", (event) => console.log(event.payload.cred_ex_id));
 * ```
 */
export interface MultiWebhooks<PS extends Record<string, Provider> = Record<string, Provider>> {
  /** The providers served, by key. */
  readonly providers: { readonly [K in keyof PS]: PS[K] };
  /** The single-provider receiver behind each key (what `on(key, …)` registers on). */
  readonly receivers: { readonly [K in keyof PS]: Webhooks<EventMapOf<PS[K]>> };
  /** The failure sink all providers share. */
  readonly failures: FailureSink;
  /** Registers a handler of normalized events on every provider that emits them. */
  on<N extends keyof NormalizedEventMapOf<PS> & string>(name: N | readonly N[], handler: Handler<AnyEventOf<Pick<NormalizedEventMapOf<PS>, NoInfer<N>>>>, options?: HandlerOptions): this;
  /** Registers a handler of one provider's events (its own names, or the normalized names it emits), by its key. */
  on<K extends keyof PS & string, N extends keyof EventMapOf<PS[K]> & string>(key: K, name: N | readonly N[], handler: Handler<AnyEventOf<Pick<EventMapOf<PS[K]>, NoInfer<N>>>>, options?: HandlerOptions): this;
  /** Removes a handler registered with the same arguments. */
  off<N extends keyof NormalizedEventMapOf<PS> & string>(name: N | readonly N[], handler: Handler<AnyEventOf<Pick<NormalizedEventMapOf<PS>, NoInfer<N>>>>): this;
  off<K extends keyof PS & string, N extends keyof EventMapOf<PS[K]> & string>(key: K, name: N | readonly N[], handler: Handler<AnyEventOf<Pick<EventMapOf<PS[K]>, NoInfer<N>>>>): this;
  /** Registers a handler for every authenticated event of every provider (`event.provider` tells which). */
  onAny(handler: Handler<WebhookEvent<string, unknown>>, options?: HandlerOptions): this;
  /** Registers a handler for event names a provider does not know, on every provider. */
  onUnhandled(handler: Handler<WebhookEvent<string, unknown>>, options?: HandlerOptions): this;
  /** Receives the AggregateError of failed handlers of any provider, with the event. */
  onError(handler: (error: AggregateError, event: WebhookEvent<string, unknown>) => unknown): this;
  /** Handles one delivery: the first path segment below the mount point picks the provider. Never rejects. */
  handle(request: WebhookRequest): Promise<WebhookResponse>;
  /** Replays a failure-sink entry with the handlers of the provider it was kept under. */
  replay(key: string): Promise<ReplayOutcome>;
  /** Replays every entry of the shared failure sink, provider by provider. */
  replayAll(): Promise<ReplayOutcome[]>;
  /** Recovers due inbox events of every provider; the counts are summed. */
  recover(): Promise<RecoverySummary>;
  /** Closes every provider's receiver (see {@link Webhooks.close}); the counts are summed. */
  close(options?: CloseOptions): Promise<CloseResult>;
}

/**
 * Whether `options` is the multi-provider form (`{ providers }`).
 *
 * @example
 * ```ts
 * isMultiOptions({ providers: { proven: proven({ apiKey }) } }); // true
 * ```
 */
export function isMultiOptions(options: object): options is MultiWebhooksOptions<Record<string, ProviderEntry>> {
  return "providers" in options && !("provider" in options);
}

/**
 * Whether a receiver is the multi-provider form.
 *
 * @example
 * ```ts
 * if (isMultiWebhooks(hooks)) console.log(Object.keys(hooks.providers));
 * ```
 */
export function isMultiWebhooks(receiver: object): receiver is MultiWebhooks {
  return "providers" in receiver && "receivers" in receiver;
}

/**
 * Splits a path below the mount point into the provider key (its first segment) and the
 * rest, which that provider routes (`/lissi/connections/1/update` → `lissi`, `/connections/1/update`).
 */
function splitKey(path: string): { key: string; rest: string } {
  const start = path.startsWith("/") ? 1 : 0;
  const end = path.indexOf("/", start);
  if (end === -1) return { key: path.slice(start), rest: "/" };
  return { key: path.slice(start, end), rest: path.slice(end) };
}

/**
 * Whether a request (method and path below the mount point) is one a multi-provider or
 * single-provider receiver serves, without throwing: what an adapter mounted without a path
 * asks before it takes a request, so every other request passes to the app.
 *
 * @example
 * ```ts
 * if (!servesRoute(hooks, ctx.method, ctx.path)) return next();
 * ```
 */
export function servesRoute(receiver: ReceiverLike, method: string, path: string): boolean {
  if (receiver.providers === undefined) return receiver.provider !== undefined && isProviderRoute(receiver.provider, method, path);
  const { key, rest } = splitKey(path);
  const provider = Object.hasOwn(receiver.providers, key) ? receiver.providers[key] : undefined;
  return provider !== undefined && isProviderRoute(provider, method, rest);
}

/**
 * What an adapter needs of a receiver, single-provider or multi-provider: `handle`, and the
 * provider(s) it serves.
 *
 * @example
 * ```ts
 * function mount(receiver: ReceiverLike) {
 *   return (request: WebhookRequest) => receiver.handle(request);
 * }
 * ```
 */
export interface ReceiverLike {
  handle(request: WebhookRequest): Promise<WebhookResponse>;
  /** The provider of a single-provider receiver. */
  readonly provider?: Provider;
  /** The providers of a multi-provider receiver, by key. */
  readonly providers?: Readonly<Record<string, Provider>>;
}

const NORMALIZED = new Set<string>(NORMALIZED_EVENT_NAMES);
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Checks a receiver key: it becomes a path segment (multi-provider form) and the first part
 * of every dedupe key, so it must be short and plain, with no `:` or `/`.
 *
 * @example
 * ```ts
 * checkKey("proven-eu", "key"); // "proven-eu"
 * checkKey("a/b", "key"); // throws a TypeError saying what a key may contain
 * ```
 */
export function checkKey(key: string, what: string): string {
  if (typeof key !== "string" || !KEY_PATTERN.test(key)) {
    throw new TypeError(`credhooks: ${what} ${JSON.stringify(key)} is not usable: use 1 to 64 letters, digits, "-" or "_" (it names a path segment and the first part of every dedupe key).`);
  }
  return key;
}

/**
 * Creates a multi-provider receiver: one single-provider receiver per key, sharing one
 * store, failure sink, logger and metrics, behind one router on the first path segment.
 * `createWebhooks({ providers })` calls it with the single-provider factory.
 *
 * @example
 * ```ts
 * const hooks = createWebhooks({ providers: { proven: proven({ apiKey }), lissi: lissi({ apiKey }) } });
 * ```
 */
export function createMultiWebhooks<PS extends Record<string, ProviderEntry>>(
  options: MultiWebhooksOptions<PS>,
  createReceiver: (options: WebhooksOptions<Provider>) => Webhooks<never> | Webhooks<Record<string, unknown>>,
): MultiWebhooks<ProvidersOf<PS>> {
  const { providers: entries, ...shared } = options;
  const keys = Object.keys(entries ?? {});
  if (keys.length === 0) throw new TypeError("credhooks: providers is empty: give at least one provider, e.g. { providers: { proven: proven({ apiKey }) } }.");
  // One store and one failure sink for every provider: keys keep their events apart.
  const store: DedupeStore = shared.store ?? new LruDedupeStore();
  const failures: FailureSink = shared.failures ?? new MemoryFailureSink();
  const logger = shared.logger ?? silentLogger;
  const providers: Record<string, Provider> = {};
  const receivers: Record<string, Webhooks> = {};
  for (const key of keys) {
    checkKey(key, "providers key");
    const entry = entries[key] as ProviderEntry;
    const mount = isMount(entry) ? entry : undefined;
    const provider = mount ? mount.provider : (entry as Provider);
    if (!provider || typeof provider.authenticate !== "function" || typeof provider.identify !== "function") {
      throw new TypeError(`credhooks: providers.${key} is not a provider: give a provider such as proven({ apiKey }), or { provider, maxBodyBytes, … }.`);
    }
    providers[key] = provider;
    const own: Partial<WebhooksOptions<Provider>> = {};
    if (mount?.maxBodyBytes !== undefined) own.maxBodyBytes = mount.maxBodyBytes;
    if (mount?.bodyTimeoutMs !== undefined) own.bodyTimeoutMs = mount.bodyTimeoutMs;
    if (mount?.responseDeadlineMs !== undefined) own.responseDeadlineMs = mount.responseDeadlineMs;
    if (mount?.acknowledge !== undefined) own.acknowledge = mount.acknowledge;
    receivers[key] = createReceiver({ ...shared, ...own, store, failures, logger, provider, key }) as unknown as Webhooks;
  }
  const list = keys.map((key) => receivers[key]!);
  const served = keys.map((key) => `/${key}`).join(", ");
  // Deliveries to no served key: counted and traced under the provider "(unknown)", never the requested text.
  const unrouted = createTelemetry(shared.telemetry, "(unknown)");

  function receiverOf(key: string): Webhooks {
    if (!Object.hasOwn(receivers, key)) {
      throw new TypeError(`credhooks: no provider is served under the key ${JSON.stringify(key)}; keys: ${keys.join(", ")}.`);
    }
    return receivers[key]!;
  }

  /** The receivers a normalized name reaches: those whose provider can emit it. */
  function emitting(names: string | readonly string[], method: "on" | "off"): Webhooks[] {
    const wanted = typeof names === "string" ? [names] : names;
    for (const name of wanted) {
      if (typeof name !== "string" || !NORMALIZED.has(name)) {
        throw new TypeError(
          `credhooks: hooks.${method}(${JSON.stringify(name)}): a name alone must be a normalized event (${NORMALIZED_EVENT_NAMES.join(", ")}). ` +
            `For one provider's own events, give its key first: hooks.${method}(${JSON.stringify(keys[0])}, "<event>", handler).`,
        );
      }
    }
    const reached = keys.filter((key) => wanted.every((name) => emits(providers[key]!, name)));
    if (reached.length === 0) {
      throw new TypeError(`credhooks: hooks.${method}(${JSON.stringify(names)}): none of the providers served (${keys.join(", ")}) emits ${wanted.join(" and ")}.`);
    }
    return reached.map((key) => receivers[key]!);
  }

  const hooks = {
    providers,
    receivers,
    failures,
    on(...args: unknown[]) {
      if (typeof args[0] === "string" && args.length >= 3 && typeof args[2] === "function") {
        const [key, names, handler, opts] = args as [string, string | string[], Handler<never>, HandlerOptions | undefined];
        receiverOf(key).on(names as never, handler as never, opts);
      } else {
        const [names, handler, opts] = args as [string | string[], Handler<never>, HandlerOptions | undefined];
        for (const receiver of emitting(names, "on")) receiver.on(names as never, handler as never, opts);
      }
      return this;
    },
    off(...args: unknown[]) {
      if (typeof args[0] === "string" && args.length >= 3 && typeof args[2] === "function") {
        const [key, names, handler] = args as [string, string | string[], Handler<never>];
        receiverOf(key).off(names as never, handler as never);
      } else {
        const [names, handler] = args as [string | string[], Handler<never>];
        for (const receiver of emitting(names, "off")) receiver.off(names as never, handler as never);
      }
      return this;
    },
    onAny(handler: Handler<WebhookEvent<string, unknown>>, opts?: HandlerOptions) {
      for (const receiver of list) receiver.onAny(handler, opts);
      return this;
    },
    onUnhandled(handler: Handler<WebhookEvent<string, unknown>>, opts?: HandlerOptions) {
      for (const receiver of list) receiver.onUnhandled(handler, opts);
      return this;
    },
    onError(handler: (error: AggregateError, event: WebhookEvent<string, unknown>) => unknown) {
      for (const receiver of list) receiver.onError(handler);
      return this;
    },
    handle(request: WebhookRequest): Promise<WebhookResponse> {
      const { key, rest } = splitKey(request.path === "" ? "/" : request.path);
      const receiver = Object.hasOwn(receivers, key) ? receivers[key] : undefined;
      if (receiver) return receiver.handle({ ...request, path: rest });
      const trace = unrouted?.start(request);
      const error = new WebhookError("UNKNOWN_ROUTE", `No provider is served under ${JSON.stringify("/" + key.slice(0, 64))} below the mount point; served: ${served}.`);
      trace?.reject(error);
      const tenantId = request.params?.["tenantId"];
      logger.warn({ tenantId, code: error.code, status: error.status }, "credhooks: delivery rejected");
      try {
        // The requested key is the sender's text: never a metric label.
        shared.metrics?.({ type: "delivery.rejected", provider: "(unknown)", tenantId, code: error.code, status: error.status });
      } catch (thrown) {
        logger.warn({ err: describe(thrown) }, "credhooks: the metrics listener threw");
      }
      return Promise.resolve(errorResponse(error));
    },
    async replay(key: string): Promise<ReplayOutcome> {
      const owner = keys.find((candidate) => key.startsWith(`${candidate}:`));
      return owner === undefined ? { key, status: "not-found" } : receivers[owner]!.replay(key);
    },
    async replayAll(): Promise<ReplayOutcome[]> {
      const outcomes: ReplayOutcome[] = [];
      for (const receiver of list) outcomes.push(...(await receiver.replayAll()));
      return outcomes;
    },
    async recover(): Promise<RecoverySummary> {
      const summaries = await Promise.all(list.map((receiver) => receiver.recover()));
      return summaries.reduce((sum, s) => ({ claimed: sum.claimed + s.claimed, recovered: sum.recovered + s.recovered, failed: sum.failed + s.failed, deadLettered: sum.deadLettered + s.deadLettered }), {
        claimed: 0,
        recovered: 0,
        failed: 0,
        deadLettered: 0,
      });
    },
    async close(closeOptions?: CloseOptions): Promise<CloseResult> {
      const results = await Promise.all(list.map((receiver) => receiver.close(closeOptions)));
      return results.reduce((sum, r) => ({ settled: sum.settled + r.settled, unfinished: sum.unfinished + r.unfinished }), { settled: 0, unfinished: 0 });
    },
  };
  return hooks as unknown as MultiWebhooks<ProvidersOf<PS>>;
}

function isMount(entry: ProviderEntry): entry is ProviderMount {
  return typeof entry === "object" && entry !== null && "provider" in entry && typeof (entry as { authenticate?: unknown }).authenticate !== "function";
}

/** Whether a provider can emit a normalized event: its declaration, or any name when it normalizes without one. */
function emits(provider: Provider, name: string): boolean {
  if (provider.normalizes) return Object.values(provider.normalizes).some((names) => (names as readonly string[]).includes(name));
  return provider.normalize !== undefined;
}
