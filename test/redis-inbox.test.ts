import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { ClaimResult, DedupeStore } from "@credhooks/core";
import { FailureDecryptionError, RedisDedupeStore, createRedisClient, createRedisStore } from "@credhooks/redis";
import { dedupeScripts } from "../packages/redis/src/dedupe-scripts.js";
import { describeWithRedis, startRedisServer, type RedisServer } from "./support/redis-server.js";

// The inbox part of the DedupeStore contract on a real Redis: entries written with their
// claim, taken back by claimDue once their lease expired or their retry time came.
// Leases are short (150–300 ms) and waits poll against a deadline, so a loaded machine
// makes the tests slower, not flaky.

type DueEntry = Awaited<ReturnType<NonNullable<DedupeStore["claimDue"]>>>[number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const claimed = (result: ClaimResult) => {
  if (result.status !== "claimed") throw new Error(`expected a claim, got ${result.status}`);
  return result;
};

/** Polls `claimDue` until it returns something (or the deadline passes). */
async function claimDueWithin(store: RedisDedupeStore, queue: string, leaseMs: number, limit: number, deadlineMs = 10_000): Promise<readonly DueEntry[]> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const due = await store.claimDue(queue, leaseMs, limit);
    if (due.length > 0 || Date.now() > deadline) return due;
    await sleep(20);
  }
}

