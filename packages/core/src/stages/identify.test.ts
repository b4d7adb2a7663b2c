import { describe, expect, it } from "vitest";
import { stageContext, stageProvider } from "../../test/stage-context.js";
import { WebhookError } from "../errors.js";
import type { DeliveryContext } from "../types.js";
import { identify } from "./identify.js";
import { isThenable } from "./responses.js";

const delivery = (body: unknown): DeliveryContext => ({ request: { method: "POST", path: "/", originalUrl: "/", headers: {} }, tenantId: "t1", route: {}, rawBody: Buffer.from(JSON.stringify(body)), body, receivedAt: 0 });

describe("identify stage", () => {
  it("returns the provider's identification synchronously", () => {
    const { ctx } = stageContext();
    const identified = identify(ctx, delivery({ type: "thing.created", id: "e1", data: { name: "n" } }));
    expect(isThenable(identified)).toBe(false);
    expect(identified).toMatchObject({ name: "thing.created", dedupeId: "e1" });
  });

  it("keeps an unusable authenticated envelope, redacted, before rejecting it", async () => {
    const provider = stageProvider({
      identify: () => {
        throw new WebhookError("INVALID_PAYLOAD", "no event name");
      },
      redact: (body) => ({ ...(body as object), token: undefined }),
    });
    const { ctx } = stageContext({ provider });
    await expect(identify(ctx, delivery({ token: "secret", what: 1 }))).rejects.toMatchObject({ code: "INVALID_PAYLOAD" });
    const [kept] = await ctx.failures.list();
    expect(kept).toMatchObject({ reason: "invalid-payload", name: undefined, raw: { what: 1 } });
    expect(JSON.stringify(kept)).not.toContain("secret");
  });
});
