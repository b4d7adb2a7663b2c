import { Redis, type RedisOptions } from "ioredis";
import { silentLogger, type Logger } from "@credhooks/core";

/**
 * The ioredis options credhooks creates its clients with. Each one exists so that a Redis
 * that is down or slow makes the store's methods **reject within about a second** (the core
 * then answers 503 `STORE_UNAVAILABLE` and the sender retries) instead of hanging until the
 * sender gives up, and so that the client reconnects by itself when Redis is back.
 *
 * - `enableOfflineQueue: false` — while disconnected, a command fails at once instead of
 *   waiting in a queue (ioredis' default queues it until the connection returns).
 * - `maxRetriesPerRequest: 1` — a command caught by a dropped connection is retried once
 *   after reconnecting, then fails (default 20 reconnection attempts).
 * - `commandTimeout: 1000` — a command Redis has not answered within 1 s fails (a stalled or
 *   overloaded server). The default is no timeout at all.
 * - `connectTimeout: 2000` — a connection attempt to an unreachable host gives up after 2 s.
 * - `retryStrategy` — reconnect forever, backing off to one attempt every 2 s, so recovery
 *   needs no restart (returning `null` would stop reconnecting for good).
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * const client = new Redis(process.env.REDIS_URL!, { ...RECOMMENDED_REDIS_OPTIONS, db: 2 });
 * ```
 */
export const RECOMMENDED_REDIS_OPTIONS = Object.freeze({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 1000,
  connectTimeout: 2000,
  retryStrategy: (attempt: number): number => Math.min(attempt * 100, 2000),
}) satisfies RedisOptions;

/**
 * Options of {@link createRedisClient}.
 *
 * @example
 * ```ts
 * createRedisClient({ url: "rediss://redis.internal:6380", redisOptions: { db: 2 }, logger: pino() });
 * ```
 */
export interface CreateRedisClientOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  /** ioredis options, applied over {@link RECOMMENDED_REDIS_OPTIONS}. */
  redisOptions?: RedisOptions;
  /** Where connection errors are reported (pino-compatible); silent by default. */
  logger?: Logger;
}

/**
 * Creates an ioredis client with {@link RECOMMENDED_REDIS_OPTIONS} and an `error` listener,
 * so a lost connection is logged once (not once per reconnection attempt) and never
 * reaches ioredis' "Unhandled error event" path. Share one client between the dedupe store
 * and the failure sink by passing it as `client` to both.
 *
 * @example
 * ```ts
 * const client = createRedisClient({ url: process.env.REDIS_URL!, logger: pino() });
 * const store = createRedisStore({ client });
 * const failures = createRedisFailureSink({ client, encryptionKey: process.env.CREDHOOKS_SINK_KEY! });
 * ```
 */
export function createRedisClient(options: CreateRedisClientOptions): Redis {
  const logger = options.logger ?? silentLogger;
  // ioredis 6 declares `replyMapping` both with and without `| undefined`, so under
  // exactOptionalPropertyTypes its own RedisOptions does not fit its constructor; the cast
  // changes no value (ioredis 5 has no `replyMapping`).
  const client = new Redis(options.url, { ...RECOMMENDED_REDIS_OPTIONS, ...options.redisOptions } as RedisOptions & { replyMapping?: never });
  let failing = false;
  // Without a listener ioredis prints every reconnection failure to stderr; one line per outage is enough.
  client.on("error", (error: unknown) => {
    if (failing) return;
    failing = true;
    logger.warn({ err: error instanceof Error ? `${error.name}: ${error.message}` : "non-error" }, "credhooks: Redis connection failed; the store answers 503 until it is back");
  });
  client.on("ready", () => {
    if (!failing) return;
    failing = false;
    logger.info?.({}, "credhooks: Redis connection restored");
  });
  return client;
}
