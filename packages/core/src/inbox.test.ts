import { describe, expect, it, vi } from "vitest";
import { stageProvider } from "../test/stage-context.js";
import { createWebhooks } from "./create-webhooks.js";
import type { DedupeStore } from "./dedupe-store.js";
import { WebhookError } from "./errors.js";
import { MemoryFailureSink } from "./failure-sink.js";
import { LruDedupeStore } from "./lru-dedupe-store.js";
import type { WebhookRequest } from "./types.js";

// The inbox, recovery, shutdown and leases of the receiver, with the in-process store and an
// injected clock: every expiry below is a clock move, not a sleep.

// The test provider of the stages' tests, as a sender that never redelivers unless told.
const provider = (overrides: Parameters<typeof stageProvider>[0] = {}) => stageProvider({ retries: false, ...overrides });
const created = (id = "e1", name = "n"): WebhookRequest => ({
  method: "POST",
  path: "/",
  originalUrl: "/events/t1/test",
  headers: { "content-type": "application/json", "x-key": "k" },
  params: { tenantId: "t1" },
  body: Buffer.from(JSON.stringify({ type: "thing.created", id, data: { name } })),
});
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}
const deferred = <T = void>() => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

describe("the inbox", () => {
  it("retries a failed event of a sender that never redelivers, then marks it done", async () => {
    const store = new LruDedupeStore();
    const hooks = createWebhooks({ provider: provider(), store, recovery: { backoffMs: () => 0, automatic: false } });
    let fail = true;
    const handler = vi.fn((_event: unknown) => {
      if (fail) throw new Error("downstream 502");
    });
    hooks.on("thing.created", handler);
    const res = await hooks.handle(created());
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body).error.message).toContain("credhooks keeps it and runs the failed handlers again");
    expect(JSON.parse(res.body).error.message).not.toContain("redelivery");
    expect(await hooks.failures.list()).toEqual([]);
    expect(store.inboxSize("test")).toBe(1);
    fail = false;
    expect(await hooks.recover()).toEqual({ claimed: 1, recovered: 1, failed: 0, deadLettered: 0 });
    expect(handler).toHaveBeenCalledTimes(2);
    expect(handler.mock.calls[1]![0]).toMatchObject({ name: "thing.created", tenantId: "t1", id: "e1", payload: { name: "n" } });
    expect(store.inboxSize("test")).toBe(0);
    expect(JSON.parse((await hooks.handle(created())).body)).toEqual({ received: true, duplicate: true });
    await hooks.close();
  });

  it("waits for the backoff, then moves the event to the failure sink after maxAttempts, with the count", async () => {
    const time = clock();
    const store = new LruDedupeStore({ now: time.now });
    const hooks = createWebhooks({ provider: provider(), store, recovery: { maxAttempts: 3, backoffMs: (attempt) => attempt * 1000, automatic: false } });
    const handler = vi.fn(() => {
      throw new Error("always fails");
    });
    hooks.on("thing.created", handler);
    expect((await hooks.handle(created())).status).toBe(500);
    expect((await hooks.recover()).claimed).toBe(0); // not due before its backoff
    time.advance(1000);
    expect(await hooks.recover()).toMatchObject({ claimed: 1, failed: 1 });
    time.advance(1999);
    expect((await hooks.recover()).claimed).toBe(0);
    time.advance(1);
    expect(await hooks.recover()).toMatchObject({ claimed: 1, deadLettered: 1 });
    expect(handler).toHaveBeenCalledTimes(3);
    expect(store.inboxSize("test")).toBe(0);
    const [entry] = await hooks.failures.list();
    expect(entry).toMatchObject({ key: "test:t1:e1", reason: "handler-failed", attempts: 3, payload: { name: "n" } });
    expect(entry!.error).toContain("always fails");
    await hooks.close();
  });

  it("recovers an event whose process stopped mid-handler, on another instance, once its lease ran out", async () => {
    const time = clock();
    const store = new LruDedupeStore({ now: time.now });
    const options = { provider: provider(), store, leaseMs: 30_000, recovery: { automatic: false } } as const;
    const dying = createWebhooks(options);
    const started = deferred();
    dying.on("thing.created", () => {
      started.resolve();
      return new Promise(() => {}); // never finishes: the process "dies" here
    });
    void dying.handle(created("e7"));
    await started.promise;
    await dying.close({ timeoutMs: 0 }); // stops renewing, as a killed process would
    const survivor = createWebhooks(options);
    const ran = vi.fn();
    survivor.on("thing.created", ran);
    expect((await survivor.recover()).claimed).toBe(0); // the lease still lives
    expect((await survivor.handle(created("e7"))).status).toBe(409);
    time.advance(30_001);
    expect(await survivor.recover()).toMatchObject({ claimed: 1, recovered: 1 });
    expect(ran).toHaveBeenCalledOnce();
    expect(ran.mock.calls[0]![0]).toMatchObject({ id: "e7", payload: { name: "n" } });
    await survivor.close();
  });

  it("runs only the handlers that had not succeeded when recovering", async () => {
    const store = new LruDedupeStore();
    const hooks = createWebhooks({ provider: provider(), store, recovery: { backoffMs: () => 0, automatic: false } });
    const first = vi.fn();
    let fail = true;
    const second = vi.fn(() => {
      if (fail) throw new Error("second failed");
    });
    hooks.on("thing.created", first, { id: "first" }).on("thing.created", second, { id: "second" });
    expect((await hooks.handle(created())).status).toBe(500);
    fail = false;
    await hooks.recover();
    expect(first).toHaveBeenCalledOnce();
    expect(second).toHaveBeenCalledTimes(2);
    await hooks.close();
  });

  it("never runs one event's handlers concurrently when many instances recover at once", async () => {
    const store = new LruDedupeStore();
    const instances = Array.from({ length: 4 }, () => createWebhooks({ provider: provider(), store, recovery: { backoffMs: () => 0, automatic: false } }));
    let running = 0;
    let most = 0;
    const runs = new Map<string, number>();
    let failFirst = true;
    for (const hooks of instances) {
      hooks.on("thing.created", async (event) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
        if (failFirst) throw new Error("first attempt fails");
      });
    }
    for (let i = 0; i < 20; i++) expect((await instances[0]!.handle(created(`e${i}`))).status).toBe(500);
    failFirst = false;
    running = most = 0;
    runs.clear();
    const summaries = await Promise.all(instances.map((hooks) => hooks.recover()));
    expect(summaries.reduce((sum, s) => sum + s.recovered, 0)).toBe(20);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(runs.size).toBe(20);
    await Promise.all(instances.map((hooks) => hooks.close()));
  });

  it("moves a recovered event whose record no longer validates to the failure sink", async () => {
    const store = new LruDedupeStore();
    const hooks = createWebhooks({ provider: provider(), store, recovery: { automatic: false } });
    hooks.on("thing.created", () => {});
    store.claim("test:t1:bad", 1, { queue: "test", record: JSON.stringify({ v: 1, tenantId: "t1", name: "thing.created", dedupeId: "bad", payload: { name: 42 }, raw: {}, receivedAt: 0 }) });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await hooks.recover()).toMatchObject({ claimed: 1, deadLettered: 1 });
    expect((await hooks.failures.list())[0]).toMatchObject({ key: "test:t1:bad", reason: "invalid-payload" });
    await hooks.close();
  });

  it('acknowledges on storing with acknowledge: "when-stored", whatever the sender, and runs handlers after', async () => {
    const store = new LruDedupeStore();
    const hooks = createWebhooks({ provider: provider({ retries: true }), store, acknowledge: "when-stored", recovery: { automatic: false } });
    const gate = deferred();
    const ran = vi.fn();
    hooks.on("thing.created", async (event) => {
      await gate.promise;
      ran(event.id);
    });
    const res = await hooks.handle(created());
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body)).toEqual({ received: true, pending: true });
    expect(ran).not.toHaveBeenCalled();
    expect(store.inboxSize("test")).toBe(1);
    gate.resolve();
    await vi.waitFor(() => expect(ran).toHaveBeenCalledWith("e1"));
    await vi.waitFor(() => expect(store.inboxSize("test")).toBe(0));
    await hooks.close();
  });

  it("refuses acknowledge: \"when-stored\" with a store that has no inbox", () => {
    const plain: DedupeStore = { claim: () => ({ status: "done" }), renew: () => true, handlerSucceeded() {}, complete() {}, release() {} };
    expect(() => createWebhooks({ provider: provider(), store: plain, acknowledge: "when-stored" })).toThrow(/needs a store with an inbox/);
  });
});

