import { randomBytes } from "node:crypto";
import type { ClaimResult, DedupeStore, DueEntry, InboxWrite, Logger } from "@credhooks/core";
import type { Pool } from "pg";
import { Connection, type MaybeApplied, type PostgresConnectionOptions } from "./connection.js";
import { SCHEMA_VERSION, schemaStatements, tablesOf, type PostgresTableNames, type Tables } from "./schema.js";
import { fromSql, ms, toSql } from "./text.js";

/**
 * Options of {@link PostgresStore} and {@link createPostgresStore}: how to reach the
 * database (`connectionString` or your `pool`), where the tables are (`schema`,
 * `tablePrefix`), the bound on each call and the lazy purge.
 *
 * @example
 * ```ts
 * const options: PostgresStoreOptions = { connectionString: process.env.DATABASE_URL!, schema: "webhooks", poolConfig: { max: 20 } };
 * const store = createPostgresStore(options);
 * ```
 */
export type PostgresStoreOptions = PostgresConnectionOptions &
  PostgresTableNames & {
    /**
     * The most time, in ms, one call takes before it rejects (default 3000), waiting for a
     * pooled connection included. A rejected call makes the core answer 503
     * `STORE_UNAVAILABLE` (the sender retries).
     */
    timeoutMs?: number;
    /**
     * Expired rows (done markers past the done TTL, released events past theirs) count as
     * absent at once and are deleted lazily: up to 1000 of them, in the background, after
     * every `purgeEvery` writes of this store (default 1000). `0` turns that off; then call
     * `purgeExpired()` yourself (e.g. from a timer or a cron job).
     */
    purgeEvery?: number;
    /** Where connection failures are reported (pino-compatible), once per outage; silent by default. */
    logger?: Logger;
  };

/** Expired rows deleted per lazy purge. */
const PURGE_BATCH = 1000;

/** When the undo of an unanswered claim is sent (ms after it failed): soon, and again once a stalled server could have caught up. */
const ABANDON_AFTER_MS = [200, 3000, 10_000, 30_000];

const DONE: ClaimResult = Object.freeze({ status: "done" });
const IN_FLIGHT: ClaimResult = Object.freeze({ status: "in-flight" });

/** `n` ms as an interval, `n` a float8 parameter. */
const after = (param: string) => `(clock_timestamp() + ${param}::float8 * interval '1 millisecond')`;

/** The statements of one set of tables, built once. */
interface Statements {
  claim: string;
  renew: string;
  handlerSucceeded: string;
  held: string;
  complete: string;
  release: string;
  claimDue: string;
  inboxSize: string;
  purge: string;
  abandon: string;
}

