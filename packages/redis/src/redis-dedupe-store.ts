import { randomBytes } from "node:crypto";
import type { ClaimResult, DedupeStore } from "@credhooks/core";
import { dedupeScripts } from "./dedupe-scripts.js";
import { FailureDecryptionError, decryptEntry, encryptEntry, isEncrypted, parseEncryptionKeys, type EncryptionKey } from "./failure-encryption.js";
import { connect, disconnect, whenReady, runScript, withTimeout, type Connection, type RedisClient, type RedisConnectionOptions } from "./redis-connection.js";
import { DEFAULT_KEY_PREFIX, dedupeRedisKey, inboxRedisKey } from "./redis-keys.js";

/**
 * Options of {@link RedisDedupeStore} and {@link createRedisStore}: `url` or `client`, plus
 * the key prefix, the per-call timeout and the key that encrypts inbox records.
 *
 * @example
 * ```ts
 * const options: RedisDedupeStoreOptions = { url: "redis://127.0.0.1:6379", keyPrefix: "myapp:", encryptionKey: process.env.CREDHOOKS_INBOX_KEY! };
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
  /**
   * Encrypts inbox records at rest with AES-256-GCM (the failure sink's scheme: a random IV
   * per write, the dedupe key authenticated): 32 bytes, or 32 bytes in base64
   * (`openssl rand -base64 32`). Records hold whole events, including secrets the sender
   * sends you (Crossmint's `data.secret`). A list rotates keys: the first encrypts, all
   * decrypt. Without it records are stored as the core serialized them. Give every instance
   * sharing the inbox the same key(s): an encrypting store refuses plain records and vice versa.
   */
  encryptionKey?: EncryptionKey | readonly EncryptionKey[];
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

// The contract's InboxWrite and DueEntry, derived from DedupeStore (works whether or not the
// core's entry point re-exports them).
type InboxWrite = NonNullable<Parameters<DedupeStore["claim"]>[2]>;
type DueEntry = Awaited<ReturnType<NonNullable<DedupeStore["claimDue"]>>>[number];

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
 * It is `durable` and has the inbox: a claim with an `InboxWrite` stores the event in the
 * event's hash (encrypted with `encryptionKey` if given) and adds it to the sorted set
 * `<prefix>inbox:<queue>`, scored by when it is due; the entry has no TTL until it leaves
 * the inbox (`complete`, or `release` without a retry delay). `claimDue(queue, leaseMs,
 * limit)` takes back, on any instance and one instance at a time, entries whose lease
 * expired or whose retry time came; `inboxSize(queue)` counts a queue's entries.
 *
 * @example
 * ```ts
 * import { RedisDedupeStore } from "@credhooks/redis";
 * const store = new RedisDedupeStore({ url: process.env.REDIS_URL!, encryptionKey: process.env.CREDHOOKS_INBOX_KEY! });
 * const hooks = webhooks({ provider, store });
 * for (const due of await store.claimDue("lissi", 30_000, 10)) console.log(due.key, due.attempts);
 * process.on("SIGTERM", () => void store.close());
 * ```
 */
export class RedisDedupeStore implements DedupeStore {
  /** The ioredis client; pass it as `client` to a `RedisFailureSink` to share the connection. */
  readonly client: RedisClient;
  /** Events survive the process: this store keeps an inbox (`claimDue`) on Redis. */
  readonly durable = true;
  readonly #connection: Connection;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #keys: Buffer[] | undefined;

