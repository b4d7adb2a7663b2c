import { describe, expect, it } from "vitest";
import { stageContext, stageProvider } from "../../test/stage-context.js";
import type { DedupeStore } from "../dedupe-store.js";
import { LruDedupeStore } from "../lru-dedupe-store.js";
import { claim } from "./claim.js";
import { decodeInboxRecord } from "./inbox-record.js";
import { prepare } from "./validate.js";
import { isThenable } from "./responses.js";
import type { PreparedEvent } from "./context.js";

const event = (ctx: ReturnType<typeof stageContext>["ctx"], id = "e1"): PreparedEvent => {
  const prepared = prepare(ctx, { name: "thing.created", payload: { name: "n" }, raw: { type: "thing.created", id, data: { name: "n" } }, dedupeId: id }, "t1", 1_000);
  if (!("key" in prepared)) throw prepared;
  return prepared;
};

describe("claim stage", () => {
  it("claims a new event synchronously on a synchronous store, and writes it to the inbox when asked", () => {
    const store = new LruDedupeStore();
    const { ctx } = stageContext({ store });
    const result = claim(ctx, event(ctx), true);
    expect(isThenable(result)).toBe(false);
    expect(result).toMatchObject({ attempts: 1, inbox: true });
    const [due] = store.claimDue("test", 1, 10);
    expect(due).toBeUndefined(); // its lease still lives
    expect(store.inboxSize("test")).toBe(1);
  });

  it("writes a record the recoverer can read back into the same event", () => {
    let written = "";
    const inner = new LruDedupeStore();
    const store: DedupeStore = { ...bind(inner), claim: (key, leaseMs, inbox) => ((written = inbox?.record ?? ""), inner.claim(key, leaseMs, inbox)) };
    const { ctx } = stageContext({ store });
    claim(ctx, event(ctx, "e5"), true);
    expect(decodeInboxRecord(written)).toEqual({ identified: { name: "thing.created", dedupeId: "e5", payload: { name: "n" }, raw: { type: "thing.created", id: "e5", data: { name: "n" } } }, tenantId: "t1", receivedAt: 1_000 });
  });

  it("answers 200 duplicate for a done event and 409 for one in flight", () => {
    const store = new LruDedupeStore();
    const { ctx, metrics } = stageContext({ store });
    const first = claim(ctx, event(ctx), false) as { token: string };
    expect(claim(ctx, event(ctx), false)).toMatchObject({ status: 409 });
    store.complete("test:t1:e1", first.token, 60_000);
    expect(claim(ctx, event(ctx), false)).toMatchObject({ status: 200, body: '{"received":true,"duplicate":true}' });
    expect(metrics).toEqual([expect.objectContaining({ type: "delivery.duplicate", inFlight: true }), expect.objectContaining({ type: "delivery.duplicate", inFlight: false })]);
  });

  it("rejects with STORE_UNAVAILABLE when the store fails, keeping the event first for a sender that never redelivers", async () => {
    const down: DedupeStore = { ...bind(new LruDedupeStore()), claim: () => Promise.reject(new Error("connection refused")) };
    const { ctx } = stageContext({ store: down, provider: stageProvider({ retries: false }) });
    await expect(claim(ctx, event(ctx), true)).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(await ctx.failures.list()).toEqual([expect.objectContaining({ key: "test:t1:e1", reason: "store-unavailable" })]);
    const throwing: DedupeStore = { ...bind(new LruDedupeStore()), claim: () => { throw new Error("sync failure"); } };
    const retrying = stageContext({ store: throwing });
    await expect(claim(retrying.ctx, event(retrying.ctx), false)).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(await retrying.ctx.failures.list()).toEqual([]);
  });
});

function bind(store: LruDedupeStore): DedupeStore {
  return {
    claim: (...a) => store.claim(...a),
    renew: (...a) => store.renew(...a),
    handlerSucceeded: (...a) => store.handlerSucceeded(...a),
    complete: (...a) => store.complete(...a),
    release: (...a) => store.release(...a),
    claimDue: (...a) => store.claimDue(...a),
  };
}