describe("the response deadline", () => {
  it("counts from the request's arrival, not from the claim", async () => {
    const inner = new LruDedupeStore();
    // A claim that takes longer than the whole deadline: the answer must not wait another deadline after it.
    const slow: DedupeStore = {
      claim: async (key, leaseMs, inbox) => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        return inner.claim(key, leaseMs, inbox);
      },
      renew: (...a) => inner.renew(...a),
      handlerSucceeded: (...a) => inner.handlerSucceeded(...a),
      complete: (...a) => inner.complete(...a),
      release: (...a) => inner.release(...a),
      claimDue: (...a) => inner.claimDue(...a),
    };
    const hooks = createWebhooks({ provider: provider({ retries: true, responseDeadlineMs: 100 }), store: slow, recovery: false });
    const finished = vi.fn();
    hooks.on("thing.created", async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      finished();
    });
    const res = await hooks.handle(created());
    expect(res.status).toBe(202); // counted from the claim, 50 ms of handler would have fit in 100 ms
    await vi.waitFor(() => expect(finished).toHaveBeenCalled());
    await hooks.close();
  });
});

describe("close()", () => {
  it("refuses new deliveries with 503 SHUTTING_DOWN, aborts running handlers' signal and waits for them", async () => {
    const store = new LruDedupeStore();
    const hooks = createWebhooks({ provider: provider(), store, recovery: { automatic: false } });
    const started = deferred();
    let sawAbort: unknown;
    hooks.on("thing.created", async (event) => {
      started.resolve();
      await new Promise<void>((resolve) => event.signal.addEventListener("abort", () => resolve(), { once: true }));
      sawAbort = event.signal.reason;
      throw event.signal.reason;
    });
    const pending = hooks.handle(created());
    await started.promise;
    const result = await hooks.close({ timeoutMs: 5_000 });
    expect(result).toEqual({ settled: 1, unfinished: 0 });
    expect(sawAbort).toBeInstanceOf(WebhookError);
    const answer = await pending;
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body).error.code).toBe("SHUTTING_DOWN");
    // Left in the inbox, due at once, for recovery by another instance or the next start.
    expect(store.inboxSize("test")).toBe(1);
    expect(store.claimDue("test", 1000, 10)).toHaveLength(1);
    const refused = await hooks.handle(created("e2"));
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBeDefined();
    expect(JSON.parse(refused.body).error.code).toBe("SHUTTING_DOWN");
  });

  it("gives up waiting at the timeout and reports the unfinished events", async () => {
    const hooks = createWebhooks({ provider: provider(), recovery: false });
    const started = deferred();
    hooks.on("thing.created", () => {
      started.resolve();
      return new Promise(() => {});
    });
    void hooks.handle(created());
    await started.promise;
    expect(await hooks.close({ timeoutMs: 20 })).toEqual({ settled: 0, unfinished: 1 });
  });
});