  constructor(options: RedisDedupeStoreOptions) {
    // Parse the key before connecting: a malformed key fails at start, not at the first event.
    this.#keys = options.encryptionKey === undefined ? undefined : parseEncryptionKeys(options.encryptionKey);
    this.#connection = connect(options);
    this.client = this.#connection.client;
    this.#prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  }

  /** True when inbox records are encrypted at rest (`encryptionKey` given). */
  get encrypted(): boolean {
    return this.#keys !== undefined;
  }

  /**
   * The Redis key that holds `key` (a dedupe key such as `proven:acme:<dedupe id>`), for
   * inspection with `redis-cli`.
   */
  redisKey(key: string): string {
    return dedupeRedisKey(this.#prefix, key);
  }

  /**
   * The sorted set of `queue`'s inbox (members: Redis keys of the entries, scores: when they
   * are due in ms of the Redis clock), for inspection with `redis-cli`.
   */
  inboxRedisKey(queue: string): string {
    return inboxRedisKey(this.#prefix, queue);
  }

  async claim(key: string, leaseMs: number, inbox?: InboxWrite): Promise<ClaimResult> {
    const token = randomBytes(9).toString("base64url");
    const args: Array<string | number> = [ms(leaseMs), token, this.#prefix];
    if (inbox !== undefined) args.push(key, inbox.queue, this.#keys ? encryptEntry(this.#keys[0]!, recordAad(key), inbox.record) : inbox.record);
    let reply: unknown;
    try {
      reply = await this.#run("claim", key, args);
    } catch (error) {
      // A claim that timed out may still run once Redis catches up (it was already sent), and
      // its lease would hold the event for leaseMs while nobody runs it (every retry a 409).
      // Undo it: sent on the same connection, the undo runs after the claim if the claim runs.
      // A claim that put the event in the inbox is undone entirely (out of the inbox again).
      this.#run("abandon", key, [token, this.#prefix]).catch(() => undefined);
      throw error;
    }
    if (!Array.isArray(reply) || typeof reply[0] !== "string") throw new Error("credhooks/redis: unexpected reply to the claim script");
    if (reply[0] === "done") return DONE;
    if (reply[0] === "in-flight") return IN_FLIGHT;
    return { status: "claimed", token, succeeded: new Set(reply.slice(2).map(String)), attempts: Number(reply[1] ?? 0) };
  }

  async renew(key: string, token: string, leaseMs: number): Promise<boolean> {
    return (await this.#run("renew", key, [token, ms(leaseMs), this.#prefix])) === 1;
  }

  async handlerSucceeded(key: string, token: string, handlerId: string, ttlMs: number): Promise<void> {
    await this.#run("handlerSucceeded", key, [token, handlerId, ms(ttlMs)]);
  }

  async complete(key: string, token: string, doneTtlMs: number): Promise<void> {
    await this.#run("complete", key, [token, ms(doneTtlMs), this.#prefix]);
  }

  async release(key: string, token: string, ttlMs: number, retryInMs?: number): Promise<void> {
    await this.#run("release", key, [token, ms(ttlMs), this.#prefix, retryInMs === undefined ? "" : delay(retryInMs)]);
  }

  /**
   * Claims up to `limit` due inbox entries of `queue` in one script: entries whose lease
   * expired or whose retry time came, not held by a live lease. Each gets a new token, a
   * lease of `leaseMs` (its next due time, should this claim be lost too) and one more
   * attempt. Concurrent callers never receive the same entry while its lease lives.
   *
   * With `encryptionKey`, an entry whose record cannot be decrypted (another key, altered in
   * Redis, stored unencrypted) is not returned: its claim is undone (it is due again after
   * `leaseMs`), and the call rejects with a `FailureDecryptionError` when no entry of the batch
   * could be decrypted — so a wrong key is loud, and one bad entry does not block the queue.
   * (A call that times out may still claim entries once Redis catches up: they are due
   * again when that lease ends.)
   */
  async claimDue(queue: string, leaseMs: number, limit: number): Promise<readonly DueEntry[]> {
    const count = Math.floor(limit);
    if (!(count >= 1)) return [];
    const tokenPrefix = randomBytes(9).toString("base64url");
    const reply = await this.#runOn("claimDue", this.inboxRedisKey(queue), [ms(leaseMs), count, tokenPrefix, queue]);
    if (!Array.isArray(reply)) throw new Error("credhooks/redis: unexpected reply to the claimDue script");
    const entries: DueEntry[] = [];
    const undecryptable: Array<{ key: string; token: string; error: FailureDecryptionError }> = [];
    for (const item of reply as unknown[]) {
      if (!Array.isArray(item) || item.length < 5) throw new Error("credhooks/redis: unexpected reply to the claimDue script");
      const [key, token, stored, attempts, succeeded] = item as [unknown, unknown, unknown, unknown, unknown];
      const base = { key: String(key), token: String(token), succeeded: new Set(Array.isArray(succeeded) ? succeeded.map(String) : []), attempts: Number(attempts) };
      try {
        entries.push({ ...base, record: this.#decode(base.key, String(stored)) });
      } catch (error) {
        if (!(error instanceof FailureDecryptionError)) throw error;
        undecryptable.push({ key: base.key, token: base.token, error });
      }
    }
    if (undecryptable.length > 0) {
      await Promise.all(undecryptable.map(({ key, token }) => this.#run("abandon", key, [token, this.#prefix]).catch(() => undefined)));
      if (entries.length === 0) {
        const first = undecryptable[0]!;
        throw new FailureDecryptionError(`${undecryptable.length} inbox ${undecryptable.length === 1 ? "entry" : "entries"} of queue ${JSON.stringify(queue)} could not be read: ${first.error.message}`);
      }
    }
    return entries;
  }

  /** How many entries `queue`'s inbox holds (in flight or waiting for a retry). */
  async inboxSize(queue: string): Promise<number> {
    return withTimeout(this.client.zcard(this.inboxRedisKey(queue)), this.#timeoutMs, "the dedupe store's inboxSize");
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

  #decode(key: string, stored: string): string {
    if (isEncrypted(stored)) {
      if (!this.#keys) throw new FailureDecryptionError(`The inbox record ${JSON.stringify(key)} is encrypted, but this RedisDedupeStore has no encryptionKey; configure the key it was written with.`);
      return decryptEntry(this.#keys, recordAad(key), stored, `inbox record ${JSON.stringify(key)}`);
    }
    // An encrypting store never writes plain records; one found here was written by an
    // instance without the key, or by someone with write access to Redis: never run it.
    if (this.#keys) throw new FailureDecryptionError(`The inbox record ${JSON.stringify(key)} is stored unencrypted, but this RedisDedupeStore encrypts; give every instance the same encryptionKey.`);
    return stored;
  }

  #run(name: keyof typeof dedupeScripts, key: string, args: ReadonlyArray<string | number>): Promise<unknown> {
    return this.#runOn(name, this.redisKey(key), args);
  }

  #runOn(name: keyof typeof dedupeScripts, redisKey: string, args: ReadonlyArray<string | number>): Promise<unknown> {
    let gaveUp = false;
    return withTimeout(runScript(this.client, dedupeScripts[name], redisKey, args, () => gaveUp), this.#timeoutMs, `the dedupe store's ${name}`).catch((error: unknown) => {
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

/**
 * The authenticated data of an inbox record: its dedupe key, marked as an inbox record so a
 * failure sink entry of the same event (same key, perhaps the same encryption key) copied
 * into the record field does not decrypt.
 */
function recordAad(key: string): string {
  return `inbox:${key}`;
}

/** A retry delay: whole, non-negative milliseconds (0: due at once). */
function delay(value: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`credhooks/redis: retry delays must be finite milliseconds, got ${value}.`);
  return Math.max(0, Math.ceil(value));
}

/** Redis wants whole, positive milliseconds for PEXPIRE/PX. */
function ms(value: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`credhooks/redis: TTLs and leases must be finite milliseconds, got ${value}.`);
  return Math.max(1, Math.ceil(value));
}
