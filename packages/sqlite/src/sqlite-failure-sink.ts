import { pageFailures, type FailedDelivery, type FailureListOptions, type FailureSink } from "@credhooks/core";
import type { Statement, Transaction } from "better-sqlite3";
import { connectionOf, fromSql, openDatabase, toSql, type Db, type Opened } from "./database.js";
import type { SqliteStore } from "./sqlite-store.js";

/**
 * Options of {@link SqliteFailureSink} and {@link createSqliteFailureSink}: the store whose
 * connection (file, table prefix) it shares, or a `path` of its own.
 *
 * @example
 * ```ts
 * const shared: SqliteFailureSinkOptions = { store, maxEntries: 10_000 };
 * const separate: SqliteFailureSinkOptions = { path: "./failures.db" };
 * ```
 */
export type SqliteFailureSinkOptions =
  | {
      /** Share this store's connection: same file, same table prefix, one `close()` (the store's). */
      store: SqliteStore;
      /** At most this many entries; a put beyond it drops the oldest (default: no bound). */
      maxEntries?: number;
    }
  | {
      /** The database file, created if missing (mode 0600), or `":memory:"`. It may be the store's file. */
      path: string;
      /** How long a call waits for another connection's write lock, in ms (default 2000). */
      busyTimeoutMs?: number;
      /** Prefix of the tables (default `"credhooks_"`): entries live in `<prefix>failures`. */
      tablePrefix?: string;
      /** When a commit reaches the disk: `"full"` (default, fsync per put) or `"normal"` (see `SqliteStoreOptions`). */
      synchronous?: "full" | "normal";
      /** At most this many entries; a put beyond it drops the oldest (default: no bound). */
      maxEntries?: number;
    };

type SqlText = string | Buffer;

/**
 * The failure sink (dead letters) on SQLite: failed deliveries survive restarts, in the
 * store's file or one of their own. One row per dedupe key: a repeat replaces the entry
 * (`attempts` counts) instead of piling up. `list()` is oldest first (by `firstFailedAt`,
 * then key). With `maxEntries`, a `put` that brings the table over the bound deletes the
 * oldest entries (the front of `list()`) in the same transaction; without it, entries stay
 * until deleted (`replay()` deletes on success).
 *
 * Entries are whole payloads in plain JSON: keep the file private (it is created with mode
 * 0600) and out of backups you would not trust with the senders' data.
 *
 * @example
 * ```ts
 * import { SqliteFailureSink } from "@credhooks/sqlite";
 * const failures = new SqliteFailureSink({ store, maxEntries: 10_000 });
 * const hooks = webhooks({ provider, store, failures });
 * for (const failed of failures.list()) console.log(failed.key, failed.reason, failed.attempts);
 * ```
 */
export class SqliteFailureSink implements FailureSink {
  /** The most entries kept, or `undefined` for no bound. */
  readonly maxEntries: number | undefined;
  readonly #db: Db;
  /** Whether this sink opened the connection (and so closes it). */
  readonly #owns: boolean;
  readonly #get: Statement<[SqlText], string>;
  readonly #list: Statement<[], string>;
  readonly #delete: Statement<[SqlText]>;
  readonly #count: Statement<[], number>;
  readonly #putTx: Transaction<(entry: FailedDelivery) => void>;

  constructor(options: SqliteFailureSinkOptions) {
    const maxEntries = options.maxEntries;
    if (maxEntries !== undefined && (!Number.isInteger(maxEntries) || maxEntries < 1)) {
      throw new RangeError(`credhooks/sqlite: maxEntries must be a whole number ≥ 1, got ${maxEntries}.`);
    }
    this.maxEntries = maxEntries;
    let opened: Opened;
    if ("store" in options) {
      const shared = connectionOf.get(options.store);
      if (shared === undefined) throw new TypeError("credhooks/sqlite: `store` must be a SqliteStore.");
      opened = shared;
      this.#owns = false;
    } else {
      opened = openDatabase(options);
      this.#owns = true;
    }
    const db = opened.db;
    this.#db = db;
    const f = opened.tables.failures;
    this.#get = db.prepare<[SqlText], string>(`SELECT entry FROM ${f} WHERE key = ?`).pluck();
    this.#list = db.prepare<[], string>(`SELECT entry FROM ${f} ORDER BY first_failed_at, key`).pluck();
    this.#delete = db.prepare(`DELETE FROM ${f} WHERE key = ?`);
    this.#count = db.prepare<[], number>(`SELECT count(*) FROM ${f}`).pluck();
    const upsert = db.prepare<[SqlText, string, string]>(
      `INSERT INTO ${f} (key, first_failed_at, entry) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET first_failed_at = excluded.first_failed_at, entry = excluded.entry`,
    );
    const trim = db.prepare<[number]>(`DELETE FROM ${f} WHERE key IN (SELECT key FROM ${f} ORDER BY first_failed_at, key LIMIT ?)`);
    this.#putTx = db.transaction((entry: FailedDelivery) => {
      upsert.run(toSql(entry.key), String(entry.firstFailedAt), JSON.stringify(entry));
      if (maxEntries === undefined) return;
      const over = (this.#count.get() ?? 0) - maxEntries;
      if (over > 0) trim.run(over);
    });
  }

  put(entry: FailedDelivery): void {
    this.#putTx.immediate(entry);
  }

  get(key: string): FailedDelivery | undefined {
    const stored = this.#get.get(toSql(key));
    return stored === undefined ? undefined : decode(stored);
  }

  /** Every entry, oldest first; with `{ limit, after }`, one page in key order (as every sink pages). */
  list(options?: FailureListOptions): readonly FailedDelivery[] {
    const all = this.#list.all().map(decode);
    return options === undefined ? all : pageFailures(all, options);
  }

  delete(key: string): void {
    this.#delete.run(toSql(key));
  }

  /** How many entries the sink holds. */
  get size(): number {
    return this.#count.get() ?? 0;
  }

  /** Closes the connection if the sink opened it (from `path`); one shared with a store stays open. Idempotent. */
  close(): void {
    if (this.#owns && this.#db.open) this.#db.close();
  }
}

/**
 * Creates a {@link SqliteFailureSink}: on the store's connection (`{ store }`) or on a file
 * of its own (`{ path }`), optionally bounded (`maxEntries`, oldest dropped first).
 *
 * @example
 * ```ts
 * const store = createSqliteStore({ path: "./credhooks.db" });
 * const failures = createSqliteFailureSink({ store, maxEntries: 10_000 });
 * const hooks = webhooks({ provider: lissi({ apiKey }), store, failures });
 * ```
 */
export function createSqliteFailureSink(options: SqliteFailureSinkOptions): SqliteFailureSink {
  return new SqliteFailureSink(options);
}

/** JSON keeps every string exact (a lone surrogate is written as an escape), so entries need no BLOB fallback. */
function decode(stored: SqlText): FailedDelivery {
  return JSON.parse(fromSql(stored)) as FailedDelivery;
}
