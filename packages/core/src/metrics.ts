import type { WebhookErrorCode } from "./errors.js";
import type { FailureReason } from "./failure-sink.js";

/**
 * A measurement credhooks reports to the `metrics` option: counters and latencies for
 * dashboards and alerts. Never carries secrets or payloads — only provider, tenant, event
 * name, dedupe id, codes and durations.
 *
 * @example
 * ```ts
 * createWebhooks({
 *   provider,
 *   metrics: (m) => {
 *     if (m.type === "delivery.rejected") authFailures.inc({ provider: m.provider, code: m.code });
 *     if (m.type === "handler.settled") handlerLatency.observe({ event: m.event, tenant: m.tenantId ?? "" }, m.durationMs);
 *   },
 * });
 * ```
 */
export type MetricEvent =
  /** An authenticated, schema-valid event was claimed for processing. */
  | { type: "delivery.accepted"; provider: string; tenantId: string | undefined; event: string; id: string }
  /** A redelivery of an event that is done (`inFlight: false`) or still running (`inFlight: true`). */
  | { type: "delivery.duplicate"; provider: string; tenantId: string | undefined; event: string; id: string; inFlight: boolean }
  /** A delivery was refused before its handlers ran; `code` tells why (e.g. `INVALID_SIGNATURE`). */
  | { type: "delivery.rejected"; provider: string; tenantId: string | undefined; code: WebhookErrorCode; status: number }
  /** One handler finished. */
  | { type: "handler.settled"; provider: string; tenantId: string | undefined; event: string; id: string; handler: string; ok: boolean; durationMs: number }
  /** Every handler of the event succeeded (`ok: true`) or at least one failed. */
  | { type: "delivery.settled"; provider: string; tenantId: string | undefined; event: string; id: string; ok: boolean; durationMs: number }
  /**
   * A delivery that had to be kept in the failure sink was not: the sink refused it (a full
   * `MemoryFailureSink`) or failed. An inbox event stays in the inbox and is retried; any
   * other was answered non-2xx, unless credhooks had already answered (a response deadline
   * without an inbox). Alert on this.
   */
  | { type: "delivery.unkept"; provider: string; tenantId: string | undefined; event: string | undefined; id: string; reason: FailureReason };

/**
 * Receives {@link MetricEvent}s; must not throw (a throw is caught and logged).
 *
 * @example
 * ```ts
 * const metrics: MetricsListener = (metric) => console.log(metric.type, metric.provider);
 * createWebhooks({ provider, metrics });
 * ```
 */
export type MetricsListener = (metric: MetricEvent) => void;
