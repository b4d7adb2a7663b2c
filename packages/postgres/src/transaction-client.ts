import type { PoolClient } from "pg";

/**
 * The open transaction of a handler registered with `{ transactional: true }` on a
 * `PostgresStore`: the `pg` client inside `BEGIN … COMMIT` that credhooks passes as
 * `event.transaction`, typed. Write the handler's rows through it and they commit together
 * with the handler's success record — or roll back with its failure. Throws a `TypeError`
 * for an event that has no transaction (a handler registered without `{ transactional: true }`).
 *
 * Do not `COMMIT` or `ROLLBACK` on it (credhooks does); savepoints are fine.
 *
 * @example
 * ```ts
 * hooks.on(
 *   "credentials:done",
 *   async (event) => {
 *     const db = transactionClient(event);
 *     await db.query("INSERT INTO issued_credentials (cred_ex_id, tenant_id) VALUES ($1, $2)", [event.payload.cred_ex_id, event.tenantId]);
 *   },
 *   { transactional: true, id: "save-credential" },
 * );
 * ```
 */
export function transactionClient(event: { readonly transaction?: unknown }): PoolClient {
  const transaction = event.transaction;
  if (transaction === undefined || transaction === null || typeof (transaction as { query?: unknown }).query !== "function") {
    throw new TypeError("credhooks/postgres: this event has no transaction: register the handler with { transactional: true } on a receiver whose store is a PostgresStore.");
  }
  return transaction as PoolClient;
}
