/**
 * The credhooks dedupe store, inbox and failure sink on SQLite: durable and embedded, one file on disk, no server.
 *
 * @module @credhooks/sqlite
 */
export { SqliteStore, createSqliteStore } from "./sqlite-store.js";
export type { SqliteStoreOptions } from "./sqlite-store.js";
export { DEFAULT_BUSY_TIMEOUT_MS } from "./constants.js";
export { SqliteFailureSink, createSqliteFailureSink } from "./sqlite-failure-sink.js";
export type { SqliteFailureSinkOptions } from "./sqlite-failure-sink.js";
