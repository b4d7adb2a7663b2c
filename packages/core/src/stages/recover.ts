import type { DueEntry } from "../dedupe-store.js";
import { WebhookError } from "../errors.js";
import type { FailureReason } from "../failure-sink.js";
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
 * succeeded, settled like a delivery. Batches until nothing is due.
 */
export async function recoverDue(ctx: ReceiverContext, run: RunClaimed, stopped: () => boolean, batch: number): Promise<RecoverySummary> {
  const { store } = ctx;
  let claimed = 0;
  let recovered = 0;
  let failed = 0;
  let deadLettered = 0;
  if (!store.claimDue) return { claimed, recovered, failed, deadLettered };
  while (!stopped()) {
    const taking = store.claimDue(ctx.queue, ctx.leaseMs, batch);
    const due = isThenable(taking) ? await taking : taking;
    if (due.length === 0) break;
    claimed += due.length;
    const outcomes = await Promise.all(due.map((entry) => recoverOne(ctx, run, entry)));
    for (const outcome of outcomes) {
      if (outcome === "recovered") recovered++;
      else if (outcome === "dead-lettered") deadLettered++;
      else failed++;
    }
    if (due.length < batch) break;
  }
  return { claimed, recovered, failed, deadLettered };
}

async function recoverOne(ctx: ReceiverContext, run: RunClaimed, entry: DueEntry): Promise<"recovered" | "failed" | "dead-lettered"> {
  const claim: Claim = { token: entry.token, succeeded: entry.succeeded, attempts: entry.attempts, inbox: true };
  let decoded: ReturnType<typeof decodeInboxRecord>;
  try {
    decoded = decodeInboxRecord(entry.record);
  } catch (error) {
    return deadLetter(ctx, entry, undefined, "invalid-payload", describe(error));
  }
  const prepared = prepare(ctx, decoded.identified, decoded.tenantId, decoded.receivedAt);
  if (prepared instanceof WebhookError) return deadLetter(ctx, entry, decoded, "invalid-payload", prepared.message);
  ctx.logger.warn({ provider: ctx.provider.id, tenantId: decoded.tenantId, event: decoded.identified.name, id: decoded.identified.dedupeId, attempt: entry.attempts }, "credhooks: recovering an inbox event");
  if (entry.attempts > ctx.maxAttempts) {
    // Claimed past the bound: its last attempts were cut off (a crash each time?) — stop here.
    return deadLetter(ctx, entry, decoded, "handler-failed", `Gave up after ${entry.attempts - 1} attempt(s) that did not finish (the process stopped while its handlers ran).`, entry.attempts - 1);
  }
  const status = await run(prepared, claim);
  return status < 300 ? "recovered" : status === 500 && entry.attempts >= ctx.maxAttempts ? "dead-lettered" : "failed";
}

async function deadLetter(ctx: ReceiverContext, entry: DueEntry, decoded: ReturnType<typeof decodeInboxRecord> | undefined, reason: FailureReason, error: string, attempts = entry.attempts): Promise<"dead-lettered" | "failed"> {
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
  );
  try {
    const releasing = kept ? ctx.store.release(entry.key, entry.token, ctx.doneTtlMs) : ctx.store.release(entry.key, entry.token, ctx.doneTtlMs, ctx.backoffMs(entry.attempts));
    if (isThenable(releasing)) await releasing;
  } catch (error) {
    ctx.logger.warn({ provider: ctx.provider.id, err: describe(error) }, "credhooks: could not release a recovered claim; it expires with its lease");
  }
  return kept ? "dead-lettered" : "failed";
}
