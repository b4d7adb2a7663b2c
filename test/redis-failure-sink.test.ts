import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, expect, it, vi } from "vitest";
import { createWebhooks, type FailedDelivery } from "@credhooks/core";
import { FailureDecryptionError, RedisFailureSink, createRedisFailureSink, createRedisStore, failuresIndexRedisKey, failuresRedisKey, type RedisDedupeStore } from "@credhooks/redis";
import { crossmint } from "@credhooks/core/providers/crossmint";
import { lissi } from "@credhooks/core/providers/lissi";
import { CROSSMINT_SECRET, crossmintFixture, svixHeaders } from "./fixtures/crossmint/index.js";
import { describeWithRedis, startRedisServer, type RedisServer } from "./support/redis-server.js";
import { vaultProvider, vaultRequest } from "./fixtures/redis/deliveries.js";

const SECRET = "whsec_c2VjcmV0LW9mLXRoZS11c2Vy";

function entry(key: string, overrides: Partial<FailedDelivery> = {}): FailedDelivery {
  return {
    key,
    provider: "crossmint",
    tenantId: "acme",
    name: "wallets.created",
    dedupeId: key.split(":").pop()!,
    payload: { data: { secret: SECRET } },
    raw: { type: "wallets.created", data: { secret: SECRET } },
    reason: "handler-failed",
    error: "1 of 1 handler(s) failed",
    attempts: 1,
    firstFailedAt: "2025-03-13T22:15:02.000Z",
    lastFailedAt: "2025-03-13T22:15:02.000Z",
    ...overrides,
  };
}

