import type { DedupeStore } from "../dedupe-store.js";
import type { WebhookEvent } from "../event.js";
import type { FailureSink } from "../failure-sink.js";
import type { Logger } from "../logger.js";
import type { MetricEvent } from "../metrics.js";
import type { DeliveryTrace, ReceiverTelemetry } from "../telemetry.js";
import type { Provider } from "../types.js";

/**
 * What every stage of one receiver shares: the provider, the stores and the settings,
 * resolved once when the receiver is created (nothing here is recomputed per delivery).
 */
export interface ReceiverContext {
  readonly provider: Provider;
  readonly store: DedupeStore;
  readonly failures: FailureSink;
  readonly logger: Logger;
  /** True when a metrics listener is set: stages skip building metric objects otherwise. */
  readonly measuring: boolean;
  metric(event: MetricEvent): void;
  /** OpenTelemetry reporting; undefined when the `telemetry` option is `false`. */
  readonly telemetry?: ReceiverTelemetry | undefined;
  readonly leaseMs: number;
  readonly doneTtlMs: number;
  /** The inbox queue of this receiver's events (the provider id). */
  readonly queue: string;
  /** Attempts before an inbox entry moves to the failure sink. */
  readonly maxAttempts: number;
  /** Delay before the next attempt after `attempt` failed ones. */
  backoffMs(attempt: number): number;
  /** The dedupe key of an event: provider, tenant and dedupe id. */
  keyOf(tenantId: string | undefined, dedupeId: string): string;
}

/**
 * An authenticated, validated event, ready to be claimed: its dedupe key, the event the
 * handlers get, and what the inbox and the failure sink keep (the input the schema
 * validated, so a recovery or replay validates it again).
 */
export interface PreparedEvent {
  readonly key: string;
  readonly event: WebhookEvent<string, unknown>;
  /** False for event names the provider does not know (passed through unvalidated). */
  readonly known: boolean;
  readonly input: unknown;
  /** Fires the event's `signal`. */
  readonly abort: LazyAbort;
  /** This delivery's (or recovery's, or replay's) span and what it reports; undefined when nothing is recorded. */
  readonly trace?: DeliveryTrace | undefined;
}

/**
 * The event's AbortController, created only when a handler reads `event.signal` or the
 * event must be aborted: most deliveries need neither, and a controller is not free.
 */
export class LazyAbort {
  #controller: AbortController | undefined;
  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal;
  }
  get aborted(): boolean {
    return this.#controller?.signal.aborted ?? false;
  }
  abort(reason: Error): void {
    (this.#controller ??= new AbortController()).abort(reason);
  }
}
