import { describe, expect, it, vi } from "vitest";
import { stageProvider } from "../test/stage-context.js";
import { createWebhooks } from "./create-webhooks.js";
import type { DedupeStore } from "./dedupe-store.js";
import { LruDedupeStore } from "./lru-dedupe-store.js";
import type { WebhookRequest } from "./types.js";

// A minimal provider (the stages' tests' one): `{"type", "id", "data"}` bodies, key in `x-key`, optionally no retries.
const testProvider = stageProvider;

const delivery = (body: unknown, extra: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: "POST",
  path: "/",
  originalUrl: "/events/t1/test",
  headers: { "content-type": "application/json", "x-key": "k" },
  params: { tenantId: "t1" },
  body: Buffer.from(JSON.stringify(body)),
  ...extra,
});
const created = (id = "e1", name = "n") => delivery({ type: "thing.created", id, data: { name } });
const unread = (readBody: (limit: number) => Promise<Buffer>, extra: Partial<WebhookRequest> = {}): WebhookRequest => {
  const { body: _body, ...rest } = created();
  return { ...rest, readBody, ...extra };
};

describe("createWebhooks pipeline", () => {
  it("dispatches a typed event with tenant, id, raw and received time", async () => {
    const hooks = createWebhooks({ provider: testProvider() });
    const seen = vi.fn();
    hooks.on("thing.created", seen);
    const res = await hooks.handle(created());
    expect(res.status).toBe(200);
    expect(seen).toHaveBeenCalledWith(expect.objectContaining({ provider: "test", tenantId: "t1", name: "thing.created", id: "e1", payload: { name: "n" } }));
    expect(seen.mock.calls[0]![0].receivedAt).toBeInstanceOf(Date);
  });

  it("keys dedupe by provider, tenant and id: the same id for another tenant runs again", async () => {
    const hooks = createWebhooks({ provider: testProvider() });
    const seen = vi.fn();
    hooks.onAny(seen);
    await hooks.handle(created("same"));
    await hooks.handle({ ...created("same"), params: { tenantId: "t2" } });
    await hooks.handle(created("same"));
    expect(seen).toHaveBeenCalledTimes(2);
  });

  it("claims and completes an event without handlers, so onAny-less events are still deduped", async () => {
    const store = new LruDedupeStore();
    const hooks = createWebhooks({ provider: testProvider(), store });
    expect((await hooks.handle(created())).status).toBe(200);
    expect(JSON.parse((await hooks.handle(created())).body)).toEqual({ received: true, duplicate: true });
  });

  it("answers 409 DUPLICATE_IN_FLIGHT while the first delivery is still running, and runs nothing twice", async () => {
    const hooks = createWebhooks({ provider: testProvider() });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handler = vi.fn(() => gate);
    hooks.on("thing.created", handler);
    const first = hooks.handle(created());
    await new Promise((r) => setTimeout(r, 10));
    const second = await hooks.handle(created());
    expect(second.status).toBe(409);
    expect(second.headers["retry-after"]).toBe("5");
    expect(JSON.parse(second.body).error.code).toBe("DUPLICATE_IN_FLIGHT");
    release();
    expect((await first).status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("processes a redelivery once the lease of a crashed attempt expired", async () => {
    let now = 1_000_000;
    const store = new LruDedupeStore({ now: () => now });
    // A claim that is never settled stands for a process that died mid-handler.
    expect((await store.claim("test:t1:e1", 30_000)).status).toBe("claimed");
    const hooks = createWebhooks({ provider: testProvider(), store, leaseMs: 30_000 });
    const handler = vi.fn();
    hooks.onAny(handler);
    expect((await hooks.handle(created())).status).toBe(409);
    now += 30_001;
    expect((await hooks.handle(created())).status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("answers 503 STORE_UNAVAILABLE and runs nothing when the store fails to claim", async () => {
    const broken: DedupeStore = {
      claim: () => Promise.reject(new Error("ECONNREFUSED")),
      renew: () => false,
      handlerSucceeded: () => {},
      complete: () => {},
      release: () => {},
    };
    const hooks = createWebhooks({ provider: testProvider(), store: broken });
    const handler = vi.fn();
    hooks.onAny(handler);
    const res = await hooks.handle(created());
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe("STORE_UNAVAILABLE");
    expect(handler).not.toHaveBeenCalled();
  });

  it("answers 500 INTERNAL_ERROR, never rejects, when a provider throws a non-coded error", async () => {
    const hooks = createWebhooks({
      provider: testProvider({
        identify() {
          throw new TypeError("bug");
        },
      }),
    });
    const res = await hooks.handle(created());
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body).error.code).toBe("INTERNAL_ERROR");
  });

  it("keeps failures of a sender that does not retry in the failure sink, whole, and replays them", async () => {
    const hooks = createWebhooks({ provider: testProvider({ retries: false }), recovery: { maxAttempts: 1 } });
    let fail = true;
    const handler = vi.fn(() => {
      if (fail) throw new Error("downstream 502");
    });
    hooks.on("thing.created", handler);
    expect((await hooks.handle(created("e9", "kept"))).status).toBe(500);
    const [entry] = await hooks.failures.list();
    expect(entry).toMatchObject({ key: "test:t1:e9", name: "thing.created", reason: "handler-failed", payload: { name: "kept" }, attempts: 1 });
    expect(entry!.error).toContain("downstream 502");
    fail = false;
    expect(await hooks.replay("test:t1:e9")).toEqual({ key: "test:t1:e9", status: "handled" });
    expect(await hooks.failures.list()).toEqual([]);
    expect(handler).toHaveBeenCalledTimes(2);
    // Replayed through the same claim: the sender's duplicate now runs nothing.
    expect(JSON.parse((await hooks.handle(created("e9", "kept"))).body)).toEqual({ received: true, duplicate: true });
  });

  it("counts attempts on one entry per event, however often it is redelivered", async () => {
    const hooks = createWebhooks({ provider: testProvider({ retries: false }), recovery: { maxAttempts: 1 } });
    hooks.onAny(() => {
      throw new Error("nope");
    });
    await hooks.handle(created());
    await hooks.handle(created());
    const entries = await hooks.failures.list();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.attempts).toBe(2);
  });

  it("does not keep failures of a retrying sender: its redelivery is the retry", async () => {
    const hooks = createWebhooks({ provider: testProvider() });
    hooks.onAny(() => {
      throw new Error("nope");
    });
    expect((await hooks.handle(created())).status).toBe(500);
    expect(await hooks.failures.list()).toEqual([]);
  });

  it("answers 202 at the response deadline, finishes in the background, and keeps a late failure", async () => {
    const hooks = createWebhooks({ provider: testProvider({ responseDeadlineMs: 20 }), recovery: { maxAttempts: 1 } });
    let finish!: (fail: boolean) => void;
    const done = new Promise<boolean>((resolve) => (finish = resolve));
    const onError = vi.fn();
    hooks.on("thing.created", async () => {
      if (await done) throw new Error("late failure");
    });
    hooks.onError(onError);
    const res = await hooks.handle(created());
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body)).toEqual({ received: true, pending: true });
    finish(true);
    await vi.waitFor(async () => expect(await hooks.failures.list()).toHaveLength(1));
    expect((await hooks.failures.list())[0]).toMatchObject({ reason: "failed-after-response" });
    expect(onError).toHaveBeenCalledOnce();
  });

  it("answers fast handlers normally even with a deadline set", async () => {
    const hooks = createWebhooks({ provider: testProvider({ responseDeadlineMs: 1000 }) });
    hooks.onAny(() => {});
    expect((await hooks.handle(created())).status).toBe(200);
  });

  it("never lets an onError handler's throw escape", async () => {
    const hooks = createWebhooks({ provider: testProvider() });
    hooks.onAny(() => {
      throw new Error("a");
    });
    hooks.onError(() => {
      throw new Error("onError broke");
    });
    expect((await hooks.handle(created())).status).toBe(500);
  });

  it("reads the body only after method and route checks, with the size limit", async () => {
    const readBody = vi.fn(async () => Buffer.from("{}"));
    const hooks = createWebhooks({ provider: testProvider(), maxBodyBytes: 10 });
    expect((await hooks.handle(unread(readBody, { method: "PUT" }))).status).toBe(405);
    expect((await hooks.handle(unread(readBody, { path: "/x" }))).status).toBe(404);
    expect(readBody).not.toHaveBeenCalled();
    expect((await hooks.handle(created())).status).toBe(413);
    await hooks.handle(unread(readBody));
    expect(readBody).toHaveBeenCalledWith(10, 10_000); // the limit and the body deadline (bodyTimeoutMs)
  });

  it("accepts an empty body without Content-Type", async () => {
    const hooks = createWebhooks({
      provider: testProvider({ identify: () => ({ name: "thing.created", payload: { name: "from-path" }, raw: undefined, dedupeId: "p" }) }),
    });
    const res = await hooks.handle({ ...created(), headers: { "x-key": "k" }, body: Buffer.alloc(0) });
    expect(res.status).toBe(200);
  });

  it("reports metrics: accepted, handler latency, duplicates and rejections by code, without secrets", async () => {
    const metrics: Array<Record<string, unknown>> = [];
    const hooks = createWebhooks({ provider: testProvider(), metrics: (m) => void metrics.push(m) });
    hooks.on("thing.created", () => {}, { id: "save" });
    await hooks.handle(created("m1"));
    await hooks.handle(created("m1"));
    await hooks.handle({ ...created("m2"), headers: { "content-type": "application/json", "x-key": "wrong-secret" } });
    expect(metrics.map((m) => m["type"])).toEqual(["delivery.accepted", "handler.settled", "delivery.settled", "delivery.duplicate", "delivery.rejected"]);
    expect(metrics[1]).toMatchObject({ handler: "save", ok: true, tenantId: "t1", event: "thing.created" });
    expect(typeof metrics[1]!["durationMs"]).toBe("number");
    expect(metrics[4]).toMatchObject({ code: "INVALID_CREDENTIALS", status: 401 });
    expect(JSON.stringify(metrics)).not.toContain("wrong-secret");
  });

  it("logs rejections with codes only, and survives a throwing metrics listener", async () => {
    const lines: string[] = [];
    const logger = { warn: (obj: object, msg: string) => void lines.push(msg + JSON.stringify(obj)), error: (obj: object, msg: string) => void lines.push(msg + JSON.stringify(obj)) };
    const hooks = createWebhooks({ provider: testProvider(), logger, metrics: () => { throw new Error("boom"); } });
    const res = await hooks.handle({ ...created(), headers: { "content-type": "application/json", "x-key": "s3cr3t-value" } });
    expect(res.status).toBe(401);
    expect(lines.join("\n")).toContain("INVALID_CREDENTIALS");
    expect(lines.join("\n")).not.toContain("s3cr3t-value");
    expect((await hooks.handle(created())).status).toBe(200);
  });

  it("runs normalized handlers with the common shape and the original event, settled per handler", async () => {
    const hooks = createWebhooks({
      provider: {
        ...testProvider({ normalize: (event) => (event.name === "thing.created" ? { name: "credential.issued", recordId: event.id, subject: "did:example:alice" } : undefined) }),
        normalizes: { "thing.created": ["credential.issued"] } as const,
      },
    });
    const normalized = vi.fn();
    let failOnce = true;
    const own = vi.fn(() => {
      if (failOnce) {
        failOnce = false;
        throw new Error("once");
      }
    });
    hooks.on("credential.issued", normalized);
    hooks.on("thing.created", own);
    expect((await hooks.handle(created("n1"))).status).toBe(500);
    expect((await hooks.handle(created("n1"))).status).toBe(200);
    expect(normalized).toHaveBeenCalledTimes(1);
    expect(own).toHaveBeenCalledTimes(2);
    const event = normalized.mock.calls[0]![0];
    expect(event).toMatchObject({ name: "credential.issued", provider: "test", tenantId: "t1", id: "n1" });
    expect(event.payload).toMatchObject({ provider: "test", tenantId: "t1", recordId: "n1", subject: "did:example:alice", recordIds: undefined });
    expect(event.payload.source).toMatchObject({ name: "thing.created", payload: { name: "n" } });
  });

  it("keeps an event of a sender that never retries when the store is down, and replays it once the store is back", async () => {
    let down = true;
    const inner = new LruDedupeStore();
    const flaky: DedupeStore = {
      claim: (key, lease) => (down ? Promise.reject(new Error("ECONNREFUSED")) : inner.claim(key, lease)),
      renew: (...a) => inner.renew(...a),
      handlerSucceeded: (...a) => inner.handlerSucceeded(...a),
      complete: (...a) => inner.complete(...a),
      release: (...a) => inner.release(...a),
    };
    const hooks = createWebhooks({ provider: testProvider({ retries: false }), store: flaky });
    const handler = vi.fn();
    hooks.onAny(handler);
    expect((await hooks.handle(created("s1"))).status).toBe(503);
    expect((await hooks.failures.list()).map((f) => f.reason)).toEqual(["store-unavailable"]);
    down = false;
    expect(await hooks.replayAll()).toEqual([{ key: "test:t1:s1", status: "handled" }]);
    expect(handler).toHaveBeenCalledOnce();
  });

  it("settles the claim before the response deadline starts: a slow store never yields a 202 for an unclaimed event", async () => {
    const inner = new LruDedupeStore();
    const slow: DedupeStore = {
      claim: async () => {
        await new Promise((r) => setTimeout(r, 60));
        throw new Error("timeout");
      },
      renew: (...a) => inner.renew(...a),
      handlerSucceeded: (...a) => inner.handlerSucceeded(...a),
      complete: (...a) => inner.complete(...a),
      release: (...a) => inner.release(...a),
    };
    const hooks = createWebhooks({ provider: testProvider({ responseDeadlineMs: 10 }), store: slow });
    expect((await hooks.handle(created())).status).toBe(503);
  });

  it("renews the lease while handlers run longer than it, so a duplicate meanwhile still runs nothing", async () => {
    const hooks = createWebhooks({ provider: testProvider(), leaseMs: 40 });
    const handler = vi.fn(() => new Promise((r) => setTimeout(r, 200)));
    hooks.on("thing.created", handler);
    const first = hooks.handle(created("long"));
    await new Promise((r) => setTimeout(r, 120)); // three lease lengths later
    expect((await hooks.handle(created("long"))).status).toBe(409);
    expect((await first).status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
  });
});
