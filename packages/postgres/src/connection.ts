import { createHash } from "node:crypto";
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
 * - `max: 10` — connections per pool (each process has its own pool), shared out: at most
 *   30 % for new claims, at most `max` − that − 2 for transactional handlers (each holds one
 *   for as long as it runs; more wait for their turn, up to 10 s), the rest always free for
 *   lease renewals and marking events done. Raise it with the number of transactional
 *   handlers you expect to run at once (`max: 20`: 6 claims, 12 transactions).
 * - `application_name: "credhooks"` — the connections are recognisable in `pg_stat_activity`.
 *
 * A store call also stops waiting by itself: for a connection after `timeoutMs` (3 s), and
 * for the statement's answer after another `timeoutMs`, which bounds it when the server
 * stalls without closing the connection (e.g. `SIGSTOP`, a hung host), where no server-side
 * timeout can fire. Keep `statement_timeout` below `timeoutMs`: the server then cancels a slow
 * statement (rolling it back) before credhooks gives up on it.
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

/**
 * At most `size` holders at once; the others wait in order, each until its deadline. The
 * pool is shared out with two of them (see {@link Connection}).
 */
class Limiter {
  #free: number;
  readonly #waiting: Array<() => void> = [];
  constructor(size: number) {
    this.#free = size;
  }
  /** Resolves with the function that gives the permit back; rejects at the deadline. */
  acquire(deadline: number, busy: string): Promise<() => void> {
    const release = () => {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(once(release));
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(once(release));
      };
      const timer = setTimeout(() => {
        const index = this.#waiting.indexOf(grant);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(new Error(busy));
      }, Math.max(0, deadline - Date.now()));
      this.#waiting.push(grant);
    });
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/** How long a transactional handler waits for a connection of its share of the pool before it fails (and is retried). */
export const TRANSACTION_WAIT_MS = 10_000;

/**
 * The pool of a store or sink, whether `close()` ends it, and the bounded calls on it.
 *
 * The pool's `max` connections are shared out so that none of credhooks' uses can starve
 * another: new claims (and the inbox's reads) use at most 30 % of them, the transactions of
 * transactional handlers — each holding a connection while its handler runs — at most what
 * leaves two free beside the claims' share; lease renewals and settling (done, released,
 * successes) are never held back, so an event whose handlers ran is marked done, and a lease
 * renewed, even while a flood of new deliveries or long handlers wait for their turn. With
 * `max: 10`: 3 claims, 5 transactions, 2 and more for renewals and settling.
 */
export class Connection {
  readonly pool: Pool;
  readonly owned: boolean;
  readonly timeoutMs: number;
  readonly #logger: Logger;
  #failing = false;
  #shares: { claims: Limiter; transactions: Limiter } | undefined;

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

  /**
   * Runs one statement on a pooled client, bounded by `timeoutMs` (waiting for the client
   * included). Unless `priority`, it waits for the claims' share of the pool.
   */
  async query<R extends QueryResultRow>(what: string, text: string, values: readonly unknown[] = [], priority = false): Promise<QueryResult<R>> {
    const deadline = Date.now() + this.timeoutMs;
    let permit: (() => void) | undefined;
    if (!priority) {
      try {
        permit = await this.#sharesOf().claims.acquire(deadline, `no connection within ${this.timeoutMs} ms (the pool's share for new claims is busy)`);
      } catch (error) {
        throw this.explain(what, error);
      }
    }
    try {
      const client = await this.connect(what, deadline);
      try {
        // The statement gets a bound of its own, longer than the server's statement_timeout
        // (2 s with the recommended settings): a statement the server runs is cancelled (and
        // rolled back) by the server before credhooks stops waiting for it, so a call that
        // fails has not changed anything — unless the server stalled or the connection died.
        // A named statement: parsed and planned once per connection, then only executed.
        const result = await this.bounded(client, what, client.query<R>({ name: statementName(text), text, values: values as unknown[] }), Date.now() + this.timeoutMs);
        client.release();
        this.#succeeded();
        return result;
      } catch (error) {
        // A connection whose statement failed or timed out is not reused: it may be broken, or
        // still busy with a statement the server has not answered.
        client.release(error instanceof Error ? error : new Error(String(error)));
        const explained = this.explain(what, error);
        // Sent, and no answer from the server: it may still run (or have run) the statement.
        if (!isServerError(error)) (explained as MaybeApplied).maybeApplied = true;
        throw explained;
      }
    } finally {
      permit?.();
    }
  }

  /**
   * A client for a transactional handler, from the transactions' share of the pool (waiting
   * up to {@link TRANSACTION_WAIT_MS} for it); `release` gives the client and the share back.
   */
  async connectForTransaction(what: string): Promise<{ client: PoolClient; release: (error?: Error) => void }> {
    let permit: () => void;
    try {
      permit = await this.#sharesOf().transactions.acquire(Date.now() + TRANSACTION_WAIT_MS, `no connection within ${TRANSACTION_WAIT_MS} ms (the pool's share for transactional handlers is busy: raise the pool's max)`);
    } catch (error) {
      throw this.explain(what, error);
    }
    try {
      const client = await this.connect(what, Date.now() + this.timeoutMs);
      return {
        client,
        release: (error) => {
          client.release(error);
          permit();
        },
      };
    } catch (error) {
      permit();
      throw error;
    }
  }

  /** Sized from the pool's `max` (read late: a pool you pass may be configured after the store is created). */
  #sharesOf(): { claims: Limiter; transactions: Limiter } {
    if (this.#shares === undefined) {
      const configured = Number((this.pool as { options?: { max?: unknown } }).options?.max ?? 10);
      const max = Number.isFinite(configured) && configured >= 1 ? Math.floor(configured) : 10;
      const claims = Math.max(1, Math.floor(max * 0.3));
      this.#shares = { claims: new Limiter(claims), transactions: new Limiter(Math.max(1, max - claims - 2)) };
    }
    return this.#shares;
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

const names = new Map<string, string>();
/** A prepared statement's name: one per statement text (the table names are part of it). */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `credhooks_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

/** An error of a statement that was sent but never answered: the server may have run it. */
export interface MaybeApplied extends Error {
  maybeApplied?: true;
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
