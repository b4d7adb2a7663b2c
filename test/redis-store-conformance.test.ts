import { afterAll, beforeAll, describe, it } from "vitest";
import { createRedisFailureSink, createRedisStore } from "@credhooks/redis";
import { failureSinkConformance, storeConformance } from "@credhooks/testing";
import { describeWithRedis, startRedisServer, type RedisServer } from "./support/redis-server.js";

// The Redis store and sink pass the same conformance suite as every other store, unchanged.
// Redis measures leases on its own clock: no injected clock, so expiry uses short real leases.

describeWithRedis("the Redis store and sink pass the store conformance suite", () => {
  let redis: RedisServer;
  let n = 0;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  storeConformance(
    { describe, it },
    {
      name: "RedisDedupeStore",
      inbox: true,
      durable: true,
      create: async () => {
        const store = createRedisStore({ url: redis.url, keyPrefix: `conformance-${++n}:` });
        await store.ready();
        return { store, close: () => store.close() };
      },
    },
  );

  failureSinkConformance(
    { describe, it },
    {
      name: "RedisFailureSink",
      create: async () => {
        const store = createRedisStore({ url: redis.url, keyPrefix: `sink-${++n}:` });
        await store.ready();
        const sink = createRedisFailureSink({ client: store.client, keyPrefix: `sink-${n}:`, encryptionKey: Buffer.alloc(32, 7) });
        return { sink, close: () => store.close() };
      },
    },
  );
});
