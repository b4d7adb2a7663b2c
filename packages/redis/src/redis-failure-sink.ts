import { silentLogger, type FailedDelivery, type FailureListOptions, type FailureSink, type Logger } from "@credhooks/core";
import { FailureDecryptionError, decryptEntry, encryptEntry, isEncrypted, parseEncryptionKeys, type EncryptionKey } from "./failure-encryption.js";
import { connect, disconnect, whenReady, withTimeout, type Connection, type RedisClient, type RedisConnectionOptions } from "./redis-connection.js";
import { DEFAULT_KEY_PREFIX, failuresIndexRedisKey, failuresRedisKey } from "./redis-keys.js";
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
  /**
   * Prefix of the sink's keys (default `"credhooks:"`): entries live in the hash
   * `<prefix>failures`, their keys in the sorted set `<prefix>failures:keys` (for paging).
   */
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
  /**
   * Where entries `list()` skips are reported (pino-compatible; silent by default): an entry
   * that cannot be decrypted or parsed is logged with its key and left in place, so one bad
   * entry never hides the others or makes `replayAll()` throw.
   */
  logger?: Logger;
};

/** Entries read per Redis round trip by `list()` without options. */
const LIST_BATCH = 100;

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
  readonly #indexKey: string;
  readonly #keys: Buffer[] | undefined;
  readonly #timeoutMs: number;
  readonly #logger: Logger;

  constructor(options: RedisFailureSinkOptions) {
    // Parse the key before connecting: a malformed key fails at start, not at the first failure.
    this.#keys = options.encryptionKey === undefined ? undefined : parseEncryptionKeys(options.encryptionKey);
    this.#connection = connect(options);
    this.client = this.#connection.client;
    this.#hashKey = failuresRedisKey(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    this.#indexKey = failuresIndexRedisKey(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    this.#logger = options.logger ?? silentLogger;
  }

  /** True when entries are encrypted at rest. */
  get encrypted(): boolean {
    return this.#keys !== undefined;
  }

  async put(entry: FailedDelivery): Promise<void> {
    const json = JSON.stringify(entry);
    const value = this.#keys ? encryptEntry(this.#keys[0]!, entry.key, json) : json;
    // The entry and its place in the index together: list() pages through the index.
    await this.#call("put", this.client.multi().hset(this.#hashKey, entry.key, value).zadd(this.#indexKey, 0, entry.key).exec().then(failedStep));
  }

  async get(key: string): Promise<FailedDelivery | undefined> {
    const stored = await this.#call("get", this.client.hget(this.#hashKey, key));
    return stored === null ? undefined : this.#decode(key, stored);
  }

  /**
   * Without options, every entry, oldest first, read 100 at a time. With
   * `{ limit, after }`, one page in key order. Entries that cannot be decrypted or parsed
   * are skipped (and logged), never thrown: `get(key)` still throws for them.
   */
  async list(options?: FailureListOptions): Promise<readonly FailedDelivery[]> {
    if (options !== undefined) return this.#page(Math.max(1, Math.floor(options.limit)), options.after);
    const all: FailedDelivery[] = [];
    let after: string | undefined;
    for (;;) {
      const { entries, last } = await this.#read(LIST_BATCH, after);
      all.push(...entries);
      if (last === undefined) break;
      after = last;
    }
    return all.sort((a, b) => a.firstFailedAt.localeCompare(b.firstFailedAt) || a.key.localeCompare(b.key));
  }

  async delete(key: string): Promise<void> {
    await this.#call("delete", this.client.multi().hdel(this.#hashKey, key).zrem(this.#indexKey, key).exec().then(failedStep));
  }

  /** How many entries the sink holds (the size of its index: one round trip). */
  async size(): Promise<number> {
    return this.#call("size", this.client.zcard(this.#indexKey));
  }

  /** One page: reads on past skipped entries, so only the last page is shorter than `limit`. */
  async #page(limit: number, after: string | undefined): Promise<FailedDelivery[]> {
    const page: FailedDelivery[] = [];
    let from = after;
    while (page.length < limit) {
      const { entries, last } = await this.#read(limit - page.length, from);
      page.push(...entries);
      if (last === undefined) break;
      from = last;
    }
    return page;
  }

  /**
   * Up to `count` keys of the index after `after`, and their decodable entries; `last` is the
   * last key read, undefined once the index is exhausted.
   */
  async #read(count: number, after: string | undefined): Promise<{ entries: FailedDelivery[]; last: string | undefined }> {
    const keys = await this.#call("list", this.client.zrangebylex(this.#indexKey, after === undefined ? "-" : `(${after}`, "+", "LIMIT", 0, count));
    if (keys.length === 0) return { entries: [], last: undefined };
    const values = await this.#call("list", this.client.hmget(this.#hashKey, ...keys));
    const entries: FailedDelivery[] = [];
    const gone: string[] = [];
    keys.forEach((key, i) => {
      const stored = values[i];
      if (stored === null || stored === undefined) return void gone.push(key);
      try {
        entries.push(this.#decode(key, stored));
      } catch (error) {
        this.#logger.warn(
          { key, err: error instanceof Error ? error.message : String(error) },
          "credhooks/redis: a failed delivery in the failure sink could not be read and was skipped; get(key) shows why, delete(key) removes it",
        );
      }
    });
    // Index members whose entry was removed behind the sink's back (HDEL from redis-cli).
    if (gone.length > 0) await this.#call("list", this.client.zrem(this.#indexKey, ...gone));
    return { entries, last: keys.length < count ? undefined : keys[keys.length - 1] };
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

/** A MULTI's result: rejects with the first command's error (EXEC answers them per command). */
function failedStep(results: Array<[Error | null, unknown]> | null): void {
  if (results === null) throw new Error("credhooks/redis: the failure sink's transaction was aborted");
  for (const [error] of results) if (error) throw error;
}