describe("leases", () => {
  it("aborts the handlers and does not mark the event done when the lease is lost", async () => {
    const inner = new LruDedupeStore();
    const complete = vi.fn();
    const lossy: DedupeStore = {
      claim: (...a) => inner.claim(...a),
      renew: () => false, // another owner took the event
      handlerSucceeded: (...a) => inner.handlerSucceeded(...a),
      complete,
      release: (...a) => inner.release(...a),
    };
    const hooks = createWebhooks({ provider: provider({ retries: true }), store: lossy, leaseMs: 20, recovery: false });
    let reason: unknown;
    hooks.on("thing.created", async (event) => {
      await new Promise<void>((resolve) => event.signal.addEventListener("abort", () => resolve(), { once: true }));
      reason = event.signal.reason;
    });
    const res = await hooks.handle(created());
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe("LEASE_LOST");
    expect((reason as WebhookError).code).toBe("LEASE_LOST");
    expect(complete).not.toHaveBeenCalled();
  });

  it("loses the lease once renewals have failed until it ran out", async () => {
    const inner = new LruDedupeStore();
    const lossy: DedupeStore = {
      claim: (...a) => inner.claim(...a),
      renew: () => {
        throw new Error("store unreachable");
      },
      handlerSucceeded: (...a) => inner.handlerSucceeded(...a),
      complete: (...a) => inner.complete(...a),
      release: (...a) => inner.release(...a),
    };
    const hooks = createWebhooks({ provider: provider({ retries: true }), store: lossy, leaseMs: 30, recovery: false });
    hooks.on("thing.created", (event) => new Promise<void>((resolve) => event.signal.addEventListener("abort", () => resolve(), { once: true })));
    const res = await hooks.handle(created());
    expect(JSON.parse(res.body).error.code).toBe("LEASE_LOST");
  });
});

