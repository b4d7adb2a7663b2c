import request from "supertest";
import { describe, expect, it } from "vitest";
import type { Provider, WebhookEvent, WebhooksOptions } from "@credhooks/core";
import { lissi } from "@credhooks/core/providers/lissi";
import { adapters, type AdapterHarness } from "./support/adapters.js";
import { CONNECTION_ID, lissiFixture, lissiFixtureBytes, lissiRoutes } from "./fixtures/lissi/index.js";

const KEY = "lissi-conformance-key";
const MOUNT = "/events/acme/lissi";

function build(adapter: AdapterHarness, options: Partial<WebhooksOptions<Provider>> = {}) {
  const { app, hooks } = adapter.build([{ path: "/events/:tenantId/lissi", options: { provider: lissi({ apiKey: (tenantId) => (tenantId === "acme" ? KEY : undefined) }), ...options } }]);
  const receiver = hooks[0]!;
  const events: Array<WebhookEvent<string, unknown>> = [];
  const unhandled: Array<WebhookEvent<string, unknown>> = [];
  // Typed handlers for every known event: what reaches them is what users get.
  for (const row of lissiRoutes) receiver.on(row.event, (event) => void events.push(event));
  receiver.onUnhandled((event) => void unhandled.push(event));
  return { app, receiver, events, unhandled };
}

function post(app: Parameters<typeof request>[0], path: string, body?: Buffer | string, key: string | null = KEY, method: "post" | "delete" = "post") {
  let req = request(app)[method](path);
  if (key !== null) req = req.set("x-api-key", key);
  if (body !== undefined) req = req.set("content-type", "application/json").send(typeof body === "string" ? body : body.toString("utf8"));
  return req;
}

