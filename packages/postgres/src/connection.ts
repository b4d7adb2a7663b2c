import pg from "pg";
import type { Pool, PoolClient, PoolConfig, QueryResult, QueryResultRow } from "pg";
import { silentLogger, type Logger } from "@credhooks/core";

/**
 * The `pg` pool settings credhooks creates its pool with (from `connectionString`). Each one
 * exists so that a database that is down or stalled makes the store's calls **reject within
 * a bounded time** — the core then answers 503 `STORE_UNAVAILABLE` and the sender retries —
 * instead of waiting for as long as the sender does, and so that the pool reconnects by itself
 * once the database is back (no restart):
 *
 * - `connectionTimeoutMillis: 2000` — a connection attempt, or a wait for a free client of a
 *   busy pool, gives up after 2 s (`pg`'s default waits for ever). A stopped server refuses
 *   at once.
 * - `statement_timeout: 2000` — the server cancels a statement (and rolls its transaction
 *   back) after 2 s: the store's statements take milliseconds, so only a lock queue or an
 *   overloaded server gets there. It also bounds each statement of a transactional handler
 *   (`SET LOCAL statement_timeout = …` in the handler raises it for its transaction).
 * - `keepAlive: true` — TCP keepalives, so a connection to a vanished host is noticed.
 * - `idleTimeoutMillis: 30000` — idle connections are closed after 30 s.
 * - `max: 10` — connections per pool (each process has its own pool). A transactional handler
 *   holds one for as long as it runs: give the pool more than the number of transactional
 *   handlers you expect to run at once.
 * - `application_name: "credhooks"` — the connections are recognisable in `pg_stat_activity`.
 *
 * A store call also gives up by itself after `timeoutMs` (3 s), which bounds it when the
 * server stalls without closing the connection (e.g. `SIGSTOP`, a hung host), where no
 * server-side timeout can fire.
 *
 * @example
 * ```ts
 * import pg from "pg";
 * const pool = new pg.Pool({ ...RECOMMENDED_POOL_CONFIG, connectionString: process.env.DATABASE_URL, max: 20 });
 * const store = createPostgresStore({ pool });
 * ```
 */
export const RECOMMENDED_POOL_CONFIG = Object.freeze({
  max: 10,
  connectionTimeoutMillis: 2000,
  statement_timeout: 2000,
  keepAlive: true,
  idleTimeoutMillis: 30_000,
  application_name: "credhooks",
}) satisfies PoolConfig;

/**
 * Default of the `timeoutMs` option of the store and the sink: the most time one call
 * (waiting for a connection included) takes before it rejects.
 *
 * @example
 * ```ts
 * createPostgresStore({ connectionString, timeoutMs: DEFAULT_TIMEOUT_MS * 2 });
 * ```
 */
export const DEFAULT_TIMEOUT_MS = 3000;

/**
 * How the store or the sink reaches PostgreSQL: a connection string (credhooks creates the
 * pool with {@link RECOMMENDED_POOL_CONFIG} and ends it on `close()`) or a `pg` pool you
 * created (yours: `close()` leaves it open; give it an `error` listener).
 *
 * @example
 * ```ts
 * createPostgresStore({ connectionString: "postgres://app@db.internal/app" });
 * createPostgresStore({ pool: appPool }); // share your application's pool
 * ```
 */
export type PostgresConnectionOptions =
  | {
      /** `postgres://user:password@host:port/database` (every `pg` connection string option works). */
      connectionString: string;
      /** `pg` pool options applied over {@link RECOMMENDED_POOL_CONFIG} (e.g. `max`, `ssl`). */
      poolConfig?: PoolConfig;
      pool?: never;
    }
  | {
      /** A `pg` pool (of `pg` 8). Create it with {@link RECOMMENDED_POOL_CONFIG} for bounded calls. */
      pool: Pool;
      connectionString?: never;
      poolConfig?: never;
    };

/** The pool of a store or sink, whether `close()` ends it, and the bounded calls on it. */
export class Connection {
  readonly pool: Pool;
  readonly owned: boolean;
  readonly timeoutMs: number;
  readonly #logger: Logger;
  #failing = false;

