/**
 * Default of the `busyTimeoutMs` option: how long a call waits for another connection's
 * write transaction (another process on the same file) before it throws.
 *
 * @example
 * ```ts
 * createSqliteStore({ path: "./credhooks.db", busyTimeoutMs: DEFAULT_BUSY_TIMEOUT_MS * 2 });
 * ```
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 2000;
