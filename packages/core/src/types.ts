import type { z } from "zod";
import type { WebhookEvent } from "./event.js";
import type { NormalizedEventName, NormalizedPayload, Normalizer, NormalizesMap } from "./normalized-events.js";

export type { WebhookEvent } from "./event.js";

/**
 * A header value as Node reports it: names are lower case.
 *
 * @example
 * ```ts
 * const headers: Record<string, HeaderValue> = { "x-api-key": "dev-key", "set-cookie": ["a=1", "b=2"] };
 * ```
 */
export type HeaderValue = string | readonly string[] | undefined;

/**
 * A webhook delivery as plain data: what every adapter hands the core.
 *
 * @example
 * ```ts
 * const request: WebhookRequest = {
 *   method: "POST",
 *   path: "/",
 *   originalUrl: "/events/acme/proven",
 *   headers: { "content-type": "application/json", "x-api-key": "secret" },
 *   params: { tenantId: "acme" },
 *   body: Buffer.from('{"event":"connection:completed","webhook":{"connection_id":"c1"}}'),
 * };
 * ```
 */
export interface WebhookRequest {
  /** HTTP method, upper case. */
  method: string;
  /** The path below the mount point, starting with `/`, without the query string. */
  path: string;
  /** The request target as the sender addressed it (full path and query, before any router stripped a prefix). */
  originalUrl: string;
  /** Request headers with lower-case names. */
  headers: Readonly<Record<string, HeaderValue>>;
  /** Values captured by the mount pattern, e.g. `{ tenantId: "acme" }` from `/events/:tenantId`. */
  params?: Readonly<Record<string, string | undefined>>;
  /** The raw body bytes, when the adapter already has them. */
  body?: Buffer;
  /**
   * Reads the raw body bytes, at most `limit` of them, within `timeoutMs` (the receiver's
   * `bodyTimeoutMs`). The core calls it only after the method and route checks passed.
   * Rejects with a {@link WebhookError}: `PAYLOAD_TOO_LARGE` past the limit,
   * `REQUEST_TIMEOUT` when the body has not arrived in time (stop reading then: the
   * answer carries `Connection: close`).
   */
  readBody?: (limit: number, timeoutMs?: number) => Promise<Buffer>;
}

/**
 * The core's answer as plain data: what every adapter writes back.
 *
 * @example
 * ```ts
 * const res = await hooks.handle(request);
 * nodeResponse.writeHead(res.status, res.headers).end(res.body);
 * ```
 */
export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A map from canonical event name to the zod schema of its payload.
 *
 * @example
 * ```ts
 * const events = {
 *   "credential:issued": z.looseObject({ credential_id: z.string() }),
 * } satisfies EventSchemas;
 * ```
 */
export type EventSchemas = Record<string, z.ZodType>;

/**
 * What a provider's router found for a path.
 *
 * @example
 * ```ts
 * // Lissi names the event in the path: /connections/<id>/update
 * route: (path) => (path.startsWith("/connections/") ? { event: "connection:update", params: { id: path.split("/")[2]! } } : undefined),
 * ```
 */
export interface RouteMatch {
  /** The event named by the path itself (senders that encode the event in the URL); otherwise the body names it. */
  event?: string;
  /** Values read from the path, such as a record id. */
  params?: Readonly<Record<string, string>>;
  /** The methods this route accepts; defaults to the provider's `methods`. */
  methods?: readonly string[];
}

/**
 * Everything known about a delivery once its body is read and decoded.
 *
 * @example
 * ```ts
 * authenticate: (delivery: DeliveryContext) => verifyApiKeyHeader(delivery, options.apiKey),
 * ```
 */
