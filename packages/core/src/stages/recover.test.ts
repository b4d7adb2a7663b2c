import { describe, expect, it, vi } from "vitest";
import { stageContext } from "../../test/stage-context.js";
import { LruDedupeStore } from "../lru-dedupe-store.js";
import { recoverDue } from "./recover.js";

const record = (payload: unknown) => JSON.stringify({ v: 1, tenantId: "t1", name: "thing.created", dedupeId: "e1", payload, raw: {}, receivedAt: 5 });

describe("recover stage", () => {
  it("runs due entries of its queue only, with their claim, and counts the outcomes", async () => {
    let now = 0;
    const store = new LruDedupeStore({ now: () => now });
    const { ctx } = stageContext({ store });
    store.claim("test:t1:e1", 10, { queue: "test", record: record({ name: "n" }) });
    store.claim("other:t1:e1", 10, { queue: "other", record: record({ name: "n" }) });
    now = 11;
    const run = vi.fn(async () => 200);
    expect(await recoverDue(ctx, run, () => false, 10)).toEqual({ claimed: 1, recovered: 1, failed: 0, deadLettered: 0 });
    expect(run).toHaveBeenCalledWith(expect.objectContaining({ key: "test:t1:e1", event: expect.objectContaining({ id: "e1", tenantId: "t1", payload: { name: "n" } }) }), expect.objectContaining({ attempts: 2, inbox: true }));
  });

  it("moves a record that does not validate, or one whose attempts were all cut off, to the failure sink", async () => {
    let now = 0;
    const store = new LruDedupeStore({ now: () => now });
    const { ctx } = stageContext({ store, maxAttempts: 1 });
    store.claim("test:t1:bad", 10, { queue: "test", record: record({ name: 42 }) });
    store.claim("test:t1:cut", 10, { queue: "test", record: record({ name: "n" }).replace('"e1"', '"cut"') });
    now = 11;
    const run = vi.fn(async () => 200);
    expect(await recoverDue(ctx, run, () => false, 10)).toMatchObject({ claimed: 2, deadLettered: 2 });
    expect(run).not.toHaveBeenCalled();
    const reasons = (await ctx.failures.list()).map((f) => [f.key, f.reason]).sort();
    expect(reasons).toEqual([["test:t1:bad", "invalid-payload"], ["test:t1:cut", "handler-failed"]]);
    expect(store.inboxSize("test")).toBe(0);
  });

  it("stops between batches once told to", async () => {
    let now = 0;
    const store = new LruDedupeStore({ now: () => now });
    const { ctx } = stageContext({ store });
    for (let i = 0; i < 5; i++) store.claim(`test:t1:e${i}`, 10, { queue: "test", record: record({ name: "n" }) });
    now = 11;
    let stop = false;
    const run = vi.fn(async () => ((stop = true), 200));
    expect((await recoverDue(ctx, run, () => stop, 2)).claimed).toBe(2);
  });
});

describe("recover stage: window and adoption", () => {
  it("keeps up to `concurrency` events running and claims the next one as soon as a slot frees", async () => {
    let now = 0;
    const store = new LruDedupeStore({ now: () => now });
    const { ctx } = stageContext({ store });
    for (let i = 0; i < 5; i++) store.claim(`test:t1:e${i}`, 10, { queue: "test", record: record({ name: "n" }).replace('"e1"', `"e${i}"`) });
    now = 11;
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    const run = vi.fn(async (prepared: { event: { id: string } }) => {
      started.push(prepared.event.id);
      if (prepared.event.id === "e0") await slow; // one slow event must not hold the others back
      return 200;
    });
    const pass = recoverDue(ctx, run, () => false, 2);
    await vi.waitFor(() => expect(started).toHaveLength(5));
    release();
    expect(await pass).toEqual({ claimed: 5, recovered: 5, failed: 0, deadLettered: 0 });
  });

  it("lets handlers this process still runs adopt the new claim instead of running them twice", async () => {
    let now = 0;
    const store = new LruDedupeStore({ now: () => now });
    const { ctx } = stageContext({ store });
    store.claim("test:t1:e1", 10, { queue: "test", record: record({ name: "n" }) });
    now = 11;
    const adopted: string[] = [];
    const run = vi.fn(async () => 200);
    await recoverDue(ctx, run, () => false, 4, (key, token) => (adopted.push(`${key} ${token.length > 0}`), true));
    expect(adopted).toEqual(["test:t1:e1 true"]);
    expect(run).not.toHaveBeenCalled();
  });
});