describe.each(adapters)("Lissi on $name", (adapter) => {
  describe.each(lissiRoutes)("$event at $path", (row) => {
    const body = row.bodyFile === undefined ? undefined : lissiFixtureBytes(row.bodyFile);

    it("reaches its typed handler with the right id(s) and the tenant", async () => {
      const { app, events, receiver } = build(adapter);
      const res = await post(app, MOUNT + row.path, body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ received: true });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ provider: "lissi", tenantId: "acme", name: row.event });
      expect(events[0]?.payload).toMatchObject(row.expected);
      expect(events[0]?.raw).toEqual(body === undefined ? undefined : JSON.parse(body.toString("utf8")));
      expect(await receiver.failures.list()).toEqual([]);
    });

    it("accepts a trailing slash", async () => {
      const { app, events } = build(adapter);
      const res = await post(app, MOUNT + row.path + "/", body);
      expect(res.status).toBe(200);
      expect(events.map((e) => e.name)).toEqual([row.event]);
      expect(events[0]?.payload).toMatchObject(row.expected);
    });

    it("reaches the same handler in shared-topic form, deduped with the path form", async () => {
      const { app, events } = build(adapter);
      const envelope = JSON.stringify({ event: row.path, ...(body === undefined ? {} : { payload: JSON.parse(body.toString("utf8")) as unknown }) });
      const shared = await post(app, MOUNT, envelope);
      expect(shared.status).toBe(200);
      expect(events.map((e) => e.name)).toEqual([row.event]);
      expect(events[0]?.payload).toMatchObject(row.expected);
      expect(events[0]?.tenantId).toBe("acme");
      // The same event along the path: Lissi's two delivery modes dedupe alike.
      const path = await post(app, MOUNT + row.path, body);
      expect(path.body).toEqual({ received: true, duplicate: true });
      expect(events).toHaveLength(1);
    });

    it(row.deletion ? "is also accepted with DELETE" : "refuses DELETE (not a deletion) with 405", async () => {
      const { app, events } = build(adapter);
      const res = await post(app, MOUNT + row.path, body, KEY, "delete");
      if (row.deletion) {
        expect(res.status).toBe(200);
        expect(events[0]?.payload).toMatchObject(row.expected);
      } else {
        expect(res.status).toBe(405);
        expect(res.headers["allow"]).toBe("POST");
        expect(events).toHaveLength(0);
      }
    });
  });

  it("accepts a bodyless single delete with no Content-Type, by POST and by DELETE", async () => {
    const { app, events } = build(adapter);
    const viaPost = await request(app).post(`${MOUNT}/connections/${CONNECTION_ID}/delete`).set("x-api-key", KEY);
    expect(viaPost.status).toBe(200);
    expect(viaPost.request.getHeader("content-type")).toBeUndefined();
    const viaDelete = await request(app).delete(`${MOUNT}/proofs/p-9/delete`).set("x-api-key", KEY);
    expect(viaDelete.status).toBe(200);
    expect(events.map((e) => [e.name, e.payload])).toEqual([
      ["connection:delete", { id: CONNECTION_ID }],
      ["proof:delete", { id: "p-9" }],
    ]);
  });

  it("exposes states upper case whatever case Lissi sends, and keeps unknown states", async () => {
    const { app, events } = build(adapter);
    const dto = lissiFixture("connection-update.json") as Record<string, unknown>;
    await post(app, `${MOUNT}/connections/${CONNECTION_ID}/update`, JSON.stringify({ ...dto, state: "complete" }));
    await post(app, `${MOUNT}/connections/${CONNECTION_ID}/update`, JSON.stringify({ ...dto, state: "Brand_New" }));
    expect(events.map((e) => (e.payload as { state: string }).state)).toEqual(["COMPLETED", "BRAND_NEW"]);
    // The state as sent stays in `raw`.
    expect((events[0]?.raw as { state: string }).state).toBe("complete");
  });

  it.each([
    ["a wrong key", "not-the-key", "INVALID_CREDENTIALS"],
    ["no key", null, "MISSING_CREDENTIALS"],
  ] as const)("answers 401 to %s, runs nothing and keeps nothing", async (_label, key, code) => {
    const { app, events, unhandled, receiver } = build(adapter);
    for (const path of [`/connections/${CONNECTION_ID}/update`, "/connections/delete", "/widgets/w1/explode", "/"]) {
      const res = await post(app, MOUNT + path, lissiFixtureBytes("connection-update.json"), key);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe(code);
      expect(JSON.stringify(res.body)).not.toContain(KEY);
    }
    const otherTenant = await post(app, `/events/globex/lissi/connections/delete`, lissiFixtureBytes("connections-delete.json"));
    expect(otherTenant.status).toBe(401);
    expect(events).toHaveLength(0);
    expect(unhandled).toHaveLength(0);
    expect(await receiver.failures.list()).toEqual([]);
  });

  it.each([
    ["an object", '{"ids":["a"]}', "got an object"],
    ["a string", '"a,b"', "got a string"],
    ["no body", undefined, "got no body"],
  ])("answers 400 with a clear message to a bulk body that is %s, and keeps it", async (_label, body, got) => {
    const { app, events, receiver } = build(adapter);
    const res = await post(app, `${MOUNT}/credentials/revoke`, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_PAYLOAD");
    expect(res.body.error.message).toContain('"credentials:revoke"');
    expect(res.body.error.message).toContain('JSON array of record ids, e.g. ["id1","id2"]');
    expect(res.body.error.message).toContain(got);
    expect(events).toHaveLength(0);
    const kept = await receiver.failures.list();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ provider: "lissi", tenantId: "acme", name: "credentials:revoke", reason: "invalid-payload" });
  });

  it("answers 400 naming the element when a bulk list holds a non-string", async () => {
    const { app } = build(adapter);
    const res = await post(app, `${MOUNT}/proofs/delete`, '["p1", 42]');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("ids.1: each record id must be a JSON string");
  });

  it("answers 2xx to a Lissi-shaped route it does not know, calls onUnhandled and keeps it in the sink", async () => {
    const { app, events, unhandled, receiver } = build(adapter);
    const res = await post(app, `${MOUNT}/widgets/w1/explode`, '{"power":3}');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, unhandled: true });
    const bulk = await post(app, `${MOUNT}/connections/archive/`, '["c1"]');
    expect(bulk.status).toBe(200);
    expect(events).toHaveLength(0);
    expect(unhandled.map((e) => [e.name, e.payload])).toEqual([
      ["/widgets/:id/explode", { path: "/widgets/w1/explode", id: "w1", body: { power: 3 } }],
      ["/connections/archive", { path: "/connections/archive", body: ["c1"] }],
    ]);
    const kept = await receiver.failures.list();
    expect(kept.map((k) => [k.name, k.reason, k.tenantId])).toEqual([
      ["/widgets/:id/explode", "unhandled", "acme"],
      ["/connections/archive", "unhandled", "acme"],
    ]);
    expect(kept[0]?.payload).toEqual({ path: "/widgets/w1/explode", id: "w1", body: { power: 3 } });
  });

  it.each(["/favicon.ico", "/connections", "/connections/c1/update/extra", "/connections//update", "/a.b/c"])("answers 404 UNKNOWN_ROUTE to %s", async (path) => {
    const { app, receiver } = build(adapter);
    const res = await post(app, MOUNT + path, "{}");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("UNKNOWN_ROUTE");
    expect(await receiver.failures.list()).toEqual([]);
  });

  it("answers 500 when a handler fails, retries it from the inbox, then keeps the whole event in the failure sink", async () => {
    const { app, receiver } = build(adapter, { recovery: { maxAttempts: 2, backoffMs: () => 0, automatic: false } });
    const errors: AggregateError[] = [];
    receiver.on("connection:update", () => {
      throw new Error("database down");
    });
    receiver.onError((error) => void errors.push(error));
    const body = lissiFixtureBytes("connection-update.json");
    const res = await post(app, `${MOUNT}/connections/${CONNECTION_ID}/update`, body);
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("HANDLER_FAILED");
    // Lissi never redelivers: the answer says what credhooks does instead.
    expect(res.body.error.message).toContain("credhooks keeps it and runs the failed handlers again");
    expect(errors).toHaveLength(1);
    expect(await receiver.failures.list()).toEqual([]);
    expect(await receiver.recover()).toMatchObject({ claimed: 1, deadLettered: 1 });
    expect(errors).toHaveLength(2);
    const kept = await receiver.failures.list();
    expect(kept).toHaveLength(1);
    const dto = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    expect(kept[0]).toMatchObject({
      provider: "lissi",
      tenantId: "acme",
      name: "connection:update",
      reason: "handler-failed",
      payload: dto,
      raw: dto,
      attempts: 2,
    });
    expect(kept[0]?.dedupeId).toMatch(new RegExp(`^/connections/${CONNECTION_ID}/update:`));
    expect(kept[0]?.error).toContain("database down");
    expect(JSON.stringify(kept)).not.toContain(KEY);
  });

  it("keeps a failed bodyless delete with its id, so nothing Lissi sent is lost", async () => {
    const { app, receiver } = build(adapter, { recovery: { maxAttempts: 1, automatic: false } });
    receiver.on("credential:delete", () => {
      throw new Error("nope");
    });
    const res = await request(app).delete(`${MOUNT}/credentials/k-7/delete`).set("x-api-key", KEY);
    expect(res.status).toBe(500);
    const [kept] = await receiver.failures.list();
    expect(kept).toMatchObject({ name: "credential:delete", payload: { id: "k-7" }, reason: "handler-failed" });
    // Replaying after the cause is gone still fails here (the handler always throws), proving the entry is replayable input.
    expect((await receiver.replay(kept!.key)).status).toBe("failed");
  });
});
