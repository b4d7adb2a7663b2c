import { describe, expect, it, vi } from "vitest";
import { stageContext, stageProvider } from "../../test/stage-context.js";
import type { DedupeStore } from "../dedupe-store.js";
import { WebhookError } from "../errors.js";
import { HandlerRegistry } from "../handler-registry.js";
import type { Provider } from "../types.js";
import type { Claim } from "./claim.js";
import type { PreparedEvent } from "./context.js";
import type { Dispatched } from "./dispatch.js";
import { isThenable } from "./responses.js";
import { settle } from "./settle.js";
import { prepare } from "./validate.js";

// The settle stage's table, row by row, against a store that records what it was told.

function setup(options: { provider?: Provider; inbox?: boolean; attempts?: number; known?: boolean; sinkDown?: boolean } = {}) {
  const calls: string[] = [];
  const store: DedupeStore = {
    claim: () => ({ status: "done" }),
    renew: () => true,
    handlerSucceeded() {},
    complete: (key) => void calls.push(`complete ${key}`),
    release: (key, _token, _ttl, retryInMs) => void calls.push(`release ${key}${retryInMs === undefined ? "" : ` retry ${retryInMs}`}`),
  };
  const down = () => { throw new Error("down"); };
  const { ctx } = stageContext({ store, ...(options.provider ? { provider: options.provider } : {}), maxAttempts: 3, ...(options.sinkDown ? { failures: { put: down, get: () => undefined, list: () => [], delete: down } } : {}) });
  const prepared = prepare(ctx, { name: options.known === false ? "thing.unknown" : "thing.created", payload: { name: "n" }, raw: {}, dedupeId: "e1" }, "t1", 0) as PreparedEvent;
  const claim: Claim = { token: "tok", succeeded: new Set(), attempts: options.attempts ?? 0, inbox: options.inbox ?? false };
  return { ctx, calls, prepared, claim, registry: new HandlerRegistry(ctx.provider) };
}
const ok: Dispatched = { total: 1, errors: [], lost: undefined, startedAt: 0 };
const failed: Dispatched = { total: 2, errors: [new Error("boom")], lost: undefined, startedAt: 0 };
const state = { answered: false, closing: false };
const codeOf = (response: { body: string }) => (JSON.parse(response.body) as { error?: { code: string } }).error?.code;

describe("settle stage", () => {
  it("every handler succeeded: complete, 200 — synchronously on a synchronous store", () => {
    const { ctx, calls, prepared, claim, registry } = setup();
    const response = settle(ctx, registry, prepared, claim, ok, state);
    expect(isThenable(response)).toBe(false);
    expect(response).toMatchObject({ status: 200, body: '{"received":true}' });
    expect(calls).toEqual(["complete test:t1:e1"]);
  });

  it("lease lost: nothing settled, 503 LEASE_LOST", async () => {
    const { ctx, calls, prepared, claim, registry } = setup();
    const lost = new WebhookError("LEASE_LOST", "lost");
    const response = await settle(ctx, registry, prepared, claim, { ...ok, lost }, state);
    expect([response.status, codeOf(response)]).toEqual([503, "LEASE_LOST"]);
    expect(calls).toEqual([]);
  });

  it("failed in the inbox with attempts left: released for a retry after the backoff, 500", async () => {
    const { ctx, calls, prepared, claim, registry } = setup({ inbox: true, attempts: 2 });
    const onError = vi.fn();
    registry.errorHandlers.push(onError);
    const response = await settle(ctx, registry, prepared, claim, failed, state);
    expect([response.status, codeOf(response)]).toEqual([500, "HANDLER_FAILED"]);
    expect(calls).toEqual(["release test:t1:e1 retry 2000"]);
    expect(onError).toHaveBeenCalledOnce();
    expect(await ctx.failures.list()).toEqual([]);
  });

  it("failed in the inbox, attempts used up: into the failure sink with the count, then out of the inbox", async () => {
    const { ctx, calls, prepared, claim, registry } = setup({ inbox: true, attempts: 3 });
    await settle(ctx, registry, prepared, claim, failed, state);
    expect(calls).toEqual(["release test:t1:e1"]);
    expect(await ctx.failures.list()).toEqual([expect.objectContaining({ reason: "handler-failed", attempts: 3 })]);
  });

  it("attempts used up but the failure sink is down: the event stays in the inbox", async () => {
    const { ctx, calls, prepared, claim, registry } = setup({ inbox: true, attempts: 3, sinkDown: true });
    await settle(ctx, registry, prepared, claim, failed, state);
    expect(calls).toEqual(["release test:t1:e1 retry 3000"]);
  });

  it("failed, the sender redelivers: released, 500 naming the redelivery", async () => {
    const { ctx, calls, prepared, claim, registry } = setup();
    const response = await settle(ctx, registry, prepared, claim, failed, state);
    expect(JSON.parse(response.body).error.message).toContain("a redelivery by test runs the failed handlers again");
    expect(calls).toEqual(["release test:t1:e1"]);
  });

  it("failed outside the inbox for a sender that never redelivers: kept; non-2xx STORE_UNAVAILABLE if the sink is down too", async () => {
    const kept = setup({ provider: stageProvider({ retries: false }) });
    const response = await settle(kept.ctx, kept.registry, kept.prepared, kept.claim, failed, state);
    expect(response.status).toBe(500);
    expect(await kept.ctx.failures.list()).toHaveLength(1);
    const lost = setup({ provider: stageProvider({ retries: false }), sinkDown: true });
    const refused = await settle(lost.ctx, lost.registry, lost.prepared, lost.claim, failed, state);
    expect([refused.status, codeOf(refused)]).toEqual([503, "STORE_UNAVAILABLE"]);
  });

  it("stopped by close(): released, due at once for recovery, 503 SHUTTING_DOWN", async () => {
    const { ctx, calls, prepared, claim, registry } = setup({ inbox: true, attempts: 1 });
    prepared.abort.abort(new WebhookError("SHUTTING_DOWN", "closing"));
    const response = await settle(ctx, registry, prepared, claim, failed, { answered: false, closing: true });
    expect([response.status, codeOf(response)]).toEqual([503, "SHUTTING_DOWN"]);
    expect(calls).toEqual(["release test:t1:e1 retry 0"]);
  });

  it("an unknown event of a sender that never redelivers: done, kept, 200 unhandled", async () => {
    const { ctx, calls, prepared, claim, registry } = setup({ provider: stageProvider({ retries: false }), known: false });
    const response = await settle(ctx, registry, { ...prepared, known: false }, claim, ok, state);
    expect(response.body).toBe('{"received":true,"unhandled":true}');
    expect(calls).toEqual(["complete test:t1:e1"]);
    expect(await ctx.failures.list()).toEqual([expect.objectContaining({ reason: "unhandled" })]);
  });
});