function statements(t: Tables): Statements {
  const e = t.events;
  // A row counts while it has not expired: inbox entries never do (expires_at IS NULL).
  const live = `(expires_at IS NULL OR expires_at > clock_timestamp())`;
  const owned = `key = $1::text AND token = $2::text AND state = 'open' AND ${live}`;
  const gone = `(e.expires_at IS NOT NULL AND e.expires_at <= clock_timestamp())`;
  return {
    // One statement. A row that is visibly busy (done, or held by a live lease) is answered
    // from the statement's snapshot, without a lock: a flood of duplicates only reads. Else a
    // new event is inserted, or an existing row taken over when it is free (expired, released,
    // or its lease ran out): ON CONFLICT DO UPDATE locks the row and re-checks it on its newest
    // version, so concurrent claims of one event queue up on the row and exactly one wins;
    // RETURNING gives the handler successes from that newest version (they live in the row for
    // this reason). No row at all (a claim that lost that race) means in flight.
    claim: `
WITH busy AS (
  SELECT CASE WHEN state = 'done' THEN 'done' ELSE 'in-flight' END AS status FROM ${e}
  WHERE key = $1::text AND ${live} AND (state = 'done' OR (token IS NOT NULL AND lease_until > clock_timestamp()))
),
claimed AS (
  INSERT INTO ${e} AS e (key, state, token, lease_until, expires_at, attempts, succeeded, queue, record, due_at)
  SELECT $1::text, 'open', $2::text, l.lease_end,
         CASE WHEN $4::text IS NULL THEN l.lease_end END,
         CASE WHEN $4::text IS NULL THEN 0 ELSE 1 END,
         '{}', $4::text, $5::text,
         CASE WHEN $4::text IS NOT NULL THEN l.lease_end END
  FROM (SELECT ${after("$3")} AS lease_end) l
  WHERE NOT EXISTS (SELECT 1 FROM busy)
  ON CONFLICT (key) DO UPDATE SET
    state = 'open',
    token = excluded.token,
    lease_until = excluded.lease_until,
    succeeded = CASE WHEN ${gone} THEN '{}' ELSE e.succeeded END,
    attempts = CASE
      WHEN excluded.queue IS NOT NULL THEN (CASE WHEN ${gone} OR e.queue IS NULL THEN 0 ELSE e.attempts END) + 1
      WHEN e.queue IS NOT NULL THEN e.attempts + 1
      ELSE 0 END,
    queue = CASE WHEN excluded.queue IS NOT NULL THEN excluded.queue WHEN ${gone} THEN NULL ELSE e.queue END,
    record = CASE WHEN excluded.queue IS NOT NULL THEN excluded.record WHEN ${gone} THEN NULL ELSE e.record END,
    due_at = CASE WHEN excluded.queue IS NOT NULL OR e.queue IS NOT NULL THEN excluded.lease_until END,
    expires_at = CASE
      WHEN excluded.queue IS NOT NULL OR e.queue IS NOT NULL THEN NULL
      WHEN ${gone} THEN excluded.lease_until
      ELSE greatest(excluded.lease_until, e.expires_at) END
  WHERE ${gone} OR (e.state = 'open' AND (e.token IS NULL OR e.lease_until <= clock_timestamp()))
  RETURNING e.attempts, e.succeeded
)
SELECT 'claimed' AS status, attempts, succeeded FROM claimed
UNION ALL
SELECT status, 0, NULL FROM busy`,
    // In the inbox the lease end is also when claimDue may take the entry back; outside it,
    // the row lives at least as long as the lease.
    renew: `
UPDATE ${e} SET
  lease_until = ${after("$3")},
  due_at = CASE WHEN queue IS NOT NULL THEN ${after("$3")} END,
  expires_at = CASE WHEN queue IS NULL THEN greatest(expires_at, ${after("$3")}) END
WHERE ${owned}`,
    handlerSucceeded: `
UPDATE ${e} SET
  succeeded = CASE WHEN $3::text = ANY (succeeded) THEN succeeded ELSE array_append(succeeded, $3::text) END,
  expires_at = CASE WHEN queue IS NULL THEN greatest(expires_at, ${after("$4")}) END
WHERE ${owned}`,
    held: `SELECT 1 FROM ${e} WHERE ${owned}`,
    complete: `
UPDATE ${e} SET state = 'done', token = NULL, lease_until = NULL, expires_at = ${after("$3")},
  attempts = 0, succeeded = '{}', queue = NULL, record = NULL, due_at = NULL
WHERE ${owned}`,
    // $3: ttlMs, $4: retryInMs or NULL. An event with no success and no retry to wait for is
    // forgotten (deleted); an inbox entry with a retry delay waits in the inbox; anything
    // else is released, its successes kept for ttlMs.
    release: `
WITH dropped AS (
  DELETE FROM ${e} WHERE ${owned} AND cardinality(succeeded) = 0 AND NOT (queue IS NOT NULL AND $4::float8 IS NOT NULL)
  RETURNING key
)
UPDATE ${e} SET token = NULL, lease_until = NULL,
  due_at = CASE WHEN queue IS NOT NULL AND $4::float8 IS NOT NULL THEN ${after("$4")} END,
  expires_at = CASE WHEN queue IS NOT NULL AND $4::float8 IS NOT NULL THEN NULL ELSE ${after("$3")} END,
  attempts = CASE WHEN queue IS NOT NULL AND $4::float8 IS NOT NULL THEN attempts ELSE 0 END,
  record = CASE WHEN queue IS NOT NULL AND $4::float8 IS NOT NULL THEN record END,
  queue = CASE WHEN queue IS NOT NULL AND $4::float8 IS NOT NULL THEN queue END
WHERE ${owned} AND NOT EXISTS (SELECT 1 FROM dropped)`,
    // FOR UPDATE SKIP LOCKED: concurrent recoverers (many instances) each lock different due
    // entries and never wait for one another; a row claimed meanwhile is re-checked on its
    // newest version and skipped. Each entry gets a token of its own (unique per call).
    claimDue: `
UPDATE ${e} AS e SET
  token = $3::text || '.' || md5(e.key),
  lease_until = ${after("$2")},
  due_at = ${after("$2")},
  attempts = e.attempts + 1
FROM (
  SELECT key FROM ${e}
  WHERE queue = $1::text AND due_at <= clock_timestamp() AND (token IS NULL OR lease_until <= clock_timestamp())
  ORDER BY due_at
  LIMIT $4::int
  FOR UPDATE SKIP LOCKED
) due
WHERE e.key = due.key
RETURNING e.key, e.token, e.record, e.attempts, e.succeeded`,
    inboxSize: `SELECT count(*)::int AS n FROM ${e} WHERE queue = $1::text`,
    // The undo of a claim nobody heard back from: its lease is dropped (an inbox entry stays,
    // due at once, so the recoverer or the sender's retry processes it).
    abandon: `
UPDATE ${e} SET token = NULL, lease_until = NULL, due_at = CASE WHEN queue IS NOT NULL THEN clock_timestamp() END
WHERE key = $1::text AND token = $2::text AND state = 'open'`,
    purge: `
DELETE FROM ${e} WHERE key IN (
  SELECT key FROM ${e} WHERE expires_at <= clock_timestamp() LIMIT $1::int FOR UPDATE SKIP LOCKED
)`,
  };
}

