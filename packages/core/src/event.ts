// The event handlers receive. Its own module so that `types.ts` and `normalized-events.ts`
// can both use it without importing each other.

/**
 * What a handler receives.
 *
 * @example
 * ```ts
 * hooks.on("credentials:done", async (event) => {
 *   console.log(event.tenantId, event.payload.cred_ex_id, event.id);
 * });
 * ```
 */
export interface WebhookEvent<Name extends string = string, Payload = unknown> {
  /** The provider id, e.g. `"proven"`. */
  readonly provider: string;
  /** The tenant from `/events/:tenantId`, or undefined. */
  readonly tenantId: string | undefined;
  /** The canonical event name. */
  readonly name: Name;
  /** The payload, parsed by the event's zod schema. */
  readonly payload: Payload;
  /** The whole decoded body, untyped, with provider secrets removed. */
  readonly raw: unknown;
  /** The dedupe id: stable across redeliveries of the same event. */
  readonly id: string;
  /** When credhooks received the delivery. */
  readonly receivedAt: Date;
  /**
   * Aborted when the handler should stop: the receiver is closing (`close()`), or the
   * event's in-flight lease was lost (another instance may run it now). Pass it to `fetch`,
   * database drivers and timers; work done after it fires may run again elsewhere.
   */
  readonly signal: AbortSignal;
  /**
   * The store's open transaction, for handlers registered with `{ transactional: true }`
   * (e.g. a `pg` client inside `BEGIN … COMMIT` with `@credhooks/postgres`): write through it
   * and your writes commit together with the handler's success record. Absent otherwise.
   */
  readonly transaction?: unknown;
}
