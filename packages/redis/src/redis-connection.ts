import type { Cluster, Redis, RedisOptions } from "ioredis";
import type { Logger } from "@credhooks/core";
import { createRedisClient } from "./create-redis-client.js";
import type { LuaScript } from "./dedupe-scripts.js";

/**
 * An ioredis client: a single node (`Redis`) or a cluster (`Cluster`).
 *
 * @example
 * ```ts
 * const client: RedisClient = new Redis(url, RECOMMENDED_REDIS_OPTIONS);
 * ```
 */
export type RedisClient = Redis | Cluster;

/**
 * How the store or sink reaches Redis: a URL (credhooks creates and owns the client, with
 * `RECOMMENDED_REDIS_OPTIONS`) or a client you created (you own it; `close()` leaves it open).
 *
 * @example
 * ```ts
 * createRedisStore({ url: "redis://127.0.0.1:6379" });
 * createRedisStore({ client: createRedisClient({ url: "redis://127.0.0.1:6379" }) });
 * ```
 */
export type RedisConnectionOptions =
  | {
      /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
      url: string;
      /** ioredis options applied over `RECOMMENDED_REDIS_OPTIONS`. */
      redisOptions?: RedisOptions;
      /** Where connection errors are reported (pino-compatible); silent by default. */
      logger?: Logger;
      client?: never;
    }
  | {
      /** An ioredis client. Create it with `RECOMMENDED_REDIS_OPTIONS` (or `createRedisClient`) and give it an `error` listener. */
      client: RedisClient;
      url?: never;
    };

/** The client of a store or sink and whether `close()` should quit it. */
export interface Connection {
  readonly client: RedisClient;
  readonly owned: boolean;
}

/** Resolves {@link RedisConnectionOptions} to a client. */
export function connect(options: RedisConnectionOptions): Connection {
  if (options.client !== undefined) return { client: options.client, owned: false };
  if (typeof options.url !== "string" || options.url === "") {
    throw new TypeError("credhooks/redis: give either `url` (e.g. redis://127.0.0.1:6379) or an ioredis `client`.");
  }
  return {
    client: createRedisClient({ url: options.url, ...(options.redisOptions ? { redisOptions: options.redisOptions } : {}), ...(options.logger ? { logger: options.logger } : {}) }),
    owned: true,
  };
}

/** Quits an owned client; falls back to disconnect() when Redis cannot be reached to say goodbye. */
export async function disconnect(connection: Connection): Promise<void> {
  if (!connection.owned) return;
  const client = connection.client;
  if (client.status === "end") return;
  try {
    await withTimeout(client.quit(), 1000, "QUIT");
  } catch {
    client.disconnect();
  }
}

/**
 * Resolves once the client is connected and ready; rejects after `timeoutMs`. With
 * `enableOfflineQueue: false` a command sent before that fails, so await it at startup
 * before the app starts listening (a delivery that arrives earlier just gets a 503).
 */
export async function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === "ready") return;
  if (client.status === "wait") void client.connect().catch(() => undefined); // lazyConnect clients
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
    client.once("ready", onReady);
  });
  try {
    await withTimeout(ready, timeoutMs, "connecting");
  } finally {
    client.off("ready", onReady);
  }
}

/**
 * Rejects after `ms` if `promise` has not settled. A safety net for clients created without
 * `commandTimeout`/`enableOfflineQueue: false`: the store's methods still reject quickly.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`credhooks/redis: ${what} got no answer from Redis within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs a script by its SHA-1 and sends its source only when Redis does not know it yet
 * (first use, or after a Redis restart emptied the script cache). Unlike ioredis'
 * `defineCommand`, it adds nothing to a client you passed in.
 */
export async function runScript(client: RedisClient, script: LuaScript, key: string, args: ReadonlyArray<string | number>, gaveUp: () => boolean = () => false): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, 1, key, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    // The caller stopped waiting (timeout): sending the script now would run it after
    // whatever the caller did since, e.g. after the undo of a timed-out claim.
    if (gaveUp()) throw error;
    return client.eval(script.source, 1, key, ...args);
  }
}
