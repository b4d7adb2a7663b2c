import { describe, expect, it, vi } from "vitest";
import { stageContext } from "../../test/stage-context.js";
import type { DedupeStore } from "../dedupe-store.js";
import { LruDedupeStore } from "../lru-dedupe-store.js";
import { LeaseKeeper } from "./leases.js";

const waitFor = (check: () => boolean) => vi.waitFor(() => expect(check()).toBe(true), { timeout: 5_000 });

describe("lease keeper", () => {
  it("renews held leases on one timer and stops renewing what was dropped", async () => {
    const inner = new LruDedupeStore();
    const renew = vi.fn((key: string, token: string, leaseMs: number) => inner.renew(key, token, leaseMs));
    const store: DedupeStore = { claim: (...a) => inner.claim(...a), renew, handlerSucceeded() {}, complete() {}, release() {} };
    const { ctx } = stageContext({ store, leaseMs: 20 });
    const { token } = inner.claim("k", 60_000) as { token: string }; // a long first lease: a late first tick on a loaded machine must not lose it
    const keeper = new LeaseKeeper(ctx);
    const lost = vi.fn();
    const held = keeper.hold("k", { token }, lost);
    await waitFor(() => renew.mock.calls.length >= 3).catch((error: unknown) => { throw new Error(`renewals: ${renew.mock.calls.length}, lost: ${lost.mock.calls.length}, held.lost: ${held.lost}`, { cause: error }); });
    expect(lost).not.toHaveBeenCalled();
    keeper.drop(held);
    const calls = renew.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(renew.mock.calls.length).toBeLessThanOrEqual(calls + 1); // at most one renewal already under way
  });

  it("declares the lease lost when the store says another owner has it", async () => {
    const store: DedupeStore = { claim: () => ({ status: "done" }), renew: () => false, handlerSucceeded() {}, complete() {}, release() {} };
    const { ctx } = stageContext({ store, leaseMs: 20 });
    const lost = vi.fn();
    const held = new LeaseKeeper(ctx).hold("k", { token: "t" }, lost);
    await waitFor(() => held.lost);
    expect(lost).toHaveBeenCalledWith(expect.objectContaining({ code: "LEASE_LOST" }));
  });

  it("keeps the lease through failed renewals until it has run out", async () => {
    let failing = true;
    const store: DedupeStore = { claim: () => ({ status: "done" }), renew: () => { if (failing) throw new Error("timeout"); return true; }, handlerSucceeded() {}, complete() {}, release() {} };
    const { ctx, warnings } = stageContext({ store, leaseMs: 200 });
    const keeper = new LeaseKeeper(ctx);
    const held = keeper.hold("k", { token: "t" }, () => {});
    await waitFor(() => warnings.length >= 1);
    if (held.lost) expect(Date.now()).toBeGreaterThanOrEqual(held.leaseEnd); // lost only once the lease really ran out
    await waitFor(() => held.lost);
    failing = false;
    keeper.stop();
  });
});

describe("lease adoption", () => {
  it("moves a held lease to the token of a new claim, and renews under it", async () => {
    const inner = new LruDedupeStore();
    const renewed: string[] = [];
    const store: DedupeStore = { claim: (...a) => inner.claim(...a), renew: (key, token, ms) => (renewed.push(token), inner.renew(key, token, ms)), handlerSucceeded() {}, complete() {}, release() {} };
    const { ctx } = stageContext({ store, leaseMs: 20 });
    const first = inner.claim("k", 60_000) as { token: string };
    const keeper = new LeaseKeeper(ctx);
    const claim = { token: first.token };
    const held = keeper.hold("k", claim, () => {});
    expect(keeper.adopt("other", "x")).toBe(false);
    inner.release("k", first.token, 1000);
    const second = inner.claim("k", 60_000) as { token: string };
    expect(keeper.adopt("k", second.token)).toBe(true);
    expect(claim.token).toBe(second.token);
    await waitFor(() => renewed.includes(second.token));
    expect(held.lost).toBe(false);
    keeper.stop();
  });
});