describeWithRedis("RedisDedupeStore inbox on a real Redis", () => {
  let redis: RedisServer;
  let raw: Redis; // an independent client, to look at what the scripts wrote
  let store: RedisDedupeStore;
  let n = 0;
  let key: string; // a fresh dedupe key per test
  let queue: string; // a fresh queue per test

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
    n++;
    key = `lissi:acme:inbox-${n}`;
    queue = `q${n}`;
  });
  key = "lissi:acme:inbox-0";
  queue = "q0";

  it("is durable", () => {
    expect(store.durable).toBe(true);
    expect(store.encrypted).toBe(false);
  });

  it("keeps a claimed entry out of claimDue while its lease lives and hands it over once it expired", async () => {
    const record = JSON.stringify({ name: "credential.issued", payload: { secret: "s3cr3t", n: [1, 2] } });
    const started = Date.now();
    const first = claimed(await store.claim(key, 300, { queue, record }));
    expect(first.attempts).toBe(1);
    expect(await store.inboxSize(queue)).toBe(1);
    // The entry never expires by itself while it is in the inbox.
    expect(await raw.pttl(store.redisKey(key))).toBe(-1);
    expect(await raw.zscore(store.inboxRedisKey(queue), store.redisKey(key))).not.toBeNull();
    // While the lease lives nothing is due (checked only if this machine was quick enough
    // to ask within the lease); afterwards claimDue hands it over.
    const early = await store.claimDue(queue, 5000, 10);
    if (Date.now() - started < 280) expect(early).toEqual([]);

    const due = early.length > 0 ? early : await claimDueWithin(store, queue, 5000, 10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(due).toHaveLength(1);
    const entry = due[0]!;
    expect(entry.key).toBe(key);
    expect(entry.record).toBe(record); // the record round-trips byte for byte
    expect(entry.attempts).toBe(2);
    expect(entry.token).not.toBe(first.token);
    expect([...entry.succeeded]).toEqual([]);
    // Claimed again: in flight for everyone, not due again, and the old holder is out.
    expect(await store.claimDue(queue, 5000, 10)).toEqual([]);
    expect((await store.claim(key, 5000)).status).toBe("in-flight");
    expect(await store.renew(key, first.token, 5000)).toBe(false);
    expect(await store.renew(key, entry.token, 5000)).toBe(true);
    await store.complete(key, entry.token, 60_000);
    expect(await store.inboxSize(queue)).toBe(0);
  });

  it("counts attempts across claims, claimDue and claims without a record, and keeps successes", async () => {
    const record = "{}";
    const a = claimed(await store.claim(key, 150, { queue, record }));
    expect(a.attempts).toBe(1);
    await store.handlerSucceeded(key, a.token, "audit", 60_000);
    expect(await raw.pttl(store.redisKey(key))).toBe(-1); // a success does not give an inbox entry a TTL
    const b = (await claimDueWithin(store, queue, 150, 10))[0]!;
    expect(b.attempts).toBe(2);
    expect([...b.succeeded]).toEqual(["audit"]);
    await sleep(200);
    // A redelivery claims without a record: the entry stays in the inbox, due at the new lease end.
    const c = claimed(await store.claim(key, 5000));
    expect(c.attempts).toBe(3);
    expect([...c.succeeded]).toEqual(["audit"]);
    expect(await store.inboxSize(queue)).toBe(1);
    const score = Number(await raw.zscore(store.inboxRedisKey(queue), store.redisKey(key)));
    const [seconds, micros] = await raw.time();
    expect(score - (Number(seconds) * 1000 + Math.floor(Number(micros) / 1000))).toBeGreaterThan(4000);
    expect(await raw.pttl(store.redisKey(key))).toBe(-1);
    // And the record written with the first claim is still there.
    await store.release(key, c.token, 60_000, 0);
    const d = (await claimDueWithin(store, queue, 5000, 10))[0]!;
    expect(d).toMatchObject({ key, record, attempts: 4 });
  });

  it("reports attempts 0 for an entry claimed without an inbox record", async () => {
    const claim = claimed(await store.claim(key, 5000));
    expect(claim.attempts).toBe(0);
    expect(await raw.pttl(store.redisKey(key))).toBeGreaterThan(0);
    await store.release(key, claim.token, 60_000);
  });

  it("renew moves the due time to the new lease end", async () => {
    const claim = claimed(await store.claim(key, 300, { queue, record: "r" }));
    const scoreOf = async () => Number(await raw.zscore(store.inboxRedisKey(queue), store.redisKey(key)));
    const before = await scoreOf();
    expect(await store.renew(key, claim.token, 10_000)).toBe(true);
    expect((await scoreOf()) - before).toBeGreaterThan(9000);
    await sleep(400);
    expect(await store.claimDue(queue, 5000, 10)).toEqual([]); // the first lease is over, the renewed one lives
    expect(await raw.pttl(store.redisKey(key))).toBe(-1);
  });

  it("release with a retry delay keeps the entry (record, successes, attempts) and makes it due after the delay, not before", async () => {
    const record = JSON.stringify({ id: "e1" });
    const claim = claimed(await store.claim(key, 5000, { queue, record }));
    await store.handlerSucceeded(key, claim.token, "save", 60_000);
    const released = Date.now();
    await store.release(key, claim.token, 60_000, 300);
    expect(await raw.pttl(store.redisKey(key))).toBe(-1);
    expect(await raw.hexists(store.redisKey(key), "t")).toBe(0); // the lease is dropped
    const early = await store.claimDue(queue, 5000, 10);
    if (Date.now() - released < 250) expect(early).toEqual([]);
    const due = await claimDueWithin(store, queue, 5000, 10);
    expect(Date.now() - released).toBeGreaterThanOrEqual(290);
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ key, record, attempts: 2 });
    expect([...due[0]!.succeeded]).toEqual(["save"]);
  });

  it("a redelivery may claim an entry waiting for its retry (no live lease) before claimDue does", async () => {
    const claim = claimed(await store.claim(key, 5000, { queue, record: "r" }));
    await store.release(key, claim.token, 60_000, 60_000);
    const again = claimed(await store.claim(key, 5000));
    expect(again.attempts).toBe(2);
    expect(await store.inboxSize(queue)).toBe(1);
    await store.complete(key, again.token, 60_000);
    expect(await store.inboxSize(queue)).toBe(0);
  });

  it("release without a retry delay takes the entry out of the inbox and keeps its successes for the TTL", async () => {
    const claim = claimed(await store.claim(key, 5000, { queue, record: "r" }));
    await store.handlerSucceeded(key, claim.token, "save", 60_000);
    await store.release(key, claim.token, 30_000);
    expect(await store.inboxSize(queue)).toBe(0);
    expect(await raw.hgetall(store.redisKey(key))).toEqual({ "h:save": "1" }); // record and inbox fields dropped
    const pttl = await raw.pttl(store.redisKey(key));
    expect(pttl).toBeGreaterThan(29_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
    const next = claimed(await store.claim(key, 5000));
    expect([...next.succeeded]).toEqual(["save"]);
    expect(next.attempts).toBe(0); // no longer an inbox entry
    await store.release(key, next.token, 30_000);
    // Without successes, a release deletes the entry.
    const other = `${key}:b`;
    const bare = claimed(await store.claim(other, 5000, { queue, record: "r" }));
    await store.release(other, bare.token, 30_000);
    expect(await raw.exists(store.redisKey(other))).toBe(0);
    expect(await store.inboxSize(queue)).toBe(0);
  });

  it("complete drops the record and leaves the inbox; later claims are done", async () => {
    const claim = claimed(await store.claim(key, 150, { queue, record: "secret" }));
    await store.complete(key, claim.token, 60_000);
    expect(await store.inboxSize(queue)).toBe(0);
    expect(await raw.get(store.redisKey(key))).toBe("1");
    expect(await store.claim(key, 5000, { queue, record: "secret" })).toEqual({ status: "done" });
    expect(await store.inboxSize(queue)).toBe(0); // a failed claim writes nothing
    await sleep(200);
    expect(await store.claimDue(queue, 5000, 10)).toEqual([]);
  });

  it("ignores settlements by a holder whose lease was taken over by claimDue", async () => {
    const stale = claimed(await store.claim(key, 150, { queue, record: "r" }));
    const fresh = (await claimDueWithin(store, queue, 5000, 10))[0]!;
    await store.complete(key, stale.token, 60_000);
    await store.release(key, stale.token, 60_000);
    await store.release(key, stale.token, 60_000, 0);
    expect(await store.inboxSize(queue)).toBe(1);
    expect(await raw.hget(store.redisKey(key), "t")).toBe(fresh.token);
    await store.complete(key, fresh.token, 60_000);
    expect(await store.claim(key, 5000)).toEqual({ status: "done" });
  });

  it("drops members whose entry is gone or done, and a claim in another queue moves the entry", async () => {
    const gone = claimed(await store.claim(`${key}:gone`, 150, { queue, record: "r" }));
    expect(gone.attempts).toBe(1);
    await raw.del(store.redisKey(`${key}:gone`));
    await raw.set(store.redisKey(`${key}:done`), "1");
    await raw.zadd(store.inboxRedisKey(queue), 0, store.redisKey(`${key}:done`));
    const moved = claimed(await store.claim(key, 150, { queue, record: "r" }));
    await store.release(key, moved.token, 60_000, 0);
    expect(claimed(await store.claim(key, 150, { queue: `${queue}-other`, record: "r2" })).attempts).toBe(2);
    expect(await store.inboxSize(queue)).toBe(2); // the gone and done members; the moved one left
    expect(await store.inboxSize(`${queue}-other`)).toBe(1);
    await sleep(200);
    expect(await store.claimDue(queue, 5000, 10)).toEqual([]);
    expect(await store.inboxSize(queue)).toBe(0);
    expect((await claimDueWithin(store, `${queue}-other`, 5000, 10)).map((e) => [e.key, e.record])).toEqual([[key, "r2"]]);
  });

  it("keeps queues apart", async () => {
    claimed(await store.claim(`${key}:a`, 150, { queue: `${queue}-a`, record: "a" }));
    claimed(await store.claim(`${key}:b`, 150, { queue: `${queue}-b`, record: "b" }));
    expect(await store.inboxSize(`${queue}-a`)).toBe(1);
    expect(await store.inboxSize(`${queue}-b`)).toBe(1);
    expect(await store.inboxSize(`${queue}-c`)).toBe(0);
    const a = await claimDueWithin(store, `${queue}-a`, 5000, 10);
    expect(a.map((e) => [e.key, e.record])).toEqual([[`${key}:a`, "a"]]);
    const b = await claimDueWithin(store, `${queue}-b`, 5000, 10);
    expect(b.map((e) => [e.key, e.record])).toEqual([[`${key}:b`, "b"]]);
    expect(await store.claimDue(`${queue}-c`, 5000, 10)).toEqual([]);
  });

  it("takes at most `limit` entries per call, and returns the dedupe key even when the Redis key is hashed", async () => {
    const long = `lissi:acme:${"x".repeat(80)}:${n}`;
    expect(store.redisKey(long)).toMatch(/#/);
    for (let i = 0; i < 5; i++) claimed(await store.claim(`${long}:${i}`, 150, { queue, record: `r${i}` }));
    await sleep(200);
    const first = await claimDueWithin(store, queue, 5000, 3);
    expect(first).toHaveLength(3);
    const second = await store.claimDue(queue, 5000, 3);
    expect(second).toHaveLength(2);
    const all = [...first, ...second];
    expect(all.map((e) => e.key).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `${long}:${i}`));
    for (const e of all) expect(e.record).toBe(`r${e.key.slice(-1)}`);
    expect(await store.claimDue(queue, 5000, 0)).toEqual([]);
  });

  it("never gives the same entry to two stores calling claimDue concurrently", async () => {
    const stores = [0, 1].map(() => new RedisDedupeStore({ client: createRedisClient({ url: redis.url }) }));
    try {
      await Promise.all(stores.map((s) => s.ready()));
      const keys = Array.from({ length: 50 }, (_, i) => `${key}:${i}`);
      await Promise.all(keys.map((k) => store.claim(k, 150, { queue, record: k })));
      await sleep(200);
      const taken: DueEntry[][] = [[], []];
      const deadline = Date.now() + 10_000;
      while (taken[0]!.length + taken[1]!.length < 50 && Date.now() < deadline) {
        const rounds = await Promise.all(stores.map((s) => s.claimDue(queue, 60_000, 7)));
        rounds.forEach((entries, i) => taken[i]!.push(...entries));
      }
      const [a, b] = taken.map((entries) => entries.map((e) => e.key)) as [string[], string[]];
      expect(a.length + b.length).toBe(50);
      expect(new Set([...a, ...b]).size).toBe(50); // disjoint, and together all of them
      expect(a.filter((k) => b.includes(k))).toEqual([]);
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      // Concurrent callers with large limits too: each entry once.
      const more = Array.from({ length: 50 }, (_, i) => `${key}:more:${i}`);
      await Promise.all(more.map((k) => store.claim(k, 150, { queue: `${queue}-more`, record: k })));
      await sleep(200);
      const keysTaken: string[] = [];
      const until = Date.now() + 10_000;
      while (keysTaken.length < 50 && Date.now() < until) {
        const results = await Promise.all([...stores, store].map((s) => s.claimDue(`${queue}-more`, 60_000, 50)));
        keysTaken.push(...results.flatMap((entries) => entries.map((e) => e.key)));
      }
      expect(keysTaken).toHaveLength(50);
      expect(new Set(keysTaken).size).toBe(50);
    } finally {
      for (const s of stores) s.client.disconnect();
    }
  });

  it("undoes a timed-out claim that put the entry in the inbox (SIGSTOP on redis-server)", async () => {
    const client = createRedisClient({ url: redis.url, redisOptions: { commandTimeout: 10_000 } });
    const slow = new RedisDedupeStore({ client, timeoutMs: 300 });
    // How many scripts ran (claim + undo), to tell an undone claim from one that never ran.
    const evalshaCalls = async () => Number(/cmdstat_evalsha:calls=(\d+)/.exec(await raw.info("commandstats"))?.[1] ?? 0);
    try {
      await slow.ready();
      // Known to Redis, so the stalled claim and its undo both run as soon as Redis wakes up.
      for (const name of ["claim", "abandon"] as const) await raw.script("LOAD", dedupeScripts[name].source);
      // An entry with a success from an earlier attempt, released (TTL 60 s), then claimed with a record.
      const earlier = claimed(await store.claim(key, 5000));
      await store.handlerSucceeded(key, earlier.token, "save", 60_000);
      await store.release(key, earlier.token, 60_000);
      const callsBefore = await evalshaCalls();
      redis.pause();
      let failed: unknown;
      try {
        await slow.claim(key, 60_000, { queue, record: "r" });
      } catch (error) {
        failed = error;
      } finally {
        redis.resume();
      }
      expect(String(failed)).toMatch(/no answer from Redis/);
      // The claim ran once Redis woke up, and the undo right after it.
      const deadline = Date.now() + 5000;
      while ((await raw.hexists(store.redisKey(key), "t")) === 1 && Date.now() < deadline) await sleep(20);
      while ((await evalshaCalls()) < callsBefore + 2 && Date.now() < deadline) await sleep(20);
      expect(await evalshaCalls()).toBe(callsBefore + 2);
      expect(await raw.hgetall(store.redisKey(key))).toEqual({ "h:save": "1" });
      expect(await store.inboxSize(queue)).toBe(0);
      const pttl = await raw.pttl(store.redisKey(key));
      expect(pttl).toBeGreaterThan(50_000); // the earlier expiry is back
      expect(pttl).toBeLessThanOrEqual(60_000);
      // A fresh entry: the undo removes it entirely.
      redis.pause();
      try {
        await slow.claim(`${key}:new`, 60_000, { queue, record: "r" }).catch(() => undefined);
      } finally {
        redis.resume();
      }
      const until = Date.now() + 5000;
      while ((await raw.exists(store.redisKey(`${key}:new`))) === 1 && Date.now() < until) await sleep(20);
      expect(await raw.exists(store.redisKey(`${key}:new`))).toBe(0);
      expect(await store.inboxSize(queue)).toBe(0);
      // An entry already in the inbox: the undo leaves it there, the attempt uncounted.
      const inInbox = claimed(await store.claim(`${key}:kept`, 5000, { queue, record: "kept" }));
      await store.release(`${key}:kept`, inInbox.token, 60_000, 60_000);
      redis.pause();
      try {
        await slow.claim(`${key}:kept`, 60_000).catch(() => undefined);
      } finally {
        redis.resume();
      }
      const until2 = Date.now() + 5000;
      while ((await raw.hget(store.redisKey(`${key}:kept`), "n")) !== "1" && Date.now() < until2) await sleep(20);
      expect(await raw.hget(store.redisKey(`${key}:kept`), "n")).toBe("1");
      expect(await raw.hexists(store.redisKey(`${key}:kept`), "t")).toBe(0);
      expect(await store.inboxSize(queue)).toBe(1);
      expect(await raw.pttl(store.redisKey(`${key}:kept`))).toBe(-1);
    } finally {
      redis.resume();
      client.disconnect();
    }
  });

  it("encrypts records at rest with encryptionKey, and refuses records it cannot read", async () => {
    const encryptionKey = randomBytes(32).toString("base64");
    const secure = new RedisDedupeStore({ client: store.client, encryptionKey });
    expect(secure.encrypted).toBe(true);
    const record = JSON.stringify({ type: "credential.created", data: { secret: "crossmint-secret-value" } });
    claimed(await secure.claim(key, 150, { queue, record }));
    const stored = await raw.hget(store.redisKey(key), "e");
    expect(stored).toMatch(/^enc1:/);
    expect(stored).not.toContain("crossmint-secret-value");
    expect(JSON.stringify(await raw.hgetall(store.redisKey(key)))).not.toContain("secret");
    const due = await claimDueWithin(secure, queue, 5000, 10);
    expect(due.map((e) => e.record)).toEqual([record]);
    await secure.release(key, due[0]!.token, 60_000, 0);

    // A store with another key (or none) cannot read it: it rejects, and the entry stays in the inbox.
    const wrong = new RedisDedupeStore({ client: store.client, encryptionKey: randomBytes(32) });
    const refused = claimDueWithin(wrong, queue, 150, 10);
    await expect(refused).rejects.toThrow(FailureDecryptionError);
    await expect(refused).rejects.toThrow(`1 inbox entry of queue "${queue}" could not be read: The inbox record "${key}" could not be decrypted`);
    expect(await store.inboxSize(queue)).toBe(1);
    await expect(claimDueWithin(store, queue, 150, 10)).rejects.toThrow(/encrypted, but this RedisDedupeStore has no encryptionKey/);
    // Rotation: the new key first, the old one after it.
    const rotated = new RedisDedupeStore({ client: store.client, encryptionKey: [randomBytes(32), encryptionKey] });
    const again = await claimDueWithin(rotated, queue, 5000, 10);
    expect(again.map((e) => e.record)).toEqual([record]);
    await rotated.complete(key, again[0]!.token, 60_000);

    // One unreadable entry does not block the others.
    claimed(await store.claim(`${key}:plain`, 150, { queue, record: "plain" }));
    claimed(await secure.claim(`${key}:sealed`, 150, { queue, record: "sealed" }));
    await sleep(200);
    const mixed = await claimDueWithin(secure, queue, 5000, 10);
    expect(mixed.map((e) => e.record)).toEqual(["sealed"]);
    expect(await store.inboxSize(queue)).toBe(2);
    expect(await raw.hget(store.redisKey(`${key}:plain`), "n")).toBe("1"); // the undone claim is not an attempt

    expect(() => new RedisDedupeStore({ client: store.client, encryptionKey: "not a key" })).toThrow(/32 bytes/);
  });
});