describe("nothing lost when the stores fail", () => {
  it("answers non-2xx to a sender that never redelivers when both the store and the failure sink are down", async () => {
    const down = (): never => {
      throw new Error("down");
    };
    const store: DedupeStore = { claim: down, renew: down, handlerSucceeded: down, complete: down, release: down, claimDue: down };
    const failures = { put: down, get: down, list: down, delete: down };
    const hooks = createWebhooks({ provider: provider(), store, failures, recovery: false });
    hooks.on("thing.created", () => {});
    const res = await hooks.handle(created());
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe("STORE_UNAVAILABLE");
  });

  it("warns once at creation in production when a sender that never redelivers is kept only in memory", () => {
    const warn = vi.fn();
    const logger = { warn, error: vi.fn(), info: vi.fn(), debug: vi.fn() };
    vi.stubEnv("NODE_ENV", "production");
    try {
      createWebhooks({ provider: provider(), logger, recovery: false });
      createWebhooks({ provider: provider({ retries: true }), logger, recovery: false });
    } finally {
      vi.unstubAllEnvs();
    }
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]![1]).toMatch(/never redelivers.*in memory.*@credhooks\/sqlite/);
  });
});

describe("replay with a shared failure sink", () => {
  it("replays only its own provider's entries", async () => {
    const failures = new MemoryFailureSink();
    const a = createWebhooks({ provider: provider(), failures, recovery: { maxAttempts: 1 } });
    const b = createWebhooks({ provider: provider({ id: "other" }), failures, recovery: { maxAttempts: 1 } });
    a.on("thing.created", () => {
      throw new Error("a fails");
    });
    b.on("thing.created", () => {});
    await a.handle(created());
    expect(await b.replayAll()).toEqual([]);
    expect(await b.replay("test:t1:e1")).toEqual({ key: "test:t1:e1", status: "not-found" });
    expect(await failures.list()).toHaveLength(1);
  });
});

describe("transactional handlers", () => {
  it("refuses { transactional: true } with a store that has no transactions", () => {
    const hooks = createWebhooks({ provider: provider(), recovery: false });
    expect(() => hooks.on("thing.created", () => {}, { transactional: true })).toThrow(/needs a store that runs handlers in its transactions/);
  });

  it("runs a transactional handler through the store's runInTransaction, with the transaction on the event", async () => {
    const inner = new LruDedupeStore();
    const committed: string[] = [];
    const store: DedupeStore = {
      claim: (...a) => inner.claim(...a),
      renew: (...a) => inner.renew(...a),
      handlerSucceeded: (...a) => inner.handlerSucceeded(...a),
      complete: (...a) => inner.complete(...a),
      release: (...a) => inner.release(...a),
      async runInTransaction(key, token, handlerId, ttlMs, fn) {
        const tx = { writes: [] as string[] };
        await fn(tx); // a throw here is a rollback: nothing committed
        committed.push(...tx.writes);
        inner.handlerSucceeded(key, token, handlerId, ttlMs);
      },
    };
    const hooks = createWebhooks({ provider: provider({ retries: true }), store, recovery: false });
    let fail = true;
    hooks.on(
      "thing.created",
      (event) => {
        (event.transaction as { writes: string[] }).writes.push(event.id);
        if (fail) throw new Error("rolled back");
      },
      { transactional: true, id: "save" },
    );
    const other = vi.fn();
    hooks.on("thing.created", other, { id: "other" });
    expect((await hooks.handle(created())).status).toBe(500);
    expect(committed).toEqual([]);
    fail = false;
    expect((await hooks.handle(created())).status).toBe(200);
    expect(committed).toEqual(["e1"]);
    expect(other).toHaveBeenCalledOnce(); // succeeded the first time: not run again
  });
});