interface ClaimRow {
  status: "claimed" | "done" | "in-flight";
  attempts: number;
  succeeded: string[] | null;
}

interface DueRow {
  key: string;
  token: string;
  record: string;
  attempts: number;
  succeeded: string[];
}

/**
 * The dedupe store, inbox and transactional handlers on PostgreSQL: several credhooks
 * instances sharing one database run each handler once per event, and a handler registered
 * with `{ transactional: true }` writes through the store's transaction, so its writes and
 * its success record commit together or not at all.
 *
 * Claims behave exactly like the in-process `LruDedupeStore`: a claim holds a lease (renewed
 * while handlers run) with a random owner token; `complete` turns it into a done marker kept
 * for the done TTL; `release` drops the lease and keeps the handlers that succeeded. Every
 * step is one statement on one row (`INSERT … ON CONFLICT DO UPDATE`, `UPDATE … WHERE token
 * = $token`): the row lock serializes concurrent claims of one event, whatever instance they
 * come from. Leases are measured on the database's clock (`clock_timestamp()`), so instances
 * with skewed clocks agree on when a lease has expired.
 *
 * It is `durable` and has the inbox: a claim with an `InboxWrite` stores the event in its
 * row, in the same statement; the entry never expires until it leaves the inbox
 * (`complete`, or `release` without a retry delay). `claimDue` takes back entries whose
 * lease expired or whose retry time came, with `FOR UPDATE SKIP LOCKED`, so many instances
 * share the recovery without waiting for one another.
 *
 * The tables are created by {@link PostgresStore.migrate} (idempotent), or by your own
 * migrations from `postgresSchemaSql()`.
 *
 * @example
 * ```ts
 * import { PostgresStore } from "@credhooks/postgres";
 * const store = new PostgresStore({ connectionString: process.env.DATABASE_URL! });
 * await store.migrate();
 * const hooks = webhooks({ provider: lissi({ apiKey }), store });
 * process.on("SIGTERM", () => void hooks.close().then(() => store.close()));
 * ```
 */
export class PostgresStore implements DedupeStore {
  /** Events survive the process: this store keeps an inbox (`claimDue`) in the database. */
  readonly durable = true;
  /** The `pg` pool: share it with a `PostgresFailureSink` (`{ store }` does) or your own queries. */
  readonly pool: Pool;
  /** The schema-qualified, quoted table names: `events`, `failures`, `meta`. */
  readonly tables: { readonly events: string; readonly failures: string; readonly meta: string };
  readonly #connection: Connection;
  readonly #tables: Tables;
  readonly #sql: Statements;
  readonly #purgeEvery: number;
  #writes = 0;
  #purging = false;
  readonly #abandons = new Set<NodeJS.Timeout>();

