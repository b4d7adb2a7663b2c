import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from "vitest";
import { createWebhooks, type Logger, type WebhookResponse } from "@credhooks/core";
import { proven } from "@credhooks/core/providers/proven";
import { createRedisFailureSink, createRedisStore, type RedisDedupeStore } from "@credhooks/redis";
import { describeWithRedis, startRedisServer, type RedisServer } from "./support/redis-server.js";
import { PROVEN_KEY, provenRequest } from "./fixtures/redis/deliveries.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeOf = (res: WebhookResponse) => (JSON.parse(res.body) as { error?: { code: string } }).error?.code;
const RECEIVED = '{"received":true}';
const DUPLICATE = '{"received":true,"duplicate":true}';

/** A credhooks instance with its own Redis client, as one process behind a load balancer would have. */
async function instance(url: string, keyPrefix: string, options: { leaseMs?: number; logger?: Logger } = {}) {
  const store = createRedisStore({ url, keyPrefix, ...(options.logger ? { logger: options.logger } : {}) });
  await store.ready();
  const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), store, ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}) });
  return { store, hooks };
}

describeWithRedis("credhooks on the Redis store", () => {
  let redis: RedisServer;
  const stores: RedisDedupeStore[] = [];
  let n = 0;
  let prefix = "core0:";
  const make = async (options?: Parameters<typeof instance>[2]) => {
    const made = await instance(redis.url, prefix, options);
    stores.push(made.store);
    return made.hooks;
  };

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    prefix = `core${++n}:`;
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("runs a duplicate's handler once and answers it 2xx, on any instance", async () => {
    const [a, b] = [await make(), await make()];
    const handler = vi.fn();
    a.on("credentials:done", handler);
    b.on("credentials:done", handler);
    expect(await a.handle(provenRequest("ex-1"))).toMatchObject({ status: 200, body: RECEIVED });
    expect(await a.handle(provenRequest("ex-1"))).toMatchObject({ status: 200, body: DUPLICATE });
    expect(await b.handle(provenRequest("ex-1"))).toMatchObject({ status: 200, body: DUPLICATE });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(await b.handle(provenRequest("ex-2"))).toMatchObject({ status: 200, body: RECEIVED }); // a different event runs
    expect(await b.handle(provenRequest("ex-1", "globex"))).toMatchObject({ status: 200, body: RECEIVED }); // so does another tenant's
    expect(handler).toHaveBeenCalledTimes(3);
  });

  it("answers a duplicate that arrives while the first is in flight 409 DUPLICATE_IN_FLIGHT, and runs nothing for it", async () => {
    const [a, b] = [await make(), await make()];
    let finish!: () => void;
    const handler = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    a.on("credentials:done", handler);
    b.on("credentials:done", handler);
    const first = a.handle(provenRequest("ex-1"));
    await vi.waitFor(() => expect(handler).toHaveBeenCalledTimes(1));
    const during = await b.handle(provenRequest("ex-1"));
    expect(during.status).toBe(409);
    expect(codeOf(during)).toBe("DUPLICATE_IN_FLIGHT");
    expect(during.headers["retry-after"]).toBe("5");
    finish();
    expect(await first).toMatchObject({ status: 200, body: RECEIVED });
    expect(await b.handle(provenRequest("ex-1"))).toMatchObject({ status: 200, body: DUPLICATE });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("re-runs only the failed handler when the event is redelivered after a partial failure (to another instance)", async () => {
    const [a, b] = [await make(), await make()];
    const save = vi.fn();
    let notifyFails = true;
    const notify = vi.fn(() => {
      if (notifyFails) throw new Error("mail server down");
    });
    for (const hooks of [a, b]) hooks.on("credentials:done", save, { id: "save" }).on("credentials:done", notify, { id: "notify" });
    const failed = await a.handle(provenRequest("ex-1"));
    expect(failed.status).toBe(500);
    expect(codeOf(failed)).toBe("HANDLER_FAILED");
    expect([save.mock.calls.length, notify.mock.calls.length]).toEqual([1, 1]);
    const stillFailing = await b.handle(provenRequest("ex-1"));
    expect(stillFailing.status).toBe(500);
    expect([save.mock.calls.length, notify.mock.calls.length]).toEqual([1, 2]); // save is not run again
    notifyFails = false;
    expect(await a.handle(provenRequest("ex-1"))).toMatchObject({ status: 200, body: RECEIVED });
    expect([save.mock.calls.length, notify.mock.calls.length]).toEqual([1, 3]);
    expect(await b.handle(provenRequest("ex-1"))).toMatchObject({ status: 200, body: DUPLICATE });
    expect([save.mock.calls.length, notify.mock.calls.length]).toEqual([1, 3]);
  });

  it("renews the lease while a handler outlasts it, so duplicates keep getting 409 instead of running again", async () => {
    const [a, b] = [await make({ leaseMs: 400 }), await make({ leaseMs: 400 })];
    const handler = vi.fn(() => sleep(1800));
    a.on("credentials:done", handler);
    b.on("credentials:done", handler);
    const first = a.handle(provenRequest("ex-1"));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      await sleep(250);
      statuses.push((await b.handle(provenRequest("ex-1"))).status);
    }
    expect(statuses).toEqual([409, 409, 409, 409, 409, 409]); // 1.5 s: almost 4 leases
    expect((await first).status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("4 instances × 250 concurrent duplicate deliveries of the same events: each handler runs exactly once per event", async () => {
    const instances = await Promise.all(Array.from({ length: 4 }, () => make()));
    const events = Array.from({ length: 8 }, (_, i) => `ex-${i}`);
    const runs = new Map<string, number>();
    const count = (handler: string) => async (event: { id: string }) => {
      runs.set(`${handler} ${event.id}`, (runs.get(`${handler} ${event.id}`) ?? 0) + 1);
      await sleep(20);
    };
    for (const hooks of instances) hooks.on("credentials:done", count("save"), { id: "save" }).on("credentials:done", count("notify"), { id: "notify" });
    const started = performance.now();
    const responses: WebhookResponse[] = [];
    // One event at a time, 1000 deliveries of it at once: all instances share one event loop
    // here, so 8000 at once would measure this process' lag against the 1 s commandTimeout
    // (see redis-processes.test.ts for instances in their own processes).
    for (const ex of events) {
      responses.push(...(await Promise.all(instances.flatMap((hooks) => Array.from({ length: 250 }, () => hooks.handle(provenRequest(ex)))))));
    }
    const elapsed = performance.now() - started;
    expect(responses).toHaveLength(4 * 8 * 250);
    expect([...runs.values()].every((times) => times === 1)).toBe(true);
    const received = responses.filter((r) => r.body === RECEIVED).length;
    const duplicates = responses.filter((r) => r.body === DUPLICATE).length;
    const inFlight = responses.filter((r) => r.status === 409 && codeOf(r) === "DUPLICATE_IN_FLIGHT").length;
    // A busy machine can lag this event loop past the 1 s commandTimeout: 503, nothing run, the sender retries.
    const unavailable = responses.filter((r) => r.status === 503 && codeOf(r) === "STORE_UNAVAILABLE").length;
    expect(received + duplicates + inFlight + unavailable).toBe(responses.length); // nothing else: no 500
    // The sender retries every 409 and 503 until it gets a 2xx.
    const retried = await Promise.all(instances.flatMap((hooks) => events.map((ex) => deliverUntil200(hooks, ex))));
    expect(retried).toHaveLength(32);
    expect(runs.size).toBe(8 * 2);
    expect([...runs.values()].every((times) => times === 1)).toBe(true);
    console.info(
      `[redis] in-process: 4 instances × 250 concurrent deliveries of the same event, 8 events = ${responses.length} in ${elapsed.toFixed(0)} ms: ` +
        `${received} processed, ${duplicates} duplicate 200, ${inFlight} in-flight 409, ${unavailable} store-unavailable 503; handler runs per handler and event: 1`,
    );
  });
});

describeWithRedis("credhooks when Redis is down or slow", () => {
  let redis: RedisServer;
  const stores: RedisDedupeStore[] = [];
  let errorSpy: ReturnType<typeof vi.spyOn>;

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  beforeEach(() => {
    errorSpy = vi.spyOn(console, "error");
  });
  afterEach(async () => {
    // ioredis prints "[ioredis] Unhandled error event" when a client has no error listener.
    expect(errorSpy.mock.calls.flat().join(" ")).not.toContain("Unhandled error event");
    errorSpy.mockRestore();
    redis.resume();
    if (!(await isUp(redis))) await redis.start();
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const setup = async (options: { leaseMs?: number; waitReady?: boolean } = {}) => {
    const warnings: string[] = [];
    const logger: Logger = { warn: (_obj, msg) => void warnings.push(msg), error: (_obj, msg) => void warnings.push(msg) };
    const store = createRedisStore({ url: redis.url, keyPrefix: `fault${stores.length}${Date.now()}:`, logger });
    stores.push(store);
    if (options.waitReady !== false) await store.ready();
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), store, ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}) });
    const handler = vi.fn();
    hooks.on("credentials:done", handler);
    return { hooks, handler, store, warnings };
  };

  it("answers 503 STORE_UNAVAILABLE at once while Redis is stopped, runs no handler, and recovers without a restart", async () => {
    const { hooks, handler, warnings } = await setup();
    await redis.stop();
    const tookMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const res = await hooks.handle(provenRequest("ex-down"));
      const took = performance.now() - started;
      tookMs.push(Math.round(took));
      expect(res.status).toBe(503);
      expect(codeOf(res)).toBe("STORE_UNAVAILABLE");
      expect(res.headers["retry-after"]).toBe("10");
      expect(took).toBeLessThan(1500);
      await sleep(300);
    }
    expect(handler).not.toHaveBeenCalled();
    expect(warnings.filter((w) => w.includes("Redis connection failed"))).toHaveLength(1); // one line per outage, not per reconnection attempt
    await redis.start();
    const recoveredIn = await deliverUntil200(hooks, "ex-down");
    expect(handler).toHaveBeenCalledTimes(1);
    expect((await hooks.handle(provenRequest("ex-down"))).body).toBe(DUPLICATE);
    console.info(`[redis] Redis stopped: 503 STORE_UNAVAILABLE in ${tookMs.join("/")} ms; restarted: processed ${recoveredIn} ms after redis-server answered again`);
  });

  it("answers 503 within about a second while Redis is stalled (SIGSTOP), and processes once it answers again", async () => {
    const { hooks, handler } = await setup({ leaseMs: 1500 });
    expect((await hooks.handle(provenRequest("ex-before"))).status).toBe(200); // Redis has the scripts cached now
    redis.pause();
    const started = performance.now();
    const res = await hooks.handle(provenRequest("ex-slow"));
    const took = performance.now() - started;
    expect(res.status).toBe(503);
    expect(codeOf(res)).toBe("STORE_UNAVAILABLE");
    expect(took).toBeGreaterThanOrEqual(900); // the 1 s commandTimeout
    expect(took).toBeLessThan(2000);
    expect(handler).toHaveBeenCalledTimes(1); // ex-before only
    redis.resume();
    // Another event goes straight through.
    expect((await hooks.handle(provenRequest("ex-other"))).status).toBe(200);
    // The timed-out claim was already on the wire and ran when Redis woke up: its lease holds the
    // event for leaseMs (409, nothing runs), then the sender's retry is processed.
    // The timed-out claim was already on the wire and ran when Redis woke up; the store sent an
    // undo right behind it, so no orphan lease holds the event: the sender's retry is processed.
    expect(await hooks.handle(provenRequest("ex-slow"))).toMatchObject({ status: 200, body: RECEIVED });
    expect(handler).toHaveBeenCalledTimes(3); // ex-before, ex-other and ex-slow, once each
    console.info(`[redis] Redis stalled (SIGSTOP): 503 STORE_UNAVAILABLE after ${took.toFixed(0)} ms; the first retry after SIGCONT was processed`);
  });

  it("lets the failure sink reject at once while Redis is stopped, and work again once it is back", async () => {
    const failures = createRedisFailureSink({ url: redis.url, keyPrefix: `faultsink${Date.now()}:` });
    await failures.ready();
    try {
      await redis.stop();
      const started = performance.now();
      await expect(failures.list()).rejects.toThrow();
      await expect(failures.get("proven:acme:x")).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(1500);
      await redis.start();
      await failures.ready();
      expect(await failures.list()).toEqual([]);
    } finally {
      await failures.close();
    }
  });

  it("starts with Redis unreachable, answers 503, and processes once Redis comes up", async () => {
    await redis.stop();
    const { hooks, handler } = await setup({ waitReady: false });
    const res = await hooks.handle(provenRequest("ex-late"));
    expect(res.status).toBe(503);
    expect(codeOf(res)).toBe("STORE_UNAVAILABLE");
    expect(handler).not.toHaveBeenCalled();
    await redis.start();
    await deliverUntil200(hooks, "ex-late");
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

/** Redelivers like a sender until a 2xx (at most 15 s); only 503 and 409 are acceptable meanwhile. Returns the ms it took. */
async function deliverUntil200(hooks: ReturnType<typeof createWebhooks>, ex: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    const res = await hooks.handle(provenRequest(ex));
    if (res.status === 200) return Math.round(performance.now() - started);
    expect([503, 409]).toContain(res.status);
    if (performance.now() - started > 15_000) throw new Error(`still ${res.status} after 15 s`);
    await sleep(100);
  }
}

async function isUp(redis: RedisServer): Promise<boolean> {
  const { createConnection } = await import("node:net");
  return new Promise((resolve) => {
    const socket = createConnection({ port: redis.port, host: "127.0.0.1" });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

