import { z } from "zod";
import type { DedupeStore } from "../src/dedupe-store.js";
import { WebhookError } from "../src/errors.js";
import { MemoryFailureSink, type FailureSink } from "../src/failure-sink.js";
import { LruDedupeStore } from "../src/lru-dedupe-store.js";
import type { Provider } from "../src/types.js";
import type { ReceiverContext } from "../src/stages/context.js";

/** A small provider for the stages' unit tests: `{"type","id","data"}` bodies, key in `x-key`. */
export const stageEvents = { "thing.created": z.looseObject({ name: z.string() }) };
export function stageProvider(overrides: Partial<Provider<typeof stageEvents>> = {}): Provider<typeof stageEvents> {
  return {
    id: "test",
    events: stageEvents,
    retries: true,
    authenticate(delivery) {
      if (delivery.request.headers["x-key"] !== "k") throw new WebhookError("INVALID_CREDENTIALS", "wrong key");
    },
    identify(delivery) {
      const body = delivery.body as { type: string; id: string; data: unknown };
      return { name: body.type, payload: body.data, raw: body, dedupeId: body.id };
    },
    ...overrides,
  };
}

/** A receiver context as createWebhooks builds it, with what a stage test needs to see. */
export function stageContext(options: { provider?: Provider; store?: DedupeStore; failures?: FailureSink; leaseMs?: number; maxAttempts?: number } = {}) {
  const warnings: string[] = [];
  const errors: string[] = [];
  const metrics: unknown[] = [];
  const ctx: ReceiverContext = {
    provider: options.provider ?? stageProvider(),
    store: options.store ?? new LruDedupeStore(),
    failures: options.failures ?? new MemoryFailureSink(),
    logger: { warn: (_obj: unknown, msg: string) => void warnings.push(msg), error: (_obj: unknown, msg: string) => void errors.push(msg), info() {}, debug() {} },
    measuring: true,
    metric: (m) => void metrics.push(m),
    leaseMs: options.leaseMs ?? 30_000,
    doneTtlMs: 60_000,
    queue: (options.provider ?? stageProvider()).id,
    maxAttempts: options.maxAttempts ?? 3,
    backoffMs: (attempt) => attempt * 1000,
    keyOf: (tenantId, dedupeId) => `test:${tenantId ?? ""}:${dedupeId}`,
  };
  return { ctx, warnings, errors, metrics };
}