describeWithRedis("RedisFailureSink on a real Redis", () => {
  let redis: RedisServer;
  let raw: Redis;
  let prefix: string;
  let n = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.url);
  });
  afterAll(async () => {
    raw?.disconnect();
    await redis?.stop();
  });
  beforeEach(() => {
    prefix = `sink${++n}:`;
  });

  async function sink(options: Partial<ConstructorParameters<typeof RedisFailureSink>[0]> = {}): Promise<RedisFailureSink> {
    const created = createRedisFailureSink({ url: redis.url, keyPrefix: prefix, ...options } as ConstructorParameters<typeof RedisFailureSink>[0]);
    await created.ready();
    return created;
  }

  it("counts its entries with size() (what the credhooks.failures.size gauge reads)", async () => {
    const failures = await sink();
    try {
      expect(await failures.size()).toBe(0);
      await failures.put(entry("crossmint:acme:e1"));
      await failures.put(entry("crossmint:acme:e1", { attempts: 2 }));
      await failures.put(entry("crossmint:acme:e2"));
      expect(await failures.size()).toBe(2);
      await failures.delete("crossmint:acme:e1");
      expect(await failures.size()).toBe(1);
    } finally {
      await failures.close();
    }
  });

  it("puts, gets, lists and deletes, one entry per key however often it is put", async () => {
    const failures = await sink();
    try {
      expect(await failures.list()).toEqual([]);
      expect(await failures.get("crossmint:acme:e1")).toBeUndefined();
      await failures.put(entry("crossmint:acme:e1"));
      await failures.put(entry("crossmint:acme:e2", { firstFailedAt: "2025-03-14T00:00:00.000Z" }));
      await failures.put(entry("crossmint:acme:e1", { attempts: 2, lastFailedAt: "2025-03-13T23:00:00.000Z" }));
      expect(await failures.get("crossmint:acme:e1")).toEqual(entry("crossmint:acme:e1", { attempts: 2, lastFailedAt: "2025-03-13T23:00:00.000Z" }));
      expect((await failures.list()).map((e) => [e.key, e.attempts])).toEqual([["crossmint:acme:e1", 2], ["crossmint:acme:e2", 1]]); // oldest first
      expect(await raw.hlen(failuresRedisKey(prefix))).toBe(2);
      await failures.delete("crossmint:acme:e1");
      await failures.delete("crossmint:acme:missing");
      expect((await failures.list()).map((e) => e.key)).toEqual(["crossmint:acme:e2"]);
      expect(await raw.hget(failuresRedisKey(prefix), "crossmint:acme:e2")).toContain(SECRET); // without a key: plain JSON
    } finally {
      await failures.close();
    }
  });

  it("encrypts entries at rest: Redis holds no trace of the secret, the sink gives the entry back whole", async () => {
    const key = randomBytes(32).toString("base64");
    const failures = await sink({ encryptionKey: key });
    try {
      expect(failures.encrypted).toBe(true);
      await failures.put(entry("crossmint:acme:e1"));
      const stored = (await raw.hget(failuresRedisKey(prefix), "crossmint:acme:e1"))!;
      expect(stored).toMatch(/^enc1:[A-Za-z0-9+/]+=*$/);
      expect(stored).not.toContain(SECRET);
      expect(Buffer.from(stored.slice(5), "base64").toString("latin1")).not.toContain(SECRET);
      expect(stored).not.toContain("wallets.created");
      expect(await failures.get("crossmint:acme:e1")).toEqual(entry("crossmint:acme:e1"));
      await failures.put(entry("crossmint:acme:e1"));
      expect(await raw.hget(failuresRedisKey(prefix), "crossmint:acme:e1")).not.toBe(stored); // a new IV on every write
    } finally {
      await failures.close();
    }
  });

  it("fails clearly with a wrong key, without a key, or on a plain entry in an encrypted sink", async () => {
    const right = await sink({ encryptionKey: randomBytes(32) });
    const wrong = await sink({ encryptionKey: randomBytes(32) });
    const none = await sink();
    try {
      await right.put(entry("crossmint:acme:e1"));
      await expect(wrong.get("crossmint:acme:e1")).rejects.toThrow(FailureDecryptionError);
      await expect(wrong.get("crossmint:acme:e1")).rejects.toThrow(/"crossmint:acme:e1" could not be decrypted: it was encrypted with a different encryptionKey/);
      expect(await wrong.list()).toEqual([]); // skipped and logged, never thrown: see "skips entries it cannot read"
      await expect(none.get("crossmint:acme:e1")).rejects.toThrow(/is encrypted, but this RedisFailureSink has no encryptionKey/);
      await none.put(entry("crossmint:acme:plain"));
      await expect(right.get("crossmint:acme:plain")).rejects.toThrow(/stored unencrypted/);
      // An encrypted entry copied to another key does not decrypt (the key is authenticated data).
      await raw.hset(failuresRedisKey(prefix), "crossmint:acme:moved", (await raw.hget(failuresRedisKey(prefix), "crossmint:acme:e1"))!);
      await expect(right.get("crossmint:acme:moved")).rejects.toThrow(FailureDecryptionError);
    } finally {
      await Promise.all([right.close(), wrong.close(), none.close()]);
    }
  });

  it("reads entries of the old key during a rotation and writes with the new one", async () => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const before = await sink({ encryptionKey: oldKey });
    const after = await sink({ encryptionKey: [newKey, oldKey] });
    const onlyNew = await sink({ encryptionKey: newKey });
    try {
      await before.put(entry("crossmint:acme:e1"));
      expect((await after.get("crossmint:acme:e1"))?.key).toBe("crossmint:acme:e1");
      await after.put(entry("crossmint:acme:e1", { attempts: 2 }));
      expect((await onlyNew.get("crossmint:acme:e1"))?.attempts).toBe(2);
    } finally {
      await Promise.all([before.close(), after.close(), onlyNew.close()]);
    }
  });

  it("skips entries it cannot read in list() (logged with their key), so replayAll() still replays the rest", async () => {
    const encryptionKey = randomBytes(32);
    const warnings: Array<[unknown, string]> = [];
    const logger = { warn: (obj: unknown, msg: string) => void warnings.push([obj, msg]), error: () => {}, info: () => {}, debug: () => {} };
    const failures = await sink({ encryptionKey, logger });
    const otherKey = await sink({ encryptionKey: randomBytes(32) });
    const plain = await sink();
    try {
      await failures.put(entry("vault:acme:credentials:done:ok-1", { provider: "vault", name: "credentials:done", payload: { cred_ex_id: "ok-1" } }));
      await otherKey.put(entry("vault:acme:credentials:done:other-key", { provider: "vault" })); // written with another key
      await plain.put(entry("vault:acme:credentials:done:plain", { provider: "vault" })); // written unencrypted
      await failures.put(entry("vault:acme:credentials:done:ok-2", { provider: "vault", name: "credentials:done", payload: { cred_ex_id: "ok-2" } }));
      await raw.hset(failuresRedisKey(prefix), "vault:acme:credentials:done:ok-2-garbled", "enc1:AAAA"); // not even a ciphertext
      await raw.zadd(failuresIndexRedisKey(prefix), 0, "vault:acme:credentials:done:ok-2-garbled");

      expect((await failures.list()).map((e) => e.key)).toEqual(["vault:acme:credentials:done:ok-1", "vault:acme:credentials:done:ok-2"]);
      expect(warnings.map(([obj]) => (obj as { key: string }).key).sort()).toEqual([
        "vault:acme:credentials:done:ok-2-garbled",
        "vault:acme:credentials:done:other-key",
        "vault:acme:credentials:done:plain",
      ]);
      expect(warnings[0]![1]).toMatch(/could not be read and was skipped; get\(key\) shows why, delete\(key\) removes it/);
      expect(JSON.stringify(warnings)).not.toContain(SECRET);
      await expect(failures.get("vault:acme:credentials:done:other-key")).rejects.toThrow(FailureDecryptionError); // asked for by key: the reason

      const hooks = createWebhooks({ provider: vaultProvider, failures, recovery: { automatic: false } });
      const handled: string[] = [];
      hooks.on("credentials:done", (event) => void handled.push(event.payload.cred_ex_id));
      expect(await hooks.replayAll()).toEqual([
        { key: "vault:acme:credentials:done:ok-1", status: "handled" },
        { key: "vault:acme:credentials:done:ok-2", status: "handled" },
      ]);
      expect(handled).toEqual(["ok-1", "ok-2"]);
      expect(await raw.hlen(failuresRedisKey(prefix))).toBe(3); // the unreadable ones stay for an operator
    } finally {
      await Promise.all([failures.close(), otherKey.close(), plain.close()]);
    }
  });

  it("pages list({ limit, after }) in key order from a sorted index, never reading the whole hash at once", async () => {
    const failures = await sink();
    try {
      const keys = Array.from({ length: 25 }, (_, i) => `crossmint:acme:e${String(i).padStart(2, "0")}`);
      for (const key of [...keys].reverse()) await failures.put(entry(key));
      await failures.put(entry(keys[3]!, { attempts: 2 })); // a re-put keeps one index entry
      expect(await raw.zcard(failuresIndexRedisKey(prefix))).toBe(25);

      const commands: string[] = [];
      const monitor = await raw.monitor();
      monitor.on("monitor", (_time: string, args: string[]) => void commands.push(args[0]!.toLowerCase()));
      const pages: string[][] = [];
      let page = await failures.list({ limit: 10 });
      for (;;) {
        pages.push(page.map((e) => e.key));
        if (page.length < 10) break;
        page = await failures.list({ limit: 10, after: page.at(-1)!.key });
      }
      expect(pages).toEqual([keys.slice(0, 10), keys.slice(10, 20), keys.slice(20)]);
      expect((await failures.list({ limit: 5, after: keys[22] })).map((e) => e.key)).toEqual(keys.slice(23));
      expect(await failures.list({ limit: 5, after: keys[24] })).toEqual([]);
      expect((await failures.list()).map((e) => e.key).sort()).toEqual(keys); // everything, still
      monitor.disconnect();
      expect(commands).not.toContain("hgetall");
      expect(commands).toContain("zrangebylex");

      await failures.delete(keys[0]!);
      expect(await raw.zcard(failuresIndexRedisKey(prefix))).toBe(24);
      // An entry removed behind the sink's back (HDEL in redis-cli) leaves the index on the next read.
      await raw.hdel(failuresRedisKey(prefix), keys[1]!);
      expect((await failures.list({ limit: 2 })).map((e) => e.key)).toEqual([keys[2], keys[3]]); // the page is still full
      expect(await raw.zscore(failuresIndexRedisKey(prefix), keys[1]!)).toBeNull();
    } finally {
      await failures.close();
    }
  });

  it("one sink shared by a Lissi and a Crossmint receiver: each replays only its own entries, under its own key", async () => {
    const store = createRedisStore({ url: redis.url, keyPrefix: prefix });
    const failures = createRedisFailureSink({ client: store.client, keyPrefix: prefix, encryptionKey: randomBytes(32) });
    await store.ready();
    try {
      // Crossmint retries, so its failures reach the sink through the inbox (acknowledge: "when-stored"), after one attempt.
      const crossmintHooks = createWebhooks({ provider: crossmint({ secret: CROSSMINT_SECRET }), store, failures, acknowledge: "when-stored", recovery: { maxAttempts: 1, automatic: false } });
      const lissiHooks = createWebhooks({ provider: lissi({ apiKey: "lissi-key" }), store, failures, recovery: { maxAttempts: 1, automatic: false } });
      let crossmintDown = true;
      const crossmintRuns: string[] = [];
      crossmintHooks.on("credential.creation.succeeded", (event) => {
        crossmintRuns.push(event.id);
        if (crossmintDown) throw new Error("wallet service down");
      });
      const lissiRuns: string[] = [];
      lissiHooks.on("credential.issued", (event) => void lissiRuns.push(event.payload.source.name));

      const body = JSON.stringify(crossmintFixture("credential-creation-succeeded.json").body);
      const res = await crossmintHooks.handle({ method: "POST", path: "/", originalUrl: "/events/acme/crossmint", headers: { "content-type": "application/json", ...svixHeaders({ body, id: "msg_shared_1" }) }, params: { tenantId: "acme" }, body: Buffer.from(body) });
      expect(res.status).toBe(202);
      await vi.waitFor(async () => expect((await failures.list()).map((e) => [e.provider, e.reason])).toEqual([["crossmint", "failed-after-response"]]));
      const [kept] = await failures.list();

      // The receiver of the other provider neither runs it, nor deletes it, nor re-files it.
      expect(await lissiHooks.replayAll()).toEqual([]);
      expect(await lissiHooks.replay(kept!.key)).toEqual({ key: kept!.key, status: "not-found" });
      expect(lissiRuns).toEqual([]);
      expect((await failures.list()).map((e) => e.key)).toEqual([kept!.key]);
      expect(kept!.key.startsWith("crossmint:acme:")).toBe(true);

      crossmintDown = false;
      expect(await crossmintHooks.replayAll()).toEqual([{ key: kept!.key, status: "handled" }]);
      expect(crossmintRuns).toHaveLength(2);
      expect(await failures.list()).toEqual([]);
      await Promise.all([crossmintHooks.close(), lissiHooks.close()]);
    } finally {
      await store.close();
    }
  });

  it("refuses a malformed key when constructed, not at the first failure", () => {
    expect(() => new RedisFailureSink({ url: redis.url, encryptionKey: "hunter2" })).toThrow(/must be 32 bytes/);
  });

  it("through the core: keeps a non-retrying sender's failed event once (encrypted), and another instance replays it", async () => {
    const encryptionKey = randomBytes(32);
    const storeA: RedisDedupeStore = createRedisStore({ url: redis.url, keyPrefix: prefix });
    const failuresA = createRedisFailureSink({ client: storeA.client, keyPrefix: prefix, encryptionKey });
    const storeB = createRedisStore({ url: redis.url, keyPrefix: prefix });
    const failuresB = createRedisFailureSink({ client: storeB.client, keyPrefix: prefix, encryptionKey });
    await Promise.all([storeA.ready(), storeB.ready()]);
    try {
      // One attempt per delivery: each failure goes straight to the failure sink (no inbox retries).
      const a = createWebhooks({ provider: vaultProvider, store: storeA, failures: failuresA, recovery: { maxAttempts: 1, automatic: false } });
      a.on("credentials:done", () => {
        throw new Error("database down");
      });
      expect((await a.handle(vaultRequest("evt_1", SECRET))).status).toBe(500);
      expect((await a.handle(vaultRequest("evt_1", SECRET))).status).toBe(500); // the same event again: still one entry
      const kept = await failuresA.list();
      expect(kept).toHaveLength(1);
      expect(kept[0]).toMatchObject({ key: "vault:acme:credentials:done|evt_1", reason: "handler-failed", attempts: 2, name: "credentials:done" });
      expect((kept[0]!.payload as { data: { secret: string } }).data.secret).toBe(SECRET);
      expect((kept[0]!.raw as { webhook: { data: { secret: string } } }).webhook.data.secret).toBe(SECRET);
      expect(await raw.hget(failuresRedisKey(prefix), "vault:acme:credentials:done|evt_1")).not.toContain(SECRET);

      // Another instance (its own clients) replays it through the same claim logic.
      const b = createWebhooks({ provider: vaultProvider, store: storeB, failures: failuresB, recovery: { automatic: false } });
      const handler = vi.fn();
      b.on("credentials:done", handler);
      expect(await b.replayAll()).toEqual([{ key: "vault:acme:credentials:done|evt_1", status: "handled" }]);
      expect(handler).toHaveBeenCalledTimes(1);
      expect(handler.mock.calls[0]![0].payload.data.secret).toBe(SECRET);
      expect(await failuresB.list()).toEqual([]);
      // Done now for everyone: a late redelivery to the first instance runs nothing.
      expect((await a.handle(vaultRequest("evt_1", SECRET))).body).toBe('{"received":true,"duplicate":true}');
    } finally {
      await Promise.all([storeA.close(), storeB.close()]);
    }
  });
});
