import { randomBytes } from "node:crypto";
import type { ClaimResult, DedupeStore } from "@credhooks/core";
import { dedupeScripts } from "./dedupe-scripts.js";
import { connect, disconnect, whenReady, runScript, withTimeout, type Connection, type RedisClient, type RedisConnectionOptions } from "./redis-connection.js";
import { DEFAULT_KEY_PREFIX, dedupeRedisKey } from "./redis-keys.js";

/**
 * Options of {@link RedisDedupeStore} and {@link createRedisStore}: `url` or `client`, plus
 * the key prefix and the per-call timeout.
 *
 * @example
 * ```ts
 * const options: RedisDedupeStoreOptions = { url: "redis://127.0.0.1:6379", keyPrefix: "myapp:" };
 * ```
 */
export type RedisDedupeStoreOptions = RedisConnectionOptions & {
  /** Prefix of every key the store writes (default `"credhooks:"`). Keys are `<prefix>d:<dedupe key>`. */
  keyPrefix?: string;
  /**
   * Upper bound in ms on each store call (default 2000). The client's own `commandTimeout`
   * (1 s with the recommended options) normally answers first; this bound also holds for a
   * client created without it.
   */
  timeoutMs?: number;
};

/**
 * Default of the `timeoutMs` option of the store and the sink: an upper bound on each call.
 *
 * @example
 * ```ts
 * createRedisStore({ client, timeoutMs: DEFAULT_STORE_TIMEOUT_MS / 2 });
 * ```
 */
export const DEFAULT_STORE_TIMEOUT_MS = 2000;

const DONE: ClaimResult = Object.freeze({ status: "done" });
const IN_FLIGHT: ClaimResult = Object.freeze({ status: "in-flight" });

/**
 * The dedupe store on Redis: several credhooks instances sharing one Redis run each handler
 * once per event. Claims behave exactly like the in-process `LruDedupeStore`: a claim holds a
 * lease (renewed while handlers run) with a random owner token; `complete` turns it into a
 * done marker kept for the done TTL; `release` drops the lease and keeps the handlers that
 * succeeded. A crashed holder leaves only a lease that expires; settling with a token whose
 * lease was taken over does nothing. Each step is one Lua script, atomic on the server.
 *
 * When Redis is down or slow, every method rejects within about a second, the core answers
 * 503 `STORE_UNAVAILABLE` (the sender retries) and runs no handler; once Redis is back the
 * next delivery is processed, without a restart.
 *
 * @example
 * ```ts
 * import { RedisDedupeStore } from "@credhooks/redis";
 * const store = new RedisDedupeStore({ url: process.env.REDIS_URL! });
 * const hooks = webhooks({ provider, store });
 * process.on("SIGTERM", () => void store.close());
 * ```
 */
export class RedisDedupeStore implements DedupeStore {
  /** The ioredis client; pass it as `client` to a `RedisFailureSink` to share the connection. */
  readonly client: RedisClient;
  readonly #connection: Connection;
  readonly #prefix: string;
  readonly #timeoutMs: number;

  constructor(options: RedisDedupeStoreOptions) {
    this.#connection = connect(options);
    this.client = this.#connection.client;
    this.#prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  }

  /**
   * The Redis key that holds `key` (a dedupe key such as `proven:acme:<dedupe id>`), for
   * inspection with `redis-cli`.
   */
  redisKey(key: string): string {
    return dedupeRedisKey(this.#prefix, key);
  }

  async claim(key: string, leaseMs: number): Promise<ClaimResult> {
    const token = randomBytes(9).toString("base64url");
    let reply: unknown;
    try {
      reply = await this.#run("claim", key, [ms(leaseMs), token]);
    } catch (error) {
      // A claim that timed out may still run once Redis catches up (it was already sent), and
      // its lease would hold the event for leaseMs while nobody runs it (every retry a 409).
      // Undo it: sent on the same connection, the undo runs after the claim if the claim runs.
      this.#run("abandon", key, [token]).catch(() => undefined);
      throw error;
    }
    if (!Array.isArray(reply) || typeof reply[0] !== "string") throw new Error("credhooks/redis: unexpected reply to the claim script");
    if (reply[0] === "done") return DONE;
    if (reply[0] === "in-flight") return IN_FLIGHT;
    return { status: "claimed", token, succeeded: new Set(reply.slice(1).map(String)) };
  }

  async renew(key: string, token: string, leaseMs: number): Promise<boolean> {
    return (await this.#run("renew", key, [token, ms(leaseMs)])) === 1;
  }

  async handlerSucceeded(key: string, token: string, handlerId: string, ttlMs: number): Promise<void> {
    await this.#run("handlerSucceeded", key, [token, handlerId, ms(ttlMs)]);
  }

  async complete(key: string, token: string, doneTtlMs: number): Promise<void> {
    await this.#run("complete", key, [token, ms(doneTtlMs)]);
  }

  async release(key: string, token: string, ttlMs: number): Promise<void> {
    await this.#run("release", key, [token, ms(ttlMs)]);
  }

  /**
   * Resolves once Redis is connected (rejects after `timeoutMs`, default 10 s). Await it
   * before listening: with the recommended options a command sent earlier fails at once.
   */
  ready(timeoutMs = 10_000): Promise<void> {
    return whenReady(this.client, timeoutMs);
  }

  /** Quits the client if the store created it (from `url`); a client you passed stays open. */
  close(): Promise<void> {
    return disconnect(this.#connection);
  }

  #run(name: keyof typeof dedupeScripts, key: string, args: ReadonlyArray<string | number>): Promise<unknown> {
    let gaveUp = false;
    return withTimeout(runScript(this.client, dedupeScripts[name], this.redisKey(key), args, () => gaveUp), this.#timeoutMs, `the dedupe store's ${name}`).catch((error: unknown) => {
      gaveUp = true;
      throw error;
    });
  }
}

/**
 * Creates a {@link RedisDedupeStore}: from a URL (credhooks creates the client with
 * `RECOMMENDED_REDIS_OPTIONS` and quits it on `close()`) or from your ioredis client.
 *
 * @example
 * ```ts
 * import { webhooks } from "@credhooks/express";
 * import { createRedisStore } from "@credhooks/redis";
 *
 * const store = createRedisStore({ url: "redis://127.0.0.1:6379", keyPrefix: "myapp:hooks:" });
 * app.use("/events/:tenantId/proven", webhooks({ provider: proven({ apiKey }), store }));
 * ```
 */
export function createRedisStore(options: RedisDedupeStoreOptions): RedisDedupeStore {
  return new RedisDedupeStore(options);
}

/** Redis wants whole, positive milliseconds for PEXPIRE/PX. */
function ms(value: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`credhooks/redis: TTLs and leases must be finite milliseconds, got ${value}.`);
  return Math.max(1, Math.ceil(value));
}
