import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Redis as Redis6 } from "ioredis6";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhooks } from "@credhooks/core";
import { RECOMMENDED_REDIS_OPTIONS, createRedisFailureSink, createRedisStore, type RedisClient } from "@credhooks/redis";
import { failureSinkConformance, storeConformance } from "@credhooks/testing";
import { provenRequest, vaultProvider, vaultRequest, PROVEN_KEY } from "./fixtures/redis/deliveries.js";
import { proven } from "@credhooks/core/providers/proven";
import { describeWithRedis, startRedisServer, type RedisServer } from "./support/redis-server.js";
import { ROOT } from "./support/public-exports.js";

// ioredis 6 is the current major (`npm install @credhooks/redis ioredis` brings it); the peer
// range is "^5.4.0 || ^6.0.0". ioredis 5 runs through every other Redis test; here the store and
// the sink get clients made by ioredis 6 (installed under the alias `ioredis6`), with the
// recommended options, and pass the same conformance suites and a delivery through the core.

const require = createRequire(import.meta.url);
const clients: Redis6[] = [];
// Here both majors are installed side by side, and ioredis' classes have protected members, so
// a 6 client is not the 5 type @credhooks/redis is compiled against in this workspace. A user
// has one ioredis: the package's types then come from it (checked below by compiling the
// package's sources against ioredis 6).
const client6 = (url: string): RedisClient => {
  const client = new Redis6(url, RECOMMENDED_REDIS_OPTIONS);
  client.on("error", () => {});
  clients.push(client);
  return client as unknown as RedisClient;
};

describe("the ioredis peer range", () => {
  it("@credhooks/redis compiles against ioredis 6's types (strict)", () => {
    const dir = mkdtempSync(join(ROOT, "node_modules", ".cache-ioredis6-"));
    try {
      const tsconfig = {
        extends: join(ROOT, "tsconfig.base.json"),
        compilerOptions: { noEmit: true, paths: { ioredis: [join(ROOT, "node_modules/ioredis6/built/index.d.ts")] }, types: ["node"], typeRoots: [join(ROOT, "node_modules", "@types")] },
        include: [join(ROOT, "packages/redis/src")],
        exclude: [join(ROOT, "packages/redis/src/**/*.test.ts")],
      };
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
      const tsc = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(dir, "tsconfig.json"), ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
      const files = tsc("--listFilesOnly").stdout;
      expect(files).toContain("/ioredis@6."); // the ioredis the package saw was 6…
      expect(files).not.toContain("/ioredis@5."); // …and only 6
      // The core's sources come along (the "source" condition); this checks the Redis package.
      const errors = tsc().stdout.split("\n").filter((line) => line.startsWith("packages/redis/"));
      expect(errors).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("covers the majors tested here: 5 (ioredis) and 6 (ioredis6)", () => {
    const range = (require("@credhooks/redis/package.json") as { peerDependencies: Record<string, string> }).peerDependencies["ioredis"]!;
    const versions = [(require("ioredis/package.json") as { version: string }).version, (require("ioredis6/package.json") as { version: string }).version];
    expect(versions.map((v) => v.split(".")[0])).toEqual(["5", "6"]);
    expect(range.split("||").map((part) => part.trim())).toEqual(["^5.4.0", "^6.0.0"]);
  });
});

describeWithRedis("@credhooks/redis with an ioredis 6 client", () => {
  let redis: RedisServer;
  let n = 0;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await redis?.stop();
  });

  storeConformance(
    { describe, it },
    {
      name: "RedisDedupeStore on ioredis 6",
      inbox: true,
      durable: true,
      create: async () => {
        const store = createRedisStore({ client: client6(redis.url), keyPrefix: `io6-${++n}:` });
        await store.ready();
        return { store, close: () => store.close() };
      },
    },
  );

  failureSinkConformance(
    { describe, it },
    {
      name: "RedisFailureSink on ioredis 6",
      create: async () => {
        const client = client6(redis.url);
        const sink = createRedisFailureSink({ client, keyPrefix: `io6-sink-${++n}:`, encryptionKey: Buffer.alloc(32, 6) });
        await sink.ready();
        return { sink, close: async () => {} };
      },
    },
  );

  it("runs a delivery, a duplicate, a failure kept in the sink and its replay", async () => {
    const client = client6(redis.url);
    const store = createRedisStore({ client, keyPrefix: "io6-core:" });
    const failures = createRedisFailureSink({ client, keyPrefix: "io6-core:" });
    await store.ready();
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), store, failures, recovery: false });
    const seen: string[] = [];
    hooks.on("credentials:done", (event) => void seen.push(event.payload.cred_ex_id));
    expect((await hooks.handle(provenRequest("io6-1"))).body).toBe('{"received":true}');
    expect((await hooks.handle(provenRequest("io6-1"))).body).toBe('{"received":true,"duplicate":true}');
    expect(seen).toEqual(["io6-1"]);

    const vault = createWebhooks({ provider: vaultProvider, store, failures, recovery: { maxAttempts: 1, automatic: false } });
    let down = true;
    vault.on("credentials:done", () => {
      if (down) throw new Error("down");
    });
    expect((await vault.handle(vaultRequest("io6-2", "s"))).status).toBe(500);
    expect((await failures.list({ limit: 10 })).map((e) => e.reason)).toEqual(["handler-failed"]);
    down = false;
    expect((await vault.replayAll()).map((o) => o.status)).toEqual(["handled"]);
    await Promise.all([hooks.close(), vault.close()]);
  });
});
