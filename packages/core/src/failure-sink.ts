/**
 * Why a delivery was kept in the failure sink.
 *
 * @example
 * ```ts
 * const schemaFailures = (await hooks.failures.list()).filter((failed) => failed.reason === "invalid-payload");
 * ```
 */
export type FailureReason =
  /** Handlers failed and the sender will not redeliver (e.g. Lissi). */
  | "handler-failed"
  /** Handlers failed after credhooks had already answered (response deadline). */
  | "failed-after-response"
  /** The authenticated body did not match the event's schema. */
  | "invalid-payload"
  /** An event name the provider does not know, from a sender that will not redeliver. */
  | "unhandled"
  /** The dedupe store was unreachable and the sender will not redeliver. */
  | "store-unavailable";

/**
 * One authenticated delivery that was not handled to success, kept whole so it can be
 * inspected and replayed. One entry per event: a redelivery updates `attempts`.
 *
 * @example
 * ```ts
 * for (const failed of await hooks.failures.list()) {
 *   console.log(failed.key, failed.name, failed.reason, failed.attempts, failed.error);
 *   if (failed.reason === "handler-failed") await hooks.replay(failed.key);
 * }
 * ```
 */
export interface FailedDelivery {
  /** The dedupe key: provider, tenant and dedupe id. */
  readonly key: string;
  readonly provider: string;
  readonly tenantId: string | undefined;
  /** The event name, when the envelope named one. */
  readonly name: string | undefined;
  readonly dedupeId: string;
  /** The value the schema validates (the typed payload's input). */
  readonly payload: unknown;
  /** The whole decoded body, secrets of the provider removed. */
  readonly raw: unknown;
  readonly reason: FailureReason;
  /** What went wrong, for an operator. Handler error messages are the user's own. */
  readonly error: string;
  readonly attempts: number;
  readonly firstFailedAt: string;
  readonly lastFailedAt: string;
}

/**
 * Where deliveries that would otherwise be lost are kept (dead letters). Methods may be
 * sync or async.
 *
 * @example
 * ```ts
 * for (const failed of await hooks.failures.list()) console.log(failed.name, failed.error);
 * ```
 */
export interface FailureSink {
  /** Stores an entry; an existing entry with the same key is replaced (keep `attempts` counting). */
  put(entry: FailedDelivery): void | Promise<void>;
  get(key: string): FailedDelivery | undefined | Promise<FailedDelivery | undefined>;
  list(): readonly FailedDelivery[] | Promise<readonly FailedDelivery[]>;
  delete(key: string): void | Promise<void>;
}

/**
 * The default failure sink: an in-memory map. It lives as long as the process; use a
 * durable sink (e.g. the Redis one) when failed deliveries must survive a restart.
 *
 * @example
 * ```ts
 * const failures = new MemoryFailureSink();
 * const hooks = createWebhooks({ provider, failures });
 * ```
 */
export class MemoryFailureSink implements FailureSink {
  readonly #entries = new Map<string, FailedDelivery>();
  put(entry: FailedDelivery): void {
    this.#entries.set(entry.key, entry);
  }
  get(key: string): FailedDelivery | undefined {
    return this.#entries.get(key);
  }
  list(): readonly FailedDelivery[] {
    return [...this.#entries.values()];
  }
  delete(key: string): void {
    this.#entries.delete(key);
  }
}
