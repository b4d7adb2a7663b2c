import type { z } from "zod";
import { decodeJsonBody } from "./decode-json-body.js";
import { WebhookError } from "./errors.js";
import type { DeliveryContext, IdentifiedEvent, Provider, RouteMatch, WebhookEvent, WebhookRequest } from "./types.js";

const EMPTY = Buffer.alloc(0);

/**
 * The first half of the pipeline, shared by the receiver and standalone verification:
 * method → route → body (size) → content type and JSON → authentication. Throws a
 * {@link WebhookError}; what it returns is authenticated.
 *
 * @example
 * ```ts
 * const delivery = await authenticateDelivery(proven({ apiKey }), request, 1024 * 1024);
 * ```
 */
export async function authenticateDelivery(provider: Provider, request: WebhookRequest, maxBodyBytes: number, receivedAt = Date.now()): Promise<DeliveryContext> {
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
  const rawBody = request.body ?? (request.readBody ? await request.readBody(maxBodyBytes) : EMPTY);
  if (rawBody.length > maxBodyBytes) {
    throw new WebhookError("PAYLOAD_TOO_LARGE", `The body is larger than ${maxBodyBytes} bytes.`);
  }
  const body = decodeJsonBody(request.headers, rawBody);
  const delivery: DeliveryContext = { request, tenantId: request.params?.["tenantId"], route, rawBody, body, receivedAt };
  await provider.authenticate(delivery);
  return delivery;
}

/**
 * Validates an identified event against its schema and builds the event handlers get.
 * Event names the provider does not know are passed through unvalidated (`known: false`).
 *
 * @example
 * ```ts
 * const parsed = parseEvent(provider, provider.identify(delivery), delivery.tenantId, Date.now());
 * if (parsed instanceof WebhookError) throw parsed;
 * ```
 */
export function parseEvent(provider: Provider, identified: IdentifiedEvent, tenantId: string | undefined, receivedAt: number): { event: WebhookEvent<string, unknown>; known: boolean } | WebhookError {
  const schemas = provider.events as Record<string, z.ZodType>;
  const schema = Object.hasOwn(schemas, identified.name) ? schemas[identified.name] : undefined;
  let payload: unknown = identified.payload;
  if (schema) {
    const parsed = schema.safeParse(identified.payload);
    if (!parsed.success) return new WebhookError("INVALID_PAYLOAD", describeIssues(identified.name, parsed.error));
    payload = parsed.data;
  }
  const event: WebhookEvent<string, unknown> = {
    provider: provider.id,
    tenantId,
    name: identified.name,
    payload,
    raw: identified.raw,
    id: identified.dedupeId,
    receivedAt: new Date(receivedAt),
  };
  return { event, known: schema !== undefined };
}

const DEFAULT_METHODS: readonly string[] = ["POST"];
const ROOT_ROUTE: RouteMatch = Object.freeze({});

function describeIssues(name: string, error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => `${issue.path.length ? issue.path.map(String).join(".") : "(root)"}: ${issue.message}`);
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : "";
  return `The payload of "${name}" does not match its schema: ${shown.join("; ")}${more}.`;
}
