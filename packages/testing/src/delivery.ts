import type { VerifiableRequest } from "@credhooks/core";

/**
 * The providers this package builds deliveries for.
 *
 * @example
 * ```ts
 * for (const provider of PROVIDER_IDS) console.log(provider, eventsOf(provider));
 * ```
 */
export const PROVIDER_IDS = ["proven", "lissi", "truvera", "crossmint", "sovrin", "acapy"] as const;

/**
 * One of {@link PROVIDER_IDS}.
 *
 * @example
 * ```ts
 * const provider: ProviderId = "crossmint";
 * ```
 */
export type ProviderId = (typeof PROVIDER_IDS)[number];

/**
 * A delivery exactly as the platform would send it, authenticated with test credentials.
 * `body` is the text to send (a string, so that supertest sends it byte for byte: it would
 * re-encode a Buffer as JSON), `path` the request target below the origin.
 *
 * Send it with supertest or fetch — it is a valid `RequestInit` itself:
 *
 * @example
 * ```ts
 * const d = deliveries.proven("credentials:done");
 * await request(app).post(d.path).set(d.headers).send(d.body);   // supertest
 * await fetch(new URL(d.path, "http://localhost:3000"), d);       // fetch
 * ```
 */
export interface TestDelivery {
  /** The provider that would send it. */
  readonly provider: ProviderId;
  /** The canonical event name it carries. */
  readonly event: string;
  /** The tenant of the default mount path (also passed to verifiers by {@link toVerifiableRequest}). */
  readonly tenantId: string;
  /** Where the receiver is mounted, e.g. `/events/acme/lissi`; `path` starts with it. */
  readonly mountPath: string;
  /** `POST` (Lissi may use `DELETE` for deletions). */
  readonly method: "POST" | "DELETE";
  /** The request target, e.g. `/events/acme/lissi/connections/<id>/update` or `/events/acme/acapy/topic/connections/`. */
  readonly path: string;
  /** Request headers, lower case: content type and the provider's credentials or signatures. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as sent; `""` when the provider sends none (Lissi's single deletions). */
  readonly body: string;
}

/**
 * Options every builder takes: where the delivery goes.
 *
 * @example
 * ```ts
 * deliveries.truvera("did_create", undefined, { tenantId: "globex" });          // → /events/globex/truvera
 * deliveries.truvera("did_create", undefined, { mountPath: "/hooks/truvera" }); // → /hooks/truvera
 * ```
 */
export interface DeliveryOptions {
  /** The tenant, used in the default mount path; default `"acme"`. */
  tenantId?: string;
  /** The path the receiver is mounted at, as the sender addresses it; default `/events/<tenantId>/<provider>`. */
  mountPath?: string;
}

/**
 * The tenant every builder (and `credhooks send`) uses unless told otherwise.
 *
 * @example
 * ```ts
 * deliveries.proven("credentials:done").path === `/events/${DEFAULT_TENANT}/proven`; // true
 * ```
 */
export const DEFAULT_TENANT = "acme";

/**
 * Resolves the tenant and mount path of a delivery (internal: not exported by the package).
 *
 * @example
 * ```ts
 * placeOf("lissi", { tenantId: "globex" }); // { tenantId: "globex", mountPath: "/events/globex/lissi" }
 * ```
 */
export function placeOf(provider: ProviderId, options: DeliveryOptions): { tenantId: string; mountPath: string } {
  const tenantId = options.tenantId ?? DEFAULT_TENANT;
  const mountPath = trimSlash(options.mountPath ?? `/events/${encodeURIComponent(tenantId)}/${provider}`);
  if (!mountPath.startsWith("/")) throw new TypeError(`mountPath must start with "/", got ${JSON.stringify(options.mountPath)}.`);
  return { tenantId, mountPath };
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/**
 * Throws a TypeError naming the valid events when `event` is not one of `known` (internal:
 * the typed builders check at run time too, for callers in JavaScript).
 *
 * @example
 * ```ts
 * assertEvent("proven", "credentials:don", PROVEN_SAMPLES); // TypeError: Unknown proven event "credentials:don". Valid events: …
 * ```
 */
export function assertEvent(provider: ProviderId, event: string, known: object): void {
  if (!Object.hasOwn(known, event)) {
    throw new TypeError(`Unknown ${provider} event ${JSON.stringify(event)}. Valid events: ${Object.keys(known).join(", ")}.`);
  }
}

/**
 * The delivery as `verifyWebhook` (and each provider's `verify`) takes it: the path below
 * the mount point, the full target as `url`, and the tenant. For serverless handlers and
 * queue consumers, which verify without a router.
 *
 * @example
 * ```ts
 * const d = deliveries.lissi("connections:delete", { ids: ["c1"] });
 * const result = await verifyWebhook(lissi({ apiKey: DEV_CREDENTIALS.LISSI_API_KEY }), toVerifiableRequest(d));
 * if (result.ok) result.event.name; // "connections:delete"
 * ```
 */
export function toVerifiableRequest(delivery: TestDelivery): VerifiableRequest & { method: string; path: string; url: string; body: string; tenantId: string } {
  // Mounted at the root, the whole path is below the mount point.
  const below = delivery.mountPath === "/" ? delivery.path : delivery.path.slice(delivery.mountPath.length);
  return {
    method: delivery.method,
    path: below === "" ? "/" : below,
    url: delivery.path,
    headers: delivery.headers,
    body: delivery.body,
    tenantId: delivery.tenantId,
  };
}

/**
 * Sends a delivery with fetch to a receiver at `origin` (scheme, host and port; the path
 * is the delivery's). Resolves with the response, whatever its status.
 *
 * @example
 * ```ts
 * const res = await sendDelivery(deliveries.crossmint("credential.creation.failed"), "http://localhost:3000");
 * console.log(res.status, await res.text());
 * ```
 */
export function sendDelivery(delivery: TestDelivery, origin: string | URL, init: { signal?: AbortSignal } = {}): Promise<Response> {
  return fetch(new URL(delivery.path, origin), {
    method: delivery.method,
    headers: delivery.headers,
    // A bodyless delivery (Lissi's single deletions) sends no body at all.
    body: delivery.body === "" ? null : delivery.body,
    ...(init.signal ? { signal: init.signal } : {}),
  });
}
