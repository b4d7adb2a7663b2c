import type { DueEntry } from "../dedupe-store.js";
import { WebhookError } from "../errors.js";
import type { FailureReason } from "../failure-sink.js";
import type { DeliveryTrace } from "../telemetry.js";
import type { Claim } from "./claim.js";
import type { PreparedEvent, ReceiverContext } from "./context.js";
import { decodeInboxRecord } from "./inbox-record.js";
import { keep } from "./keep.js";
import { describe, isThenable } from "./responses.js";
import { prepare } from "./validate.js";

/**
 * What one recovery pass did.
 *
 * @example
 * ```ts
 * const { recovered, failed, deadLettered } = await hooks.recover();
 * ```
 */
export interface RecoverySummary {
  /** Inbox entries taken back (lease expired, or their retry time came). */
  readonly claimed: number;
  /** …whose handlers then all succeeded. */
  readonly recovered: number;
  /** …that failed again and wait for their next attempt. */
  readonly failed: number;
  /** …moved to the failure sink (attempts used up, or a record that no longer validates). */
  readonly deadLettered: number;
}

/** Runs a claimed event's handlers and settles it; resolves with the answer's status. */
export type RunClaimed = (prepared: PreparedEvent, claim: Claim) => Promise<number>;

/**
 * Stage 9 — recover: takes back inbox entries whose lease expired (their process died) or
 * whose retry time came, through the store's `claimDue` (atomic: many instances recovering
 * at once never run one event concurrently), and runs the handlers that have not
 * succeeded, settled like a delivery. A sliding window: up to `concurrency` events run at
 * once, and a freed slot claims the next due entry at once, until none is due. An entry
 * this process is itself still running (its lease ran out in the store while the event
 * loop stalled) is adopted by the running handlers (`adopt`) instead of run again.
 */
export function recoverDue(ctx: ReceiverContext, run: RunClaimed, stopped: () => boolean, concurrency: number, adopt: (key: string, token: string) => boolean = () => false): Promise<RecoverySummary> {
  const { store } = ctx;
  const counts = { claimed: 0, recovered: 0, failed: 0, deadLettered: 0 };
  if (!store.claimDue) return Promise.resolve(counts);
  const claimDue = store.claimDue.bind(store);
  return new Promise<RecoverySummary>((resolve, reject) => {
    let running = 0;
    let taking = false;
    let exhausted = false;
    let failure: unknown;
    const pump = (): void => {
      const ending = exhausted || stopped();
      if (ending && running === 0 && !taking) {
        if (failure !== undefined && counts.claimed === 0) reject(failure as Error);
        else resolve(counts);
        return;
      }
      const free = concurrency - running;
      if (ending || taking || free <= 0) return;
      taking = true;
      Promise.resolve()
        .then(() => claimDue(ctx.queue, ctx.leaseMs, free))
        .then(
          (due) => {
            taking = false;
            if (due.length === 0) exhausted = true;
            counts.claimed += due.length;
            for (const entry of due) {
              if (adopt(entry.key, entry.token)) {
                ctx.logger.warn({ provider: ctx.provider.id }, "credhooks: an inbox event this process is still running was re-claimed after its lease ran out; the running handlers go on under the new claim");
                continue;
              }
              running++;
              recoverOne(ctx, run, entry)
                .then(
                  (outcome) => {
                    if (outcome === "recovered") counts.recovered++;
                    else if (outcome === "dead-lettered") counts.deadLettered++;
                    else counts.failed++;
                  },
                  () => void counts.failed++,
                )
                .finally(() => {
                  running--;
                  pump();
                });
            }
            pump();
          },
          (error: unknown) => {
            taking = false;
            exhausted = true;
            failure = error;
            pump();
          },
        );
    };
    pump();
  });
}

type RecoveryOutcome = "recovered" | "failed" | "dead-lettered";

/** Recovers one inbox entry under a span of its own (`credhooks.recovery <provider>`), counted in `credhooks.recoveries`. */
async function recoverOne(ctx: ReceiverContext, run: RunClaimed, entry: DueEntry): Promise<RecoveryOutcome> {
  const trace = ctx.telemetry?.startRun("recovery");
  if (trace === undefined) return recoverEntry(ctx, run, entry, undefined);
  let outcome: RecoveryOutcome = "failed";
  try {
    outcome = await trace.run(() => recoverEntry(ctx, run, entry, trace), undefined);
    return outcome;
  } finally {
    trace.finishRun(outcome, outcome !== "recovered");
  }
}

async function recoverEntry(ctx: ReceiverContext, run: RunClaimed, entry: DueEntry, trace: DeliveryTrace | undefined): Promise<RecoveryOutcome> {
  const claim: Claim = { token: entry.token, succeeded: entry.succeeded, attempts: entry.attempts, inbox: true };
  if (trace !== undefined) trace.claim("claimed", true, entry.attempts);
  let decoded: ReturnType<typeof decodeInboxRecord>;
  try {
    decoded = decodeInboxRecord(entry.record);
  } catch (error) {
    return deadLetter(ctx, entry, undefined, "invalid-payload", describe(error), entry.attempts, trace);
  }
  if (trace !== undefined) {
    trace.authenticate(decoded.tenantId);
    trace.identify(decoded.identified);
  }
  const prepared = prepare(ctx, decoded.identified, decoded.tenantId, decoded.receivedAt, trace);
  if (prepared instanceof WebhookError) return deadLetter(ctx, entry, decoded, "invalid-payload", prepared.message, entry.attempts, trace);
  ctx.logger.warn({ provider: ctx.provider.id, tenantId: decoded.tenantId, event: decoded.identified.name, id: decoded.identified.dedupeId, attempt: entry.attempts }, "credhooks: recovering an inbox event");
  if (entry.attempts > ctx.maxAttempts) {
    // Claimed past the bound: its last attempts were cut off (a crash each time?) — stop here.
    return deadLetter(ctx, entry, decoded, "handler-failed", `Gave up after ${entry.attempts - 1} attempt(s) that did not finish (the process stopped while its handlers ran).`, entry.attempts - 1, trace);
  }
  const status = await run(prepared, claim);
  return status < 300 ? "recovered" : status === 500 && entry.attempts >= ctx.maxAttempts ? "dead-lettered" : "failed";
}

async function deadLetter(
  ctx: ReceiverContext,
  entry: DueEntry,
  decoded: ReturnType<typeof decodeInboxRecord> | undefined,
  reason: FailureReason,
  error: string,
  attempts: number,
  trace: DeliveryTrace | undefined,
): Promise<"dead-lettered" | "failed"> {
  const identified = decoded?.identified;
  const kept = await keep(
    ctx,
    {
      key: entry.key,
      provider: ctx.provider.id,
      tenantId: decoded?.tenantId,
      name: identified?.name,
      dedupeId: identified?.dedupeId ?? entry.key,
      payload: identified?.payload,
      raw: identified?.raw,
      reason,
      error,
    },
    attempts,
    trace,
  );
  try {
    const releasing = kept ? ctx.store.release(entry.key, entry.token, ctx.doneTtlMs) : ctx.store.release(entry.key, entry.token, ctx.doneTtlMs, ctx.backoffMs(entry.attempts));
    if (isThenable(releasing)) await releasing;
  } catch (error) {
    ctx.logger.warn({ provider: ctx.provider.id, err: describe(error) }, "credhooks: could not release a recovered claim; it expires with its lease");
  }
  return kept ? "dead-lettered" : "failed";
}
