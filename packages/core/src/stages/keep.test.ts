import { describe, expect, it } from "vitest";
import { stageContext } from "../../test/stage-context.js";
import { keep } from "./keep.js";

const entry = { key: "test:t1:e1", provider: "test", tenantId: "t1", name: "thing.created", dedupeId: "e1", payload: { name: "n" }, raw: {}, reason: "handler-failed" as const, error: "boom" };

describe("keep stage", () => {
  it("keeps one entry per event, adding each failure's attempts", async () => {
    const { ctx } = stageContext();
    expect(await keep(ctx, entry, 3)).toBe(true);
    expect(await keep(ctx, entry)).toBe(true);
    const [kept] = await ctx.failures.list();
    expect(kept).toMatchObject({ key: "test:t1:e1", attempts: 4 });
    expect(kept!.firstFailedAt <= kept!.lastFailedAt).toBe(true);
  });

  it("resolves false (never rejects) when the failure sink is down, and says so in the log", async () => {
    const down = () => { throw new Error("disk full"); };
    const { ctx, errors } = stageContext({ failures: { put: down, get: () => undefined, list: () => [], delete: down } });
    expect(await keep(ctx, entry)).toBe(false);
    expect(errors).toEqual(["credhooks: the failure sink could not store a delivery"]);
  });
});