  constructor(options: PostgresConnectionOptions, timeoutMs: number | undefined, logger: Logger | undefined) {
    const timeout = timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeout) || timeout <= 0) throw new RangeError(`credhooks/postgres: timeoutMs must be a positive number of ms, got ${timeout}.`);
    this.timeoutMs = timeout;
    this.#logger = logger ?? silentLogger;
    if (options.pool !== undefined) {
      this.pool = options.pool;
      this.owned = false;
      return;
    }
    if (typeof options.connectionString !== "string" || options.connectionString === "") {
      throw new TypeError("credhooks/postgres: give either `connectionString` (e.g. postgres://user@127.0.0.1:5432/app) or a pg `pool`.");
    }
    this.pool = new pg.Pool({ ...RECOMMENDED_POOL_CONFIG, ...options.poolConfig, connectionString: options.connectionString });
    this.owned = true;
    // An idle client whose server went away emits `error` on the pool: without a listener
    // that would crash the process. One line per outage is enough.
    this.pool.on("error", (error) => this.failed(error));
  }

  /** Reports a lost connection once per outage. */
  failed(error: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#logger.warn({ err: describe(error) }, "credhooks: PostgreSQL connection failed; the store answers 503 until it is back");
  }

  #succeeded(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#logger.info?.({}, "credhooks: PostgreSQL connection restored");
  }

  /** Runs one statement on a pooled client, bounded by `timeoutMs` (waiting for the client included). */
  async query<R extends QueryResultRow>(what: string, text: string, values: readonly unknown[] = []): Promise<QueryResult<R>> {
    const deadline = Date.now() + this.timeoutMs;
    const client = await this.connect(what, deadline);
    try {
      const result = await this.bounded(client, what, client.query<R>(text, values as unknown[]), deadline);
      client.release();
      this.#succeeded();
      return result;
    } catch (error) {
      // A connection whose statement failed or timed out is not reused: it may be broken, or
      // still busy with a statement the server has not answered.
      client.release(error instanceof Error ? error : new Error(String(error)));
      throw this.explain(what, error);
    }
  }

  /** A client from the pool, within the deadline; the caller releases it. */
  async connect(what: string, deadline: number): Promise<PoolClient> {
    const connecting = this.pool.connect();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no connection within ${this.timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
    });
    try {
      return await Promise.race([connecting, timeout]);
    } catch (error) {
      // A connection that arrives after the deadline goes back to the pool.
      connecting.then((late) => late.release(), () => undefined);
      this.failed(error);
      throw this.explain(what, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for `promise` until the deadline; past it, the client's connection is destroyed (the statement may still be running on the server). */
  async bounded<T>(client: PoolClient, what: string, promise: Promise<T>, deadline: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
    });
    promise.catch(() => undefined); // settled after a timeout: nobody waits for it any more
    try {
      return await Promise.race([promise, timeout]);
    } catch (error) {
      if (!isServerError(error)) this.failed(error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** An error that names the call, and what to do when the tables are missing. */
  explain(what: string, error: unknown): Error {
    if (error instanceof Error && error.message.startsWith("credhooks/postgres:")) return error;
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "42P01" || code === "3F000") {
      return new Error(
        `credhooks/postgres: ${what} failed: ${describe(error)}. The tables do not exist yet: run \`await store.migrate()\` once at start, or apply the SQL of postgresSchemaSql() with your own migrations.`,
        { cause: error },
      );
    }
    return new Error(`credhooks/postgres: ${what} failed: ${describe(error)}`, { cause: error });
  }

  /** Ends the pool if it was created here; waits for checked-out clients to come back. */
  async end(): Promise<void> {
    if (!this.owned || this.pool.ended || this.pool.ending) return;
    await this.pool.end();
  }
}

/** A server's answer to a statement (it has a SQLSTATE): the connection itself is fine. */
export function isServerError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith("08") && !code.startsWith("57P");
}

/** An error for logs: name, SQLSTATE and message; never parameters. */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === "string" ? ` ${code}` : ""}: ${error.message}`;
}