export interface DeliveryContext {
  readonly request: WebhookRequest;
  /** The tenant from the mount path (`/events/:tenantId`), or undefined when mounted without one. */
  readonly tenantId: string | undefined;
  readonly route: RouteMatch;
  /** The bytes received, untouched. */
  readonly rawBody: Buffer;
  /**
   * The decoded JSON body, or `undefined` when the body was empty. Decoded on first read
   * (400 `INVALID_JSON` then): a provider whose credential is in a header should not read it
   * in `authenticate`, so a forged request costs no parse.
   */
  readonly body: unknown;
  /** Milliseconds since the epoch at which the delivery was received. */
  readonly receivedAt: number;
}

/**
 * What a provider reads from an authenticated delivery.
 *
 * @example
 * ```ts
 * identify: (delivery): IdentifiedEvent => {
 *   const body = delivery.body as { event: string; data: unknown };
 *   return { name: body.event, payload: body.data, raw: body, dedupeId: contentHash(delivery.rawBody) };
 * },
 * ```
 */
export interface IdentifiedEvent {
  /** The canonical event name (or the name as sent, when the provider does not know it). */
  name: string;
  /** The value the event's schema validates. */
  payload: unknown;
  /** The whole decoded body with the provider's secrets removed. */
  raw: unknown;
  /** A stable id for this event: the same on every redelivery, different for a new event. */
  dedupeId: string;
}

/**
 * A sender, described as data and small pure functions. Providers never decide HTTP
 * statuses themselves: they throw a {@link WebhookError} with a code and the core maps it.
 *
 * @example
 * ```ts
 * const hooks = createWebhooks({ provider: proven({ apiKey: "dev-key" }) });
 * ```
 */
export interface Provider<Events extends EventSchemas = EventSchemas, Normalizes extends NormalizesMap = NormalizesMap> {
  /** Short id, e.g. `"proven"`. */
  readonly id: string;
  /** Canonical event name → payload schema. */
  readonly events: Events;
  /** Whether the sender redelivers after a non-2xx answer. When false, failures are kept in the failure sink. */
  readonly retries: boolean;
  /** Methods the sender uses; defaults to `["POST"]`. */
  readonly methods?: readonly string[];
  /** Answer 202 after this many ms and let handlers finish in the background (senders with a short timeout). */
  readonly responseDeadlineMs?: number;
  /** Maps a path below the mount point to a route; `undefined` means 404. Defaults to accepting only `/`. */
  route?(path: string, method: string): RouteMatch | undefined;
  /** Throws a {@link WebhookError} unless the delivery is authentic. Runs before anything looks at the event. */
  authenticate(delivery: DeliveryContext): void | Promise<void>;
  /** Names the event and its payload; throws `INVALID_PAYLOAD` when the envelope is unusable. */
  identify(delivery: DeliveryContext): IdentifiedEvent;
  /** Removes secrets from a decoded body (used when `identify` cannot run). */
  redact?(body: unknown): unknown;
  /** Maps the provider's events to the cross-provider vocabulary (`credential.issued`, …). */
  normalize?: Normalizer;
  /**
   * Which normalized events each of the provider's events can produce (declared `as const`).
   * `on()` accepts exactly these normalized names, and `payload.source` is typed from it.
   * A provider with `normalize` but without `normalizes` may produce any normalized name.
   */
  readonly normalizes?: Normalizes;
}

/**
 * A payload type without its index signature. Payload schemas are open at run time
 * (fields a sender adds pass through), but the typed view shows only the documented
 * fields, so a misspelled field is a compile error; `event.raw` has everything.
 *
 * @example
 * ```ts
 * type Done = DocumentedFields<{ cred_ex_id: string; [key: string]: unknown }>; // { cred_ex_id: string }
 * ```
 */
export type DocumentedFields<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] }
    : T;

/**
 * The typed payload of one of a provider's own events: documented fields only.
 *
 * @example
 * ```ts
 * type Done = PayloadOf<ProvenProvider, "credentials:done">; // { cred_ex_id: string; … }
 * ```
 */
export type PayloadOf<P extends Provider, K extends keyof P["events"]> = DocumentedFields<z.output<P["events"][K]>>;

