import { Redis } from "ioredis";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { LruDedupeStore, type ClaimResult, type DedupeStore } from "@credhooks/core";
import { RECOMMENDED_REDIS_OPTIONS, RedisDedupeStore, createRedisClient, createRedisStore } from "@credhooks/redis";
import { describeWithRedis, startRedisServer, type RedisServer } from "./support/redis-server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const claimed = (result: ClaimResult) => {
  if (result.status !== "claimed") throw new Error(`expected a claim, got ${result.status}`);
  return result;
};

describeWithRedis("RedisDedupeStore scripts on a real Redis", () => {
  let redis: RedisServer;
  let raw: Redis; // an independent client, to look at what the scripts wrote
  let store: RedisDedupeStore;
  let n = 0;
  let key: string; // a fresh dedupe key per test

  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.url);
    store = createRedisStore({ url: redis.url });
    await store.ready();
  });
  afterAll(async () => {
    await store?.close();
    raw?.disconnect();
    await redis?.stop();
  });
  afterEach(() => {
    key = `proven:acme:test-${++n}`;
  });
  key = `proven:acme:test-0`;

  it("moves an event from claimed (in-flight to everyone else) to done, and keeps done for the done TTL only", async () => {
    const claim = claimed(await store.claim(key, 5000));
    expect(claim.token).toMatch(/^[\w-]{12}$/);
    expect([...claim.succeeded]).toEqual([]);
    expect(await store.claim(key, 5000)).toEqual({ status: "in-flight" });
    expect(await raw.pttl(store.redisKey(key))).toBeGreaterThan(4000);
    await store.complete(key, claim.token, 300);
    expect(await store.claim(key, 5000)).toEqual({ status: "done" });
    // The done marker is the smallest value Redis stores, with the done TTL.
    expect(await raw.get(store.redisKey(key))).toBe("1");
    const pttl = await raw.pttl(store.redisKey(key));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(300);
    await sleep(350);
    expect((await store.claim(key, 5000)).status).toBe("claimed");
  });

  it("lets a lease expire: a crashed holder (no renew, no settle) leaves nothing behind", async () => {
    claimed(await store.claim(key, 150));
    expect((await store.claim(key, 150)).status).toBe("in-flight");
    await sleep(200);
    expect(await raw.exists(store.redisKey(key))).toBe(0);
    expect((await store.claim(key, 150)).status).toBe("claimed");
  });

  it("keeps the lease alive while it is renewed, and reports a lost claim", async () => {
    const claim = claimed(await store.claim(key, 400));
    for (let i = 0; i < 5; i++) {
      await sleep(150);
      expect(await store.renew(key, claim.token, 400)).toBe(true);
    }
    expect((await store.claim(key, 400)).status).toBe("in-flight"); // 750 ms after a 400 ms lease
    await sleep(450);
    expect(await store.renew(key, claim.token, 400)).toBe(false); // expired and gone
  });

  it("ignores every settlement by a stale owner whose lease expired and was taken over", async () => {
    const stale = claimed(await store.claim(key, 100));
    await sleep(150);
    const fresh = claimed(await store.claim(key, 5000));
    expect(fresh.token).not.toBe(stale.token);
    expect(await store.renew(key, stale.token, 5000)).toBe(false);
    await store.handlerSucceeded(key, stale.token, "a#0", 60_000);
    await store.complete(key, stale.token, 60_000);
    await store.release(key, stale.token, 60_000);
    expect(await store.claim(key, 5000)).toEqual({ status: "in-flight" });
    expect(await raw.hget(store.redisKey(key), "t")).toBe(fresh.token);
    expect(await raw.hexists(store.redisKey(key), "h:a#0")).toBe(0);
    expect(await store.renew(key, fresh.token, 5000)).toBe(true);
    await store.complete(key, fresh.token, 60_000);
    expect(await store.claim(key, 5000)).toEqual({ status: "done" });
  });

  it("keeps handler successes across a release (for the given TTL), so the next claim skips them", async () => {
    const first = claimed(await store.claim(key, 5000));
    await store.handlerSucceeded(key, first.token, "credentials:done#0", 60_000);
    await store.handlerSucceeded(key, first.token, "audit", 60_000);
    expect(await raw.pttl(store.redisKey(key))).toBeGreaterThan(59_000); // a success outlives the lease
    await store.release(key, first.token, 30_000);
    const stored = await raw.hgetall(store.redisKey(key));
    expect(stored).toEqual({ "h:credentials:done#0": "1", "h:audit": "1" }); // lease gone, successes kept
    const pttl = await raw.pttl(store.redisKey(key));
    expect(pttl).toBeGreaterThan(29_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
    const second = claimed(await store.claim(key, 5000));
    expect([...second.succeeded].sort()).toEqual(["audit", "credentials:done#0"]);
    expect(await raw.pttl(store.redisKey(key))).toBeGreaterThan(29_000); // a claim never shortens the entry's life
  });

  it("deletes the entry on a release without any success, so the redelivery starts clean", async () => {
    const claim = claimed(await store.claim(key, 5000));
    await store.release(key, claim.token, 60_000);
    expect(await raw.exists(store.redisKey(key))).toBe(0);
    expect([...claimed(await store.claim(key, 5000)).succeeded]).toEqual([]);
  });

  it("hands a crashed holder's successes to the next claim once its lease expired", async () => {
    const crashed = claimed(await store.claim(key, 100));
    await store.handlerSucceeded(key, crashed.token, "a#0", 60_000);
    expect((await store.claim(key, 100)).status).toBe("in-flight");
    await sleep(150);
    const next = claimed(await store.claim(key, 100));
    expect([...next.succeeded]).toEqual(["a#0"]);
    await store.complete(key, crashed.token, 60_000); // the crashed holder coming back late changes nothing
    expect((await store.claim(key, 100)).status).toBe("in-flight");
  });

  it("gives exactly one of 200 concurrent claims from 4 clients", async () => {
    const stores = Array.from({ length: 4 }, () => new RedisDedupeStore({ client: createRedisClient({ url: redis.url }) }));
    try {
      await Promise.all(stores.map((s) => s.ready()));
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => stores[i % 4]!.claim(key, 5000)));
      expect(results.filter((r) => r.status === "claimed")).toHaveLength(1);
      expect(results.filter((r) => r.status === "in-flight")).toHaveLength(199);
    } finally {
      for (const s of stores) s.client.disconnect();
    }
  });

  it("keeps short keys readable, hashes long ones to a fixed length, and honours the key prefix", async () => {
    expect(store.redisKey("proven:acme:e1")).toBe("credhooks:d:proven:acme:e1");
    const long = "proven:acme:credentials:done:794657e2-187e-4642-b5f2-77dd27138a49:done:2025-03-13T22:15:02.479961Z";
    expect(store.redisKey(long)).toMatch(/^credhooks:d:#[\w-]{22}$/);
    expect(store.redisKey(long + "x")).not.toBe(store.redisKey(long));
    expect(store.redisKey("#short")).toMatch(/^credhooks:d:#[\w-]{22}$/); // cannot collide with a hashed key
    const other = new RedisDedupeStore({ client: store.client, keyPrefix: "app2:" });
    expect(other.redisKey("proven:acme:e1")).toBe("app2:d:proven:acme:e1");
    const claim = claimed(await store.claim(long, 5000));
    expect(await raw.exists(store.redisKey(long))).toBe(1);
    expect((await other.claim(long, 5000)).status).toBe("claimed"); // separate prefixes, separate claims
    await store.complete(long, claim.token, 60_000);
    expect((await store.claim(long, 5000)).status).toBe("done");
  });

  it("refuses a key of another type under its prefix with a clear error", async () => {
    await raw.lpush(store.redisKey(key), "x");
    await expect(store.claim(key, 5000)).rejects.toThrow(/holds a list, not a dedupe entry/);
  });

  it("still works after Redis forgot its scripts (SCRIPT FLUSH, as after a restart)", async () => {
    await raw.script("FLUSH");
    const claim = claimed(await store.claim(key, 5000));
    await raw.script("FLUSH");
    await store.complete(key, claim.token, 60_000);
    expect((await store.claim(key, 5000)).status).toBe("done");
  });

  it("rejects non-finite TTLs instead of writing a key that never expires", async () => {
    await expect(store.claim(key, Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
  });

  it("behaves like LruDedupeStore for any sequence of operations (model-based, no expiry)", async () => {
    type Op =
      | { kind: "claim" }
      | { kind: "renew" | "complete" | "release"; claim: number }
      | { kind: "succeeded"; claim: number; handler: string };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant({ kind: "claim" as const }),
      fc.record({ kind: fc.constantFrom("renew" as const, "complete" as const, "release" as const), claim: fc.nat(2) }),
      fc.record({ kind: fc.constant("succeeded" as const), claim: fc.nat(2), handler: fc.constantFrom("a", "b", "c") }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 4, maxLength: 24, size: "max" }), async (ops) => {
        const k = `model:${++run}`;
        const lru = new LruDedupeStore();
        const both: Array<[DedupeStore, string[]]> = [[lru, []], [store, []]];
        for (const o of ops) {
          const outcomes: unknown[] = [];
          for (const [s, tokens] of both) {
            if (o.kind === "claim") {
              const r = await s.claim(k, 60_000);
              if (r.status === "claimed") tokens.push(r.token);
              outcomes.push(r.status === "claimed" ? ["claimed", [...r.succeeded].sort()] : r.status);
              continue;
            }
            const token = tokens[o.claim] ?? "never-issued";
            if (o.kind === "succeeded") await s.handlerSucceeded(k, token, o.handler, 60_000);
            else if (o.kind === "renew") outcomes.push(await s.renew(k, token, 60_000));
            else if (o.kind === "complete") await s.complete(k, token, 60_000);
            else await s.release(k, token, 60_000);
          }
          expect(outcomes[1]).toEqual(outcomes[0]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("costs about 150 bytes of Redis memory per done event (the README's figure)", async () => {
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await raw.info("memory"))![1]);
    const count = 10_000;
    // A typical Proven key (longer than 64 characters, so stored hashed).
    const keyOf = (i: number) => `proven:acme:credentials:done:794657e2-187e-4642-b5f2-${String(i).padStart(12, "0")}:done:2025-03-13T22:15:02.479961Z`;
    const before = await usedMemory();
    for (let batch = 0; batch < count; batch += 500) {
      await Promise.all(
        Array.from({ length: 500 }, async (_, j) => {
          const claim = claimed(await store.claim(keyOf(batch + j), 30_000));
          await store.complete(keyOf(batch + j), claim.token, 48 * 3600_000);
        }),
      );
    }
    const perEvent = ((await usedMemory()) - before) / count;
    expect(perEvent).toBeGreaterThan(50);
    expect(perEvent).toBeLessThan(200);
    console.info(`[redis] memory per done event: ${perEvent.toFixed(0)} bytes (used_memory over ${count} events; MEMORY USAGE of one key: ${await raw.memory("USAGE", store.redisKey(keyOf(0)))} bytes)`);
  });

  it("documents its fail-fast client options", () => {
    expect(RECOMMENDED_REDIS_OPTIONS).toMatchObject({ enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000 });
    expect(RECOMMENDED_REDIS_OPTIONS.retryStrategy(100)).toBe(2000); // never null: reconnect forever
  });
});
