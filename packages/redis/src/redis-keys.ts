import { createHash } from "node:crypto";

/**
 * The key prefix used when none is given: every key credhooks writes starts with it.
 *
 * @example
 * ```ts
 * createRedisStore({ url, keyPrefix: `${DEFAULT_KEY_PREFIX}billing:` }); // "credhooks:billing:d:..."
 * ```
 */
export const DEFAULT_KEY_PREFIX = "credhooks:";

/**
 * Dedupe keys up to this many characters are stored as they are (readable in `redis-cli`);
 * longer ones are hashed, so a key costs at most prefix + 2 + 23 bytes however long the
 * provider's dedupe id is.
 *
 * @example
 * ```ts
 * dedupeKey.length <= MAX_LITERAL_KEY_LENGTH; // true: stored as it is
 * ```
 */
export const MAX_LITERAL_KEY_LENGTH = 64;

/**
 * The Redis key of a dedupe entry: `<prefix>d:<dedupe key>`, or `<prefix>d:#<hash>` when
 * the dedupe key is longer than {@link MAX_LITERAL_KEY_LENGTH} characters (the hash is 128
 * bits of SHA-256 in base64url: 22 characters).
 *
 * @example
 * ```ts
 * dedupeRedisKey("credhooks:", "proven:acme:connection:completed:c1"); // "credhooks:d:proven:acme:connection:completed:c1"
 * dedupeRedisKey("credhooks:", "x".repeat(200)); // "credhooks:d:#" + 22 characters
 * ```
 */
export function dedupeRedisKey(prefix: string, key: string): string {
  // A literal key never starts with "#": keys that do are hashed too, so the two forms cannot collide.
  if (key.length <= MAX_LITERAL_KEY_LENGTH && !key.startsWith("#")) return `${prefix}d:${key}`;
  return `${prefix}d:#${createHash("sha256").update(key, "utf8").digest().subarray(0, 16).toString("base64url")}`;
}

/**
 * The Redis key of the failure sink: one hash, a field per failed delivery.
 *
 * @example
 * ```ts
 * failuresRedisKey("credhooks:"); // "credhooks:failures"
 * ```
 */
export function failuresRedisKey(prefix: string): string {
  return `${prefix}failures`;
}

/**
 * The Redis key of the failure sink's index: a sorted set of the sink's keys (all scored 0,
 * so in key order), which `list({ limit, after })` pages through without reading the whole
 * hash.
 *
 * @example
 * ```ts
 * failuresIndexRedisKey("credhooks:"); // "credhooks:failures:keys" — redis-cli ZRANGE credhooks:failures:keys 0 9
 * ```
 */
export function failuresIndexRedisKey(prefix: string): string {
  return `${prefix}failures:keys`;
}

/**
 * The Redis key of a queue's inbox: a sorted set whose members are the Redis keys of the
 * queue's entries (see {@link dedupeRedisKey}), scored by when each is due (ms, Redis clock).
 * Not declared to Redis Cluster by the scripts: keep every key of one prefix in one slot
 * (a hash tag in the prefix) if you ever try a cluster.
 *
 * @example
 * ```ts
 * inboxRedisKey("credhooks:", "lissi"); // "credhooks:inbox:lissi" — redis-cli ZRANGE credhooks:inbox:lissi 0 -1 WITHSCORES
 * ```
 */
export function inboxRedisKey(prefix: string, queue: string): string {
  return `${prefix}inbox:${queue}`;
}
