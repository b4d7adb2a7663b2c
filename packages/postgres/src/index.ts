/**
 * The credhooks dedupe store, inbox and failure sink on PostgreSQL, and transactional
 * handlers: a handler's writes and its success record commit in one transaction.
 *
 * @module @credhooks/postgres
 */
export { PostgresStore, createPostgresStore } from "./postgres-store.js";
export type { PostgresStoreOptions } from "./postgres-store.js";
export { PostgresFailureSink, createPostgresFailureSink } from "./postgres-failure-sink.js";
export type { PostgresFailureSinkOptions } from "./postgres-failure-sink.js";
export { RECOMMENDED_POOL_CONFIG, DEFAULT_TIMEOUT_MS } from "./connection.js";
export type { PostgresConnectionOptions } from "./connection.js";
export { postgresSchemaSql } from "./schema.js";
export type { PostgresTableNames } from "./schema.js";
export { transactionClient } from "./transaction-client.js";
