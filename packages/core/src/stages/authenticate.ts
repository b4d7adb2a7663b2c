import { checkJsonMediaType, parseJsonBody } from "../decode-json-body.js";
import { WebhookError } from "../errors.js";
import type { DeliveryContext, Provider, RouteMatch, WebhookRequest } from "../types.js";
import { DEFAULT_BODY_TIMEOUT_MS, readBody } from "./read-body.js";
import { routeRequest } from "./route.js";

/**
 * How the first stages read a request: the body's deadline and the tenant's canonical form.
 * Resolved once per receiver.
 */
export interface ReadOptions {
  /** How long the whole body may take to arrive, in ms (default {@link DEFAULT_BODY_TIMEOUT_MS}). */
  readonly bodyTimeoutMs?: number | undefined;
  /**
   * Maps the tenant id taken from the path (decoded once) to the one credential resolvers,
   * dedupe keys, handlers and the failure sink see; `undefined` refuses the request (404
   * `UNKNOWN_ROUTE`) before its body is read.
   */
  readonly canonicalTenantId?: ((tenantId: string) => string | undefined) | undefined;
}

const DEFAULTS: ReadOptions = {};
const UNDECODED = Symbol("undecoded");

/**
 * A delivery whose JSON is decoded on first use. A provider whose credential is in a
 * header never touches `body` while authenticating, so a request with a wrong key is
 * refused before a byte of its body is parsed; the stage decodes it right after.
 */
class Delivery implements DeliveryContext {
  readonly request: WebhookRequest;
  readonly tenantId: string | undefined;
  readonly route: RouteMatch;
  readonly rawBody: Buffer;
  readonly receivedAt: number;
  #body: unknown = UNDECODED;
  constructor(request: WebhookRequest, tenantId: string | undefined, route: RouteMatch, rawBody: Buffer, receivedAt: number) {
    this.request = request;
    this.tenantId = tenantId;
    this.route = route;
    this.rawBody = rawBody;
    this.receivedAt = receivedAt;
  }
  get body(): unknown {
    if (this.#body === UNDECODED) this.#body = parseJsonBody(this.rawBody);
    return this.#body;
  }
}

/**
 * Stages 1–3 — route, read the body, authenticate. Throws a `WebhookError` (the status
 * follows from its code); what it returns is authenticated and decoded. Shared by the
 * receiver and standalone verification.
 *
 * Order: method and route (405, 404), the tenant's canonical form (404), the bytes (413,
 * 408), the media type (415, from headers only), the provider's credentials (401, 503),
 * and only then the JSON (400) — unless the provider reads the body to find its credential
 * (Truvera's token; it scans the body without building it, see `json-text.ts`).
 */
export async function authenticate(provider: Provider, request: WebhookRequest, maxBodyBytes: number, receivedAt: number, options: ReadOptions = DEFAULTS): Promise<DeliveryContext> {
  const route = routeRequest(provider, request);
  const tenantId = canonicalTenant(request.params?.["tenantId"], options.canonicalTenantId);
  const rawBody = await readBody(request, maxBodyBytes, options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS);
  checkJsonMediaType(request.headers, rawBody);
  const delivery = new Delivery(request, tenantId, route, rawBody, receivedAt);
  const authenticating = provider.authenticate(delivery);
  if (authenticating) await authenticating;
  // Authenticated: decode now, so what this stage returns is decoded (400 INVALID_JSON here).
  void delivery.body;
  return delivery;
}

function canonicalTenant(sent: string | undefined, canonical: ReadOptions["canonicalTenantId"]): string | undefined {
  if (sent === undefined || canonical === undefined) return sent;
  const tenantId = canonical(sent);
  if (typeof tenantId !== "string" || tenantId === "") {
    throw new WebhookError("UNKNOWN_ROUTE", `${JSON.stringify(sent.slice(0, 80))} is not a tenant this receiver serves.`);
  }
  return tenantId;
}
