import { describe, expect, it } from "vitest";
import { stageContext } from "../../test/stage-context.js";
import { WebhookError } from "../errors.js";
import { LazyAbort } from "./context.js";
import { parseEvent, prepare } from "./validate.js";

describe("validate stage", () => {
  const { ctx } = stageContext();

  it("parses a known event with its schema and gives it its dedupe key", () => {
    const prepared = prepare(ctx, { name: "thing.created", payload: { name: "n", extra: 1 }, raw: { x: 1 }, dedupeId: "e1" }, "t1", 1_000);
    if (prepared instanceof WebhookError) throw prepared;
    expect(prepared).toMatchObject({ key: "test:t1:e1", known: true, input: { name: "n", extra: 1 } });
    expect(prepared.event).toMatchObject({ provider: "test", tenantId: "t1", name: "thing.created", payload: { name: "n", extra: 1 }, raw: { x: 1 }, id: "e1" });
    expect(prepared.event.receivedAt.getTime()).toBe(1_000);
  });

  it("refuses a payload that does not match with INVALID_PAYLOAD naming the path", () => {
    const error = prepare(ctx, { name: "thing.created", payload: { name: 42 }, raw: {}, dedupeId: "e1" }, "t1", 0);
    expect(error).toMatchObject({ code: "INVALID_PAYLOAD", message: expect.stringContaining("name:") });
  });

  it("passes names the provider does not know through unvalidated", () => {
    const parsed = parseEvent(ctx.provider, { name: "thing.new", payload: 7, raw: 7, dedupeId: "e2" }, undefined, 0);
    expect(parsed).toMatchObject({ known: false, event: { name: "thing.new", payload: 7 } });
  });

  it("gives the event a signal that is created when read and aborts with the event", () => {
    const abort = new LazyAbort();
    const parsed = parseEvent(ctx.provider, { name: "thing.created", payload: { name: "n" }, raw: {}, dedupeId: "e3" }, "t1", 0, abort);
    if (parsed instanceof WebhookError) throw parsed;
    const signal = parsed.event.signal;
    expect(signal.aborted).toBe(false);
    abort.abort(new WebhookError("SHUTTING_DOWN", "closing"));
    expect(signal.aborted).toBe(true);
    const standalone = parseEvent(ctx.provider, { name: "thing.created", payload: { name: "n" }, raw: {}, dedupeId: "e4" }, "t1", 0);
    if (standalone instanceof WebhookError) throw standalone;
    expect(standalone.event.signal.aborted).toBe(false);
  });
});
