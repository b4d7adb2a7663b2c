/**
 * The credhooks dedupe store and failure sink on Redis: each handler runs once per event across instances.
 *
 * @module @credhooks/redis
 */
export { RedisDedupeStore, createRedisStore, DEFAULT_STORE_TIMEOUT_MS } from "./redis-dedupe-store.js";
export type { RedisDedupeStoreOptions } from "./redis-dedupe-store.js";
export { RedisFailureSink, createRedisFailureSink } from "./redis-failure-sink.js";
export type { RedisFailureSinkOptions } from "./redis-failure-sink.js";
export { createRedisClient, RECOMMENDED_REDIS_OPTIONS } from "./create-redis-client.js";
export type { CreateRedisClientOptions } from "./create-redis-client.js";
export type { RedisClient, RedisConnectionOptions } from "./redis-connection.js";
export { FailureDecryptionError } from "./failure-encryption.js";
export type { EncryptionKey } from "./failure-encryption.js";
export { DEFAULT_KEY_PREFIX, MAX_LITERAL_KEY_LENGTH, dedupeRedisKey, failuresIndexRedisKey, failuresRedisKey } from "./redis-keys.js";
