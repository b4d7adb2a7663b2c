/**
 * The framework-free core of credhooks: the receiver (`createWebhooks`), the pipeline
 * (route, read, authenticate, validate, dedupe, dispatch), stores, errors and standalone
 * verification. Providers live under `@credhooks/core/providers/<id>`.
 *
 * @module @credhooks/core
 */
export { createWebhooks, defaultBackoffMs, errorResponse, DEFAULT_DONE_TTL_MS, DEFAULT_LEASE_MS, DEFAULT_MAX_BODY_BYTES } from "./create-webhooks.js";
export { DEFAULT_BODY_TIMEOUT_MS } from "./stages/read-body.js";
export type { CloseOptions, CloseResult, Handler, HandlerOptions, RecoveryOptions, RecoverySummary, ReplayOutcome, Webhooks, WebhooksOptions } from "./create-webhooks.js";
export { ERROR_STATUS, WebhookError, isWebhookError, statusOf } from "./errors.js";
export type { WebhookErrorCode } from "./errors.js";
export { headerValue, matchesAnySecret, resolveSecrets, safeEqual } from "./credentials.js";
export type { Secret, SecretValue } from "./credentials.js";
export { verifyApiKeyHeader } from "./api-key-auth.js";
export { contentHash } from "./hash.js";
export { decodeJsonBody, isJsonMediaType } from "./decode-json-body.js";
export { readNodeBody } from "./read-node-body.js";
export type { NodeBodyStream } from "./read-node-body.js";
export { compileMountPath } from "./mount-path.js";
export { isProviderRoute } from "./stages/route.js";
export type { MountPath } from "./mount-path.js";
export type { ClaimResult, DedupeStore, DueEntry, InboxWrite } from "./dedupe-store.js";
export { LruDedupeStore } from "./lru-dedupe-store.js";
export type { LruDedupeStoreOptions } from "./lru-dedupe-store.js";
export { MemoryFailureSink, pageFailures } from "./failure-sink.js";
export type { FailedDelivery, FailureListOptions, FailureReason, FailureSink, MemoryFailureSinkOptions } from "./failure-sink.js";
export type { MetricEvent, MetricsListener } from "./metrics.js";
export type { TelemetryOptions } from "./telemetry.js";
export { silentLogger } from "./logger.js";
export type { Logger } from "./logger.js";
export type {
  AnyEventOf,
  DeliveryContext,
  DocumentedFields,
  EventMapOf,
  EventSchemas,
  HeaderValue,
  IdentifiedEvent,
  NormalizedEvent,
  NormalizedNamesOf,
  Provider,
  RouteMatch,
  SourceEventOf,
  WebhookEvent,
  WebhookRequest,
  WebhookResponse,
} from "./types.js";
export { withWebhooks } from "./with-webhooks.js";
export { servesRoute } from "./multi-webhooks.js";
export type { MultiWebhooks, MultiWebhooksOptions, NormalizedEventMapOf, ProviderEntry, ProviderMount, ProvidersOf, ReceiverLike } from "./multi-webhooks.js";
export { verifyWebhook } from "./verify-webhook.js";
export type { VerifiableRequest, VerifyOptions, VerifyResult } from "./verify-webhook.js";
export { authenticateDelivery, parseEvent } from "./authenticate-delivery.js";
export { verifyWith } from "./verify-with.js";
export { NORMALIZED_EVENT_NAMES, normalizedEventsOf, normalizerOf } from "./normalized-events.js";
export type { NormalizedEventMap, NormalizedEventName, NormalizedMatch, NormalizedPayload, Normalizer, NormalizerMapping, NormalizesMap } from "./normalized-events.js";
