import { pageFailures, type FailedDelivery, type FailureListOptions, type FailureSink, type Logger } from "@credhooks/core";
import { Connection, type PostgresConnectionOptions } from "./connection.js";
import { connectionOf, type PostgresStore } from "./postgres-store.js";
import { tablesOf, type PostgresTableNames, type Tables } from "./schema.js";
import { fromSql, toSql } from "./text.js";

/**
 * Options of {@link PostgresFailureSink} and {@link createPostgresFailureSink}: the store
 * whose pool and tables it shares, or a connection of its own; optionally bounded.
 *
 * @example
 * ```ts
 * const shared: PostgresFailureSinkOptions = { store, maxEntries: 10_000 };
 * const separate: PostgresFailureSinkOptions = { connectionString: process.env.DATABASE_URL!, schema: "webhooks" };
 * ```
 */
export type PostgresFailureSinkOptions =
  | {
      /** Share this store's pool, schema and table prefix; the store's `close()` ends the pool. */
      store: PostgresStore;
      /** At most this many entries; a put beyond it drops the oldest (default: no bound). */
      maxEntries?: number;
    }
  | (PostgresConnectionOptions &
      PostgresTableNames & {
        /** At most this many entries; a put beyond it drops the oldest (default: no bound). */
        maxEntries?: number;
        /** The most time, in ms, one call takes before it rejects (default 3000). */
        timeoutMs?: number;
        /** Where connection failures are reported, once per outage; silent by default. */
        logger?: Logger;
        store?: never;
      });

/**
 * The failure sink (dead letters) on PostgreSQL: failed deliveries survive restarts and are
 * visible to every instance, so any of them can `replay()` them. One row per dedupe key
 * (`<prefix>failures`): a repeat replaces the entry (`attempts` counts) instead of piling
 * up. `list()` is oldest first (by `firstFailedAt`, then key). With `maxEntries`, a `put`
 * that brings the table over the bound deletes the oldest entries; without it, entries stay
 * until deleted (`replay()` deletes on success). The table is created by the store's
 * `migrate()` (or `postgresSchemaSql()`).
 *
 * Entries are whole payloads in plain JSON text: grant the table to the roles that need it only.
 *
 * @example
 * ```ts
 * import { PostgresFailureSink } from "@credhooks/postgres";
 * const failures = new PostgresFailureSink({ store, maxEntries: 10_000 });
 * const hooks = webhooks({ provider, store, failures });
 * for (const failed of await failures.list()) console.log(failed.key, failed.reason, failed.attempts);
 * ```
 */
export class PostgresFailureSink implements FailureSink {
  /** The most entries kept, or `undefined` for no bound. */
  readonly maxEntries: number | undefined;
  readonly #connection: Connection;
  /** Whether this sink created the connection (and so ends it). */
  readonly #owns: boolean;
  readonly #t: Tables;

  constructor(options: PostgresFailureSinkOptions) {
    const maxEntries = options.maxEntries;
    if (maxEntries !== undefined && (!Number.isInteger(maxEntries) || maxEntries < 1)) {
      throw new RangeError(`credhooks/postgres: maxEntries must be a whole number ≥ 1, got ${maxEntries}.`);
    }
    this.maxEntries = maxEntries;
    if (options.store !== undefined) {
      const shared = connectionOf.get(options.store);
      if (shared === undefined) throw new TypeError("credhooks/postgres: `store` must be a PostgresStore.");
      this.#connection = shared.connection;
      this.#t = shared.tables;
      this.#owns = false;
    } else {
      this.#t = tablesOf(options);
      this.#connection = new Connection(options, options.timeoutMs, options.logger);
      this.#owns = true;
    }
  }

  async put(entry: FailedDelivery): Promise<void> {
    const f = this.#t.failures;
    await this.#connection.query(
      "the failure sink's put",
      `INSERT INTO ${f} (key, first_failed_at, entry) VALUES ($1::text, $2::text, $3::text)
       ON CONFLICT (key) DO UPDATE SET first_failed_at = excluded.first_failed_at, entry = excluded.entry`,
      [toSql(entry.key), String(entry.firstFailedAt), JSON.stringify(entry)],
    );
    if (this.maxEntries === undefined) return;
    // Keeps the newest maxEntries; concurrent puts each trim, so the bound holds once they are done.
    await this.#connection.query(
      "the failure sink's put",
      `DELETE FROM ${f} WHERE key IN (SELECT key FROM ${f} ORDER BY first_failed_at DESC, key DESC OFFSET $1::int)`,
      [this.maxEntries],
    );
  }

  async get(key: string): Promise<FailedDelivery | undefined> {
    const { rows } = await this.#connection.query<{ entry: string }>("the failure sink's get", `SELECT entry FROM ${this.#t.failures} WHERE key = $1::text`, [toSql(key)]);
    return rows[0] === undefined ? undefined : decode(rows[0].entry);
  }

  /** Every entry, oldest first; with `{ limit, after }`, one page in key order (as every sink pages). */
  async list(options?: FailureListOptions): Promise<readonly FailedDelivery[]> {
    // The columns are COLLATE "C": byte order, the same on every server whatever its locale.
    const { rows } = await this.#connection.query<{ entry: string }>("the failure sink's list", `SELECT entry FROM ${this.#t.failures} ORDER BY first_failed_at, key`);
    const all = rows.map((row) => decode(row.entry));
    return options === undefined ? all : pageFailures(all, options);
  }

  async delete(key: string): Promise<void> {
    await this.#connection.query("the failure sink's delete", `DELETE FROM ${this.#t.failures} WHERE key = $1::text`, [toSql(key)]);
  }

  /** How many entries the sink holds. */
  async size(): Promise<number> {
    const { rows } = await this.#connection.query<{ n: number }>("the failure sink's size", `SELECT count(*)::int AS n FROM ${this.#t.failures}`);
    return rows[0]?.n ?? 0;
  }

  /** Ends the pool if the sink created it (from `connectionString`); a shared one stays open. Idempotent. */
  async close(): Promise<void> {
    if (this.#owns) await this.#connection.end();
  }
}

/**
 * Creates a {@link PostgresFailureSink}: on the store's pool and tables (`{ store }`) or a
 * connection of its own, optionally bounded (`maxEntries`, oldest dropped first).
 *
 * @example
 * ```ts
 * const store = createPostgresStore({ connectionString: process.env.DATABASE_URL! });
 * await store.migrate(); // creates the failures table too
 * const failures = createPostgresFailureSink({ store, maxEntries: 10_000 });
 * const hooks = webhooks({ provider: lissi({ apiKey }), store, failures });
 * ```
 */
export function createPostgresFailureSink(options: PostgresFailureSinkOptions): PostgresFailureSink {
  return new PostgresFailureSink(options);
}

/** JSON keeps every string exact (a lone surrogate or a NUL is written as an escape), so entries need no escaping of their own. */
function decode(stored: string): FailedDelivery {
  return JSON.parse(fromSql(stored)) as FailedDelivery;
}
