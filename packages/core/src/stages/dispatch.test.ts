import { describe, expect, it, vi } from "vitest";
import { stageContext } from "../../test/stage-context.js";
import { HandlerRegistry } from "../handler-registry.js";
import type { DedupeStore } from "../dedupe-store.js";
import { LruDedupeStore } from "../lru-dedupe-store.js";
import type { Claim } from "./claim.js";
import type { PreparedEvent } from "./context.js";
import { dispatch } from "./dispatch.js";
import { LeaseKeeper } from "./leases.js";
import { isThenable } from "./responses.js";
import { prepare } from "./validate.js";

function setup(store: DedupeStore = new LruDedupeStore(), leaseMs = 30_000) {
  const { ctx, metrics } = stageContext({ store, leaseMs });
  const prepared = prepare(ctx, { name: "thing.created", payload: { name: "n" }, raw: {}, dedupeId: "e1" }, "t1", 0) as PreparedEvent;
  const claimed = store.claim(prepared.key, leaseMs) as { token: string };
  const claim: Claim = { token: claimed.token, succeeded: new Set(), attempts: 0, inbox: false };
  return { ctx, metrics, prepared, claim, registry: new HandlerRegistry(ctx.provider), leases: new LeaseKeeper(ctx) };
}

describe("dispatch stage", () => {
  it("settles synchronous handlers without a promise", () => {
    const { ctx, prepared, claim, registry, leases } = setup();
    registry.on("thing.created", () => {}, undefined);
    const result = dispatch(ctx, registry, leases, prepared, claim);
    expect(isThenable(result)).toBe(false);
    expect(result).toMatchObject({ total: 1, errors: [], lost: undefined });
    expect(leases.size).toBe(0);
  });

  it("runs only the handlers that have not succeeded, records each success when several share the event, and collects errors", async () => {
    const store = new LruDedupeStore();
    const { ctx, prepared, claim, registry, leases, metrics } = setup(store);
    const ran: string[] = [];
    registry.on("thing.created", () => void ran.push("a"), "a");
    registry.on("thing.created", async () => void ran.push("b"), "b");
    registry.on("thing.created", () => { throw new Error("c failed"); }, "c");
    registry.onAny(() => void ran.push("any"), "any");
    const result = await dispatch(ctx, registry, leases, prepared, { ...claim, succeeded: new Set(["a"]) });
    expect(ran.sort()).toEqual(["any", "b"]);
    expect(result.total).toBe(3);
    expect(result.errors).toEqual([new Error("c failed")]);
    store.release(prepared.key, claim.token, 60_000);
    const again = store.claim(prepared.key, 30_000) as { succeeded: ReadonlySet<string> };
    expect([...again.succeeded].sort()).toEqual(["any", "b"]); // "a" was never recorded here: it ran in an earlier attempt
    expect(metrics.filter((m) => (m as { type: string }).type === "handler.settled")).toHaveLength(3);
  });

  it("holds the lease while an asynchronous handler runs, and aborts the event's signal when it is lost", async () => {
    const inner = new LruDedupeStore();
    const store: DedupeStore = { claim: (...a) => inner.claim(...a), renew: () => false, handlerSucceeded() {}, complete() {}, release() {} };
    const { ctx, prepared, claim, registry, leases } = setup(store, 20);
    const seen = vi.fn();
    registry.on("thing.created", (event) => new Promise<void>((resolve) => event.signal.addEventListener("abort", () => (seen(event.signal.reason), resolve()), { once: true })), undefined);
    const result = await dispatch(ctx, registry, leases, prepared, claim);
    expect(result.lost?.code).toBe("LEASE_LOST");
    expect(seen).toHaveBeenCalledWith(result.lost);
  });
});
