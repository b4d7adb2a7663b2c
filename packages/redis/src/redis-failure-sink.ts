import type { FailedDelivery, FailureSink } from "@credhooks/core";
import { FailureDecryptionError, decryptEntry, encryptEntry, isEncrypted, parseEncryptionKeys, type EncryptionKey } from "./failure-encryption.js";
import { connect, disconnect, whenReady, withTimeout, type Connection, type RedisClient, type RedisConnectionOptions } from "./redis-connection.js";
import { DEFAULT_KEY_PREFIX, failuresRedisKey } from "./redis-keys.js";
import { DEFAULT_STORE_TIMEOUT_MS } from "./redis-dedupe-store.js";

/**
 * Options of {@link RedisFailureSink} and {@link createRedisFailureSink}.
 *
 * @example
 * ```ts
 * const options: RedisFailureSinkOptions = { client: store.client, encryptionKey: process.env.CREDHOOKS_SINK_KEY! };
 * ```
 */
export type RedisFailureSinkOptions = RedisConnectionOptions & {
  /** Prefix of the sink's key (default `"credhooks:"`): entries live in the hash `<prefix>failures`. */
  keyPrefix?: string;
  /**
   * Encrypts entries at rest with AES-256-GCM: 32 bytes, or 32 bytes in base64
   * (`openssl rand -base64 32`). Failed deliveries hold whole payloads, including secrets
   * the sender sends you (Crossmint's `data.secret`). A list rotates keys: the first
   * encrypts, all decrypt. Without it entries are stored as plain JSON.
   */
  encryptionKey?: EncryptionKey | readonly EncryptionKey[];
  /** Upper bound in ms on each call (default 2000). */
  timeoutMs?: number;
};

/**
 * The failure sink (dead letters) on Redis: failed deliveries survive restarts and are
 * visible to every instance, so any of them can `replay()` them. One hash field per
 * dedupe key: a sender's retries of the same event replace the entry (and `attempts`
 * counts them) instead of piling up. Entries have no TTL; delete them after a replay or
 * once inspected (`replay()` deletes on success).
 *
 * @example
 * ```ts
 * import { RedisFailureSink } from "@credhooks/redis";
 * const failures = new RedisFailureSink({ client: store.client, encryptionKey: process.env.CREDHOOKS_SINK_KEY! });
 * const hooks = webhooks({ provider, store, failures });
 * for (const outcome of await hooks.replayAll()) console.log(outcome.key, outcome.status);
 * ```
 */
export class RedisFailureSink implements FailureSink {
  /** The ioredis client. */
  readonly client: RedisClient;
  readonly #connection: Connection;
  readonly #hashKey: string;
  readonly #keys: Buffer[] | undefined;
  readonly #timeoutMs: number;

  constructor(options: RedisFailureSinkOptions) {
    // Parse the key before connecting: a malformed key fails at start, not at the first failure.
    this.#keys = options.encryptionKey === undefined ? undefined : parseEncryptionKeys(options.encryptionKey);
    this.#connection = connect(options);
    this.client = this.#connection.client;
    this.#hashKey = failuresRedisKey(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  }

  /** True when entries are encrypted at rest. */
  get encrypted(): boolean {
    return this.#keys !== undefined;
  }

  async put(entry: FailedDelivery): Promise<void> {
    const json = JSON.stringify(entry);
    const value = this.#keys ? encryptEntry(this.#keys[0]!, entry.key, json) : json;
    await this.#call("put", this.client.hset(this.#hashKey, entry.key, value));
  }

  async get(key: string): Promise<FailedDelivery | undefined> {
    const stored = await this.#call("get", this.client.hget(this.#hashKey, key));
    return stored === null ? undefined : this.#decode(key, stored);
  }

  async list(): Promise<readonly FailedDelivery[]> {
    const all = await this.#call("list", this.client.hgetall(this.#hashKey));
    return Object.entries(all)
      .map(([key, stored]) => this.#decode(key, stored))
      .sort((a, b) => a.firstFailedAt.localeCompare(b.firstFailedAt) || a.key.localeCompare(b.key));
  }

  async delete(key: string): Promise<void> {
    await this.#call("delete", this.client.hdel(this.#hashKey, key));
  }

  /**
   * Resolves once Redis is connected (rejects after `timeoutMs`, default 10 s). Await it
   * before listening: with the recommended options a command sent earlier fails at once.
   */
  ready(timeoutMs = 10_000): Promise<void> {
    return whenReady(this.client, timeoutMs);
  }

  /** Quits the client if the sink created it (from `url`); a client you passed stays open. */
  close(): Promise<void> {
    return disconnect(this.#connection);
  }

  #decode(key: string, stored: string): FailedDelivery {
    if (isEncrypted(stored)) {
      if (!this.#keys) throw new FailureDecryptionError(`The failed delivery ${JSON.stringify(key)} is encrypted, but this RedisFailureSink has no encryptionKey; configure the key it was written with.`);
      return JSON.parse(decryptEntry(this.#keys, key, stored)) as FailedDelivery;
    }
    // A sink with a key never writes plain entries; one found here was written without
    // encryption (before it was turned on) or by someone with write access to Redis.
    if (this.#keys) throw new FailureDecryptionError(`The failed delivery ${JSON.stringify(key)} is stored unencrypted, but this RedisFailureSink encrypts; re-save it with a sink that has the key, or delete it.`);
    return JSON.parse(stored) as FailedDelivery;
  }

  #call<T>(what: string, promise: Promise<T>): Promise<T> {
    return withTimeout(promise, this.#timeoutMs, `the failure sink's ${what}`);
  }
}

/**
 * Creates a {@link RedisFailureSink}, from a URL or from your ioredis client (share the
 * dedupe store's: `{ client: store.client }`).
 *
 * @example
 * ```ts
 * const failures = createRedisFailureSink({ client: store.client, encryptionKey: process.env.CREDHOOKS_SINK_KEY! });
 * ```
 */
export function createRedisFailureSink(options: RedisFailureSinkOptions): RedisFailureSink {
  return new RedisFailureSink(options);
}
