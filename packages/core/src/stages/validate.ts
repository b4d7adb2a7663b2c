import type { z } from "zod";
import { WebhookError } from "../errors.js";
import type { WebhookEvent } from "../event.js";
import type { DeliveryTrace } from "../telemetry.js";
import type { IdentifiedEvent, Provider } from "../types.js";
import { LazyAbort, type PreparedEvent, type ReceiverContext } from "./context.js";

const NEVER_ABORTED = new AbortController().signal;

/**
 * Stage 5 — validate: the event's zod schema over the identified payload (400
 * `INVALID_PAYLOAD` with the failing paths), and the event handlers receive. Names the
 * provider does not know pass through unvalidated (`known: false`).
 *
 * @example
 * ```ts
 * const parsed = parseEvent(provider, provider.identify(delivery), delivery.tenantId, Date.now());
 * if (parsed instanceof WebhookError) throw parsed;
 * ```
 */
export function parseEvent(
  provider: Provider,
  identified: IdentifiedEvent,
  tenantId: string | undefined,
  receivedAt: number,
  abort?: LazyAbort,
): { event: WebhookEvent<string, unknown>; known: boolean } | WebhookError {
  const schemas = provider.events as Record<string, z.ZodType>;
  const schema = Object.hasOwn(schemas, identified.name) ? schemas[identified.name] : undefined;
  let payload: unknown = identified.payload;
  if (schema) {
    const parsed = schema.safeParse(identified.payload);
    if (!parsed.success) return new WebhookError("INVALID_PAYLOAD", describeIssues(identified.name, parsed.error));
    payload = parsed.data;
  }
  const event = new ReceivedEvent(provider.id, tenantId, identified.name, payload, identified.raw, identified.dedupeId, new Date(receivedAt), abort);
  return { event, known: schema !== undefined };
}

/**
 * The event handlers receive. A class so that `signal` can be a getter on its prototype: an
 * AbortController costs microseconds and most handlers never read it, and a getter written
 * in an object literal would cost a new function and hidden class per event. (`{ ...event }`
 * copies the data fields but not `signal`: pass `event.signal` on explicitly.)
 */
class ReceivedEvent implements WebhookEvent<string, unknown> {
  readonly #abort: LazyAbort | undefined;
  constructor(
    readonly provider: string,
    readonly tenantId: string | undefined,
    readonly name: string,
    readonly payload: unknown,
    readonly raw: unknown,
    readonly id: string,
    readonly receivedAt: Date,
    abort: LazyAbort | undefined,
  ) {
    this.#abort = abort;
  }
  get signal(): AbortSignal {
    return this.#abort ? this.#abort.signal : NEVER_ABORTED;
  }
}

/** Validates an identified event and gives it its dedupe key: what the claim stage takes. */
export function prepare(ctx: ReceiverContext, identified: IdentifiedEvent, tenantId: string | undefined, receivedAt: number, trace?: DeliveryTrace): PreparedEvent | WebhookError {
  const abort = new LazyAbort();
  const parsed = parseEvent(ctx.provider, identified, tenantId, receivedAt, abort);
  if (parsed instanceof WebhookError) return parsed;
  return { key: ctx.keyOf(tenantId, identified.dedupeId), event: parsed.event, known: parsed.known, input: identified.payload, abort, trace };
}

function describeIssues(name: string, error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => `${issue.path.length ? issue.path.map(String).join(".") : "(root)"}: ${issue.message}`);
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : "";
  return `The payload of "${name}" does not match its schema: ${shown.join("; ")}${more}.`;
}