/** The `normalizes` declaration of a provider type (undeclared: any normalized name). */
type DeclaredOf<P> = P extends { readonly normalizes?: infer Declared } ? (unknown extends Declared ? NormalizesMap : NonNullable<Declared>) : NormalizesMap;

/**
 * The normalized event names a provider can emit (from its `normalizes` declaration):
 * the normalized names its receivers accept in `on()`.
 *
 * @example
 * ```ts
 * type LissiNormalized = NormalizedNamesOf<LissiProvider>; // "connection.established" | "credential.issued" | …, never "did.created"
 * ```
 */
export type NormalizedNamesOf<P extends Provider> = {
  [K in keyof DeclaredOf<P>]: DeclaredOf<P>[K] extends readonly (infer Names)[] ? Names : never;
}[keyof DeclaredOf<P>] &
  NormalizedEventName;

/**
 * The provider's own events that map to the normalized event `Name`, as typed events:
 * what `payload.source` of that normalized event can be. Distributes over a union of providers.
 *
 * @example
 * ```ts
 * type Sources = SourceEventOf<LissiProvider, "credential.issued">; // WebhookEvent<"credential:update", …>
 * ```
 */
export type SourceEventOf<P, Name extends NormalizedEventName> = P extends Provider
  ? {
      [K in keyof DeclaredOf<P> & keyof P["events"] & string]: DeclaredOf<P>[K] extends readonly (infer Names)[]
        ? Name extends Names
          ? WebhookEvent<K, PayloadOf<P, K>>
          : never
        : never;
    }[keyof DeclaredOf<P> & keyof P["events"] & string]
  : WebhookEvent<string, unknown>;

/**
 * What a handler of a normalized event receives. `Name` is the normalized name; the
 * optional `P` (a provider type, or a union of them) narrows `payload.source` to the
 * provider events that map to `Name`. Use it to type one handler shared by several receivers.
 *
 * @example
 * ```ts
 * const onIssued = async (event: NormalizedEvent<"credential.issued">) => save(event.payload.provider, event.payload.recordId);
 * crossmintHooks.on("credential.issued", onIssued);
 * lissiHooks.on("credential.issued", onIssued);
 *
 * const onLissiIssued = (event: NormalizedEvent<"credential.issued", LissiProvider>) => event.payload.source.payload.state; // typed
 * ```
 */
export type NormalizedEvent<Name extends NormalizedEventName = NormalizedEventName, P = unknown> = WebhookEvent<
  Name,
  NormalizedPayload<unknown extends P ? WebhookEvent<string, unknown> : SourceEventOf<P, Name>>
>;

/**
 * The event map of a provider: its canonical names → typed payloads, plus the normalized
 * events it declares it can emit (its `normalizes`), whose `source` is typed. A provider
 * type without a declaration adds no normalized names: declare `normalizes` to register
 * normalized handlers on it.
 *
 * @example
 * ```ts
 * type ProvenEvents = EventMapOf<ReturnType<typeof proven>>;
 * type Done = ProvenEvents["credentials:done"]; // the typed payload of that event
 * ```
 */
export type EventMapOf<P extends Provider> = {
  [K in keyof P["events"] & string]: PayloadOf<P, K>;
} & (string extends keyof DeclaredOf<P>
    ? unknown
    : {
        [N in NormalizedNamesOf<P>]: NormalizedPayload<SourceEventOf<P, N>>;
      });

/**
 * The union of typed events of an event map.
 *
 * @example
 * ```ts
 * function route(event: AnyEventOf<EventMapOf<ReturnType<typeof proven>>>) {
 *   if (event.name === "credentials:done") return event.payload.cred_ex_id; // narrowed by name
 * }
 * ```
 */
export type AnyEventOf<M> = { [K in keyof M & string]: WebhookEvent<K, M[K]> }[keyof M & string];
