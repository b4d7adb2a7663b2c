import request from "supertest";
import { describe, expect, it } from "vitest";
import { LruDedupeStore } from "@credhooks/core";
import { lissi } from "@credhooks/core/providers/lissi";
import { adapters } from "./support/adapters.js";

// close() and recover() reach users through every adapter's webhooks(): the same receiver API.

const KEY = "lissi-shutdown-key";
const update = (id: string) => JSON.stringify({ id, state: "complete" });

describe.each(adapters)("shutdown and recovery on $name", (adapter) => {
  it("answers 503 SHUTTING_DOWN with Retry-After after close(), and recovers a failed event with recover()", async () => {
    const store = new LruDedupeStore();
    const { app, hooks } = adapter.build([{ path: "/events/:tenantId/lissi", options: { provider: lissi({ apiKey: KEY }), store, recovery: { automatic: false, backoffMs: () => 0 } } }]);
    const receiver = hooks[0]!;
    const seen: string[] = [];
    let fail = true;
    receiver.on("connection:update", (event) => {
      if (fail) throw new Error("first attempt fails");
      seen.push(event.id);
    });
    const first = await request(app).post("/events/acme/lissi/connections/c1/update").set("x-api-key", KEY).set("content-type", "application/json").send(update("c1"));
    expect(first.status).toBe(500);
    expect(first.body.error.message).toContain("credhooks keeps it");
    fail = false;
    expect(await receiver.recover()).toMatchObject({ claimed: 1, recovered: 1 });
    expect(seen).toHaveLength(1);

    expect(await receiver.close({ timeoutMs: 1000 })).toEqual({ settled: 0, unfinished: 0 });
    const refused = await request(app).post("/events/acme/lissi/connections/c2/update").set("x-api-key", KEY).set("content-type", "application/json").send(update("c2"));
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBeDefined();
    expect(refused.body.error.code).toBe("SHUTTING_DOWN");
  });
});