  constructor(options: PostgresStoreOptions) {
    const purgeEvery = options.purgeEvery ?? 1000;
    if (!Number.isInteger(purgeEvery) || purgeEvery < 0) throw new RangeError(`credhooks/postgres: purgeEvery must be a whole number ≥ 0, got ${purgeEvery}.`);
    this.#purgeEvery = purgeEvery;
    this.#tables = tablesOf(options);
    this.#sql = statements(this.#tables);
    this.#connection = new Connection(options, options.timeoutMs, options.logger);
    this.pool = this.#connection.pool;
    this.tables = { events: this.#tables.events, failures: this.#tables.failures, meta: this.#tables.meta };
    connectionOf.set(this, { connection: this.#connection, tables: this.#tables });
  }

  /**
   * Creates the schema (if it is not `public` and missing), the tables and their indexes,
   * if they do not exist yet: idempotent, safe to call on every start and from several
   * instances at once (they take turns on an advisory lock). Refuses tables written by a
   * newer version of this package. The role needs `CREATE` on the schema.
   */
  async migrate(): Promise<void> {
    const t = this.#tables;
    const connection = this.#connection;
    // DDL may wait for another instance's migration: a longer bound than a store call.
    const deadline = Date.now() + Math.max(connection.timeoutMs, 30_000);
    const client = await connection.connect("migrate", deadline);
    const run = (text: string, values: unknown[] = []) => connection.bounded(client, "migrate", client.query(text, values), deadline);
    let failure: unknown;
    try {
      await run("BEGIN");
      await run("SET LOCAL statement_timeout = '30s'");
      await run("SELECT pg_advisory_xact_lock($1::bigint)", [t.lockId.toString()]);
      const [createSchema, ...rest] = schemaStatements(t);
      // CREATE SCHEMA needs CREATE on the database even when the schema exists: only when missing.
      const exists = await run("SELECT 1 FROM pg_namespace WHERE nspname = $1", [t.schema]);
      if (exists.rowCount === 0) await run(createSchema!);
      for (const statement of rest) await run(statement);
      const version = await run(`SELECT value FROM ${t.meta} WHERE name = 'schema_version'`);
      const found = Number((version.rows[0] as { value?: string } | undefined)?.value ?? SCHEMA_VERSION);
      if (found > SCHEMA_VERSION) {
        throw new Error(`credhooks/postgres: the tables ${t.events}… were written by a newer @credhooks/postgres (schema ${found}, this version knows ${SCHEMA_VERSION}); upgrade the package.`);
      }
      await run("COMMIT");
    } catch (error) {
      failure = error;
      await run("ROLLBACK").catch(() => undefined);
      throw connection.explain("migrate", error);
    } finally {
      client.release(failure instanceof Error ? failure : undefined);
    }
  }

  /**
   * Resolves once the database answers and the tables exist (rejects after `timeoutMs`,
   * default 10 s, with the last error: e.g. that `migrate()` was never run). Await it before
   * listening when the database may start after the application.
   */
  async ready(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.#connection.query("ready", `SELECT value FROM ${this.#tables.meta} WHERE name = 'schema_version'`);
        return;
      } catch (error) {
        if (Date.now() + 200 > deadline || (error as Error).message.includes("do not exist yet")) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  async claim(key: string, leaseMs: number, inbox?: InboxWrite): Promise<ClaimResult> {
    const token = randomBytes(12).toString("base64url");
    const values = [toSql(key), token, ms(leaseMs, "leaseMs"), inbox === undefined ? null : toSql(inbox.queue), inbox === undefined ? null : toSql(inbox.record)];
    let rows: ClaimRow[];
    try {
      ({ rows } = await this.#connection.query<ClaimRow>("the dedupe store's claim", this.#sql.claim, values));
    } catch (error) {
      // The claim was sent but never answered (a stalled server, a dropped connection): it may
      // still commit, and its lease would hold the event for leaseMs while nobody runs it
      // (every retry a 409). Undo it: drop that lease, an inbox entry becoming due at once.
      if ((error as MaybeApplied).maybeApplied) this.#abandon(values[0] as string, token);
      throw error;
    }
    const row = rows[0];
    if (row === undefined || row.status === "in-flight") return IN_FLIGHT;
    if (row.status === "done") return DONE;
    this.#wrote();
    return { status: "claimed", token, succeeded: new Set((row.succeeded ?? []).map(fromSql)), attempts: row.attempts };
  }

  async renew(key: string, token: string, leaseMs: number): Promise<boolean> {
    // Renewals go first: a lease that cannot be renewed is lost, and with it the handlers' work.
    const result = await this.#connection.query("the dedupe store's renew", this.#sql.renew, [toSql(key), token, ms(leaseMs, "leaseMs")], true);
    return result.rowCount === 1;
  }

  // Settling goes before new claims (see Connection.query): an event whose handlers ran must
  // not wait behind a flood of new deliveries to be marked done, or its lease would outlive it.
  async handlerSucceeded(key: string, token: string, handlerId: string, ttlMs: number): Promise<void> {
    await this.#connection.query("the dedupe store's handlerSucceeded", this.#sql.handlerSucceeded, [toSql(key), token, toSql(handlerId), ms(ttlMs, "ttlMs")], true);
  }

  async complete(key: string, token: string, doneTtlMs: number): Promise<void> {
    const result = await this.#connection.query("the dedupe store's complete", this.#sql.complete, [toSql(key), token, ms(doneTtlMs, "doneTtlMs")], true);
    if (result.rowCount === 1) this.#wrote();
  }

  async release(key: string, token: string, ttlMs: number, retryInMs?: number): Promise<void> {
    const retry = retryInMs === undefined ? null : ms(retryInMs, "retryInMs");
    await this.#connection.query("the dedupe store's release", this.#sql.release, [toSql(key), token, ms(ttlMs, "ttlMs"), retry], true);
  }

  /**
   * Claims up to `limit` due inbox entries of `queue` in one statement: entries whose lease
   * expired or whose retry time came, not held by a live lease, earliest due first. Each
   * gets a new token, a lease of `leaseMs` (its next due time, should this claim be lost
   * too) and one more attempt. Concurrent callers never receive the same entry while its
   * lease lives (`FOR UPDATE SKIP LOCKED`).
   */
  async claimDue(queue: string, leaseMs: number, limit: number): Promise<readonly DueEntry[]> {
    const count = Math.floor(limit);
    if (!(count >= 1)) return [];
    const tokenPrefix = randomBytes(9).toString("base64url");
    const { rows } = await this.#connection.query<DueRow>("the dedupe store's claimDue", this.#sql.claimDue, [toSql(queue), ms(leaseMs, "leaseMs"), tokenPrefix, count]);
    if (rows.length > 0) this.#wrote();
    return rows.map((row) => ({ key: fromSql(row.key), token: row.token, record: fromSql(row.record), succeeded: new Set(row.succeeded.map(fromSql)), attempts: row.attempts }));
  }

  /** How many entries `queue`'s inbox holds (in flight or waiting for a retry). */
  async inboxSize(queue: string): Promise<number> {
    const { rows } = await this.#connection.query<{ n: number }>("the dedupe store's inboxSize", this.#sql.inboxSize, [toSql(queue)]);
    return rows[0]?.n ?? 0;
  }

  /**
   * Runs `fn` inside a transaction on one pooled client and records the handler's success in
   * that same transaction: `BEGIN`; check that the claim is still `token`'s; `fn(client)`
   * (the handler, with the client as `event.transaction`); record the success with `UPDATE …
   * WHERE token = $token`, which locks the event's row and sees its newest version; `COMMIT`.
   * When `fn` rejects, or the claim was taken over meanwhile (its lease ran out and another
   * delivery claimed the event), everything rolls back and the call rejects: the handler's
   * writes and its success record commit together or not at all, so the next owner of the
   * event either skips the handler (it sees the success) or runs it on a clean slate.
   *
   * The event's row is locked only for that last step: duplicates keep getting 409 and the
   * lease keeps being renewed while the handler runs. The transaction is `READ COMMITTED`;
   * do not `COMMIT` or `ROLLBACK` in `fn` (use savepoints for partial work).
   */
  async runInTransaction(key: string, token: string, handlerId: string, ttlMs: number, fn: (transaction: unknown) => Promise<void>, signal?: AbortSignal): Promise<void> {
    const connection = this.#connection;
    const what = "the dedupe store's runInTransaction";
    const { client, release } = await connection.connectForTransaction(what);
    // The event was aborted while it waited for a connection (lease lost, close()): start nothing.
    if (signal?.aborted) {
      release();
      throw signal.reason instanceof Error ? signal.reason : new Error("credhooks: the event was aborted");
    }
    let broken: Error | undefined;
    // A checked-out client whose connection dies while the handler awaits something else
    // emits `error`: without a listener that would crash the process.
    const onError = (error: Error) => {
      broken = error;
      connection.failed(error);
    };
    client.on("error", onError);
    const run = async (text: string, values: unknown[] = []) => {
      try {
        return await connection.bounded(client, what, client.query(text, values), Date.now() + connection.timeoutMs);
      } catch (error) {
        if (!(error as { code?: unknown }).code) broken ??= error instanceof Error ? error : new Error(String(error));
        throw connection.explain(what, error);
      }
    };
    const k = toSql(key);
    let open = false;
    try {
      await run("BEGIN");
      open = true;
      if ((await run(this.#sql.held, [k, token])).rowCount !== 1) throw lostClaim(key);
      await fn(client);
      // Aborted while the handler ran (its lease was lost, or the receiver closes): roll back.
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("credhooks: the event was aborted");
      if ((await run(`${this.#sql.handlerSucceeded} RETURNING 1`, [k, token, toSql(handlerId), ms(ttlMs, "ttlMs")])).rowCount !== 1) throw lostClaim(key);
      await run("COMMIT");
      open = false;
    } catch (error) {
      if (open && broken === undefined) await run("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.off("error", onError);
      release(broken);
    }
  }

  /**
   * Deletes up to `limit` expired rows now (done markers past their done TTL, released
   * events past their TTL) and returns how many. The store also does it by itself, a batch
   * in the background every `purgeEvery` writes; call this from a timer if you turned that off.
   */
  async purgeExpired(limit = PURGE_BATCH): Promise<number> {
    const result = await this.#connection.query("purgeExpired", this.#sql.purge, [Math.max(1, Math.floor(limit))]);
    return result.rowCount ?? 0;
  }

  /** Ends the pool if the store created it (from `connectionString`); a pool you passed stays open. Idempotent. */
  close(): Promise<void> {
    for (const timer of this.#abandons) clearTimeout(timer);
    this.#abandons.clear();
    return this.#connection.end();
  }

  /**
   * Drops the lease of a claim whose answer never arrived, should it have committed. The
   * statement may still be queued on the server (a stalled one runs it when it resumes), so
   * the undo is sent again later; it only ever matches that claim's own token.
   */
  #abandon(k: string, token: string): void {
    for (const delay of ABANDON_AFTER_MS) {
      const timer = setTimeout(() => {
        this.#abandons.delete(timer);
        this.#connection.query("abandon", this.#sql.abandon, [k, token], true).catch(() => undefined);
      }, delay);
      timer.unref();
      this.#abandons.add(timer);
    }
  }

  /** Counts a write; every `purgeEvery` writes, deletes a batch of expired rows in the background. */
  #wrote(): void {
    if (this.#purgeEvery === 0 || ++this.#writes < this.#purgeEvery || this.#purging) return;
    this.#writes = 0;
    this.#purging = true;
    this.purgeExpired()
      .catch(() => undefined) // the writes themselves succeeded; a purge that failed runs next time
      .finally(() => (this.#purging = false));
  }
}

/** Why a transactional handler's writes were rolled back although it succeeded. */
function lostClaim(key: string): Error {
  return new Error(
    `credhooks/postgres: the claim of ${JSON.stringify(key)} was lost (its lease ran out and another delivery took the event): the handler's writes were rolled back`,
  );
}

/**
 * Creates a {@link PostgresStore}: from a connection string (credhooks creates the pool with
 * `RECOMMENDED_POOL_CONFIG` and ends it on `close()`) or from your `pg` pool. Run
 * `await store.migrate()` once at start (idempotent), or create the tables with your own
 * migrations (`postgresSchemaSql()`).
 *
 * @example
 * ```ts
 * import { webhooks } from "@credhooks/express";
 * import { createPostgresStore } from "@credhooks/postgres";
 *
 * const store = createPostgresStore({ connectionString: process.env.DATABASE_URL! });
 * await store.migrate();
 * app.use("/events/:tenantId/proven", webhooks({ provider: proven({ apiKey }), store }));
 * ```
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  return new PostgresStore(options);
}

/** The connection and tables of each store, for a failure sink created from it (`{ store }`). Module-private: not exported by the package. */
export const connectionOf = new WeakMap<object, { connection: Connection; tables: Tables }>();
