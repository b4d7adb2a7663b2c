import { randomBytes } from "node:crypto";
import type { ClaimResult, DedupeStore, DueEntry, InboxWrite } from "@credhooks/core";
import type { Statement, Transaction } from "better-sqlite3";
import { connectionOf, fromSql, ms, openDatabase, toSql, type Db } from "./database.js";

/**
 * Options of {@link SqliteStore} and {@link createSqliteStore}.
 *
 * @example
 * ```ts
 * const options: SqliteStoreOptions = { path: "/var/lib/myapp/credhooks.db", busyTimeoutMs: 3000 };
 * const store = createSqliteStore(options);
 * ```
 */
export interface SqliteStoreOptions {
  /**
   * The database file, created if missing (with mode 0600: it holds whole event bodies).
   * `":memory:"` keeps everything in memory (for tests; it is then not durable).
   */
  path: string;
  /**
   * How long a call waits, in ms, while another connection (another process on the same
   * file) holds the write lock, before it throws (default 2000). Calls are synchronous: the
   * wait blocks the event loop, and a throw makes the core answer 503 `STORE_UNAVAILABLE`.
   */
  busyTimeoutMs?: number;
  /**
   * When a commit reaches the disk (default `"full"`). `"full"`: every state change is fsynced
   * before the call returns — an event in the inbox survives a power cut once `claim` has
   * returned. `"normal"`: survives a crash of the process, not of the machine (the last
   * commits before a power cut or OS crash may be lost); calls are several times cheaper.
   */
  synchronous?: "full" | "normal";
  /**
   * Prefix of the tables (default `"credhooks_"`: `credhooks_events`, `credhooks_successes`,
   * `credhooks_failures`, `credhooks_meta`), to share a database file with your own tables.
   */
  tablePrefix?: string;
  /**
   * Expired rows (done markers past their TTL, released events past theirs) are deleted
   * lazily: up to 1000 of them after every `purgeEvery` writes of this store (default 1000).
   * `0` turns that off; then call `purgeExpired()` yourself.
   */
  purgeEvery?: number;
  /** Clock in ms, for tests (default `Date.now`). */
  now?: () => number;
}

/** Expired rows deleted per lazy purge: at most one per write on average, so purges keep up. */
const PURGE_BATCH = 1000;

const DONE: ClaimResult = Object.freeze({ status: "done" });
const IN_FLIGHT: ClaimResult = Object.freeze({ status: "in-flight" });

type SqlText = string | Buffer;

interface EventRow {
  state: "open" | "done";
  token: string | null;
  lease_until: number;
  expires_at: number | null;
  attempts: number;
  queue: SqlText | null;
}

interface DueRow {
  key: SqlText;
  attempts: number;
  record: SqlText;
}

interface Statements {
  row: Statement<[SqlText], EventRow>;
  successes: Statement<[SqlText], SqlText>;
  hasSuccess: Statement<[SqlText], number>;
  upsert: Statement<[Record<string, unknown>]>;
  reclaim: Statement<[string, number, number, SqlText]>;
  deleteEvent: Statement<[SqlText]>;
  deleteSuccesses: Statement<[SqlText]>;
  owned: Statement<[SqlText, string, number], { queue: SqlText | null }>;
  renewInbox: Statement<[{ end: number; key: SqlText }]>;
  renewPlain: Statement<[{ end: number; key: SqlText }]>;
  addSuccess: Statement<[SqlText, SqlText]>;
  extend: Statement<[number, SqlText]>;
  complete: Statement<[number, SqlText]>;
  retryLater: Statement<[number, SqlText]>;
  releasePlain: Statement<[number, SqlText]>;
  due: Statement<[{ queue: SqlText; now: number; limit: number }], DueRow>;
  inboxSize: Statement<[SqlText], number>;
  expired: Statement<[number, number], SqlText>;
}

/**
 * The dedupe store and inbox on SQLite, embedded: one file on disk, no server, for an
 * application that runs as one instance (or several processes on one machine sharing the
 * file). Claims behave exactly like the in-process `LruDedupeStore` (a lease with an owner
 * token, renewed while handlers run; per-handler successes; done markers kept for the done
 * TTL), and the inbox keeps the events of senders that never redeliver until their handlers
 * succeed — across crashes and restarts: `claimDue` takes back an entry whose lease ran out.
 *
 * Every method is synchronous (better-sqlite3) and every state change is one transaction,
 * committed with `synchronous=FULL` in WAL mode: when `claim` returns, the event is on disk.
 * Every state change takes the write lock before it reads (`BEGIN IMMEDIATE`), so two
 * processes on one file never both claim an event or both take an inbox entry.
 *
 * @example
 * ```ts
 * import { SqliteStore } from "@credhooks/sqlite";
 * const store = new SqliteStore({ path: "./credhooks.db" });
 * const hooks = webhooks({ provider: lissi({ apiKey }), store });
 * process.on("SIGTERM", () => store.close());
 * ```
 */
export class SqliteStore implements DedupeStore {
  /** `true` for a file; `false` for `":memory:"`, which dies with the process. */
  readonly durable: boolean;
  /** The database file (or `":memory:"`). */
  readonly path: string;
  readonly #db: Db;
  readonly #now: () => number;
  readonly #q: Statements;
  readonly #purgeEvery: number;
  #writes = 0;
  // Tokens tell claim holders apart, across processes too: a random prefix per store and a counter.
  readonly #tokenPrefix = randomBytes(9).toString("base64url") + ".";
  #claims = 0;
  readonly #claimTx: Transaction<(key: string, leaseMs: number, inbox: InboxWrite | undefined) => ClaimResult>;
  readonly #renewTx: Transaction<(key: string, token: string, leaseMs: number) => boolean>;
  readonly #handlerSucceededTx: Transaction<(key: string, token: string, handlerId: string, ttlMs: number) => boolean>;
  readonly #completeTx: Transaction<(key: string, token: string, doneTtlMs: number) => boolean>;
  readonly #releaseTx: Transaction<(key: string, token: string, ttlMs: number, retryInMs: number | undefined) => boolean>;
  readonly #claimDueTx: Transaction<(queue: string, leaseMs: number, limit: number) => DueEntry[]>;
  readonly #purgeTx: Transaction<(limit: number) => number>;

  constructor(options: SqliteStoreOptions) {
    const opened = openDatabase(options);
    const db = opened.db;
    this.#db = db;
    this.durable = opened.durable;
    this.path = options.path;
    this.#now = options.now ?? Date.now;
    const purgeEvery = options.purgeEvery ?? 1000;
    if (!Number.isInteger(purgeEvery) || purgeEvery < 0) {
      db.close();
      throw new RangeError(`credhooks/sqlite: purgeEvery must be a whole number ≥ 0, got ${purgeEvery}.`);
    }
    this.#purgeEvery = purgeEvery;
    connectionOf.set(this, opened);

    const e = opened.tables.events;
    const s = opened.tables.successes;
    // A row is live while `expires_at` is in the future; inbox entries have none (NULL: they
    // never expire by themselves). Expired rows count as absent until a purge deletes them.
    this.#q = {
      row: db.prepare(`SELECT state, token, lease_until, expires_at, attempts, queue FROM ${e} WHERE key = ?`),
      successes: db.prepare<[SqlText], SqlText>(`SELECT handler_id FROM ${s} WHERE key = ?`).pluck(),
      hasSuccess: db.prepare<[SqlText], number>(`SELECT 1 FROM ${s} WHERE key = ? LIMIT 1`).pluck(),
      upsert: db.prepare(
        `INSERT INTO ${e} (key, state, token, lease_until, expires_at, attempts, queue, record, due_at)
         VALUES (@key, 'open', @token, @leaseUntil, @expiresAt, @attempts, @queue, @record, @dueAt)
         ON CONFLICT (key) DO UPDATE SET state = 'open', token = excluded.token, lease_until = excluded.lease_until,
           expires_at = excluded.expires_at, attempts = excluded.attempts, queue = excluded.queue, record = excluded.record, due_at = excluded.due_at`,
      ),
      reclaim: db.prepare(`UPDATE ${e} SET token = ?, lease_until = ?, due_at = ?, attempts = attempts + 1 WHERE key = ?`),
      deleteEvent: db.prepare(`DELETE FROM ${e} WHERE key = ?`),
      deleteSuccesses: db.prepare(`DELETE FROM ${s} WHERE key = ?`),
      owned: db.prepare(`SELECT queue FROM ${e} WHERE key = ? AND token = ? AND state = 'open' AND (expires_at IS NULL OR expires_at > ?)`),
      renewInbox: db.prepare(`UPDATE ${e} SET lease_until = @end, due_at = @end WHERE key = @key`),
      renewPlain: db.prepare(`UPDATE ${e} SET lease_until = @end, expires_at = max(expires_at, @end) WHERE key = @key`),
      addSuccess: db.prepare(`INSERT OR IGNORE INTO ${s} (key, handler_id) VALUES (?, ?)`),
      extend: db.prepare(`UPDATE ${e} SET expires_at = max(expires_at, ?) WHERE key = ? AND expires_at IS NOT NULL`),
      complete: db.prepare(`UPDATE ${e} SET state = 'done', token = NULL, lease_until = 0, expires_at = ?, queue = NULL, record = NULL, due_at = NULL WHERE key = ?`),
      retryLater: db.prepare(`UPDATE ${e} SET token = NULL, lease_until = 0, due_at = ? WHERE key = ?`),
      releasePlain: db.prepare(`UPDATE ${e} SET token = NULL, lease_until = 0, expires_at = ?, queue = NULL, record = NULL, due_at = NULL WHERE key = ?`),
      due: db.prepare(`SELECT key, attempts, record FROM ${e} WHERE queue = @queue AND due_at <= @now AND (token IS NULL OR lease_until <= @now) ORDER BY due_at LIMIT @limit`),
      inboxSize: db.prepare<[SqlText], number>(`SELECT count(*) FROM ${e} WHERE queue = ?`).pluck(),
      expired: db.prepare<[number, number], SqlText>(`SELECT key FROM ${e} WHERE expires_at <= ? LIMIT ?`).pluck(),
    } as Statements;

    this.#claimTx = db.transaction((key: string, leaseMs: number, inbox: InboxWrite | undefined) => this.#claim(key, leaseMs, inbox));
    this.#renewTx = db.transaction((key: string, token: string, leaseMs: number) => {
      const k = toSql(key);
      const now = this.#now();
      const owned = this.#q.owned.get(k, token, now);
      if (owned === undefined) return false;
      // In the inbox the lease end is also when claimDue may take the entry back.
      (owned.queue === null ? this.#q.renewPlain : this.#q.renewInbox).run({ end: now + leaseMs, key: k });
      return true;
    });
    this.#handlerSucceededTx = db.transaction((key: string, token: string, handlerId: string, ttlMs: number) => {
      const k = toSql(key);
      const owned = this.#q.owned.get(k, token, this.#now());
      if (owned === undefined) return false;
      this.#q.addSuccess.run(k, toSql(handlerId));
      // Outside the inbox the successes live as long as the row: keep it at least ttlMs.
      if (owned.queue === null) this.#q.extend.run(this.#now() + ttlMs, k);
      return true;
    });
    this.#completeTx = db.transaction((key: string, token: string, doneTtlMs: number) => {
      const k = toSql(key);
      const now = this.#now();
      if (this.#q.owned.get(k, token, now) === undefined) return false;
      // The done marker: no token, no record, out of the inbox; the successes are not needed any more.
      this.#q.complete.run(now + doneTtlMs, k);
      this.#q.deleteSuccesses.run(k);
      return true;
    });
    this.#releaseTx = db.transaction((key: string, token: string, ttlMs: number, retryInMs: number | undefined) => {
      const k = toSql(key);
      const now = this.#now();
      const owned = this.#q.owned.get(k, token, now);
      if (owned === undefined) return false;
      if (owned.queue !== null && retryInMs !== undefined) {
        this.#q.retryLater.run(now + retryInMs, k);
        return true;
      }
      if (this.#q.hasSuccess.get(k) === undefined) {
        this.#q.deleteEvent.run(k);
        return true;
      }
      this.#q.releasePlain.run(now + ttlMs, k);
      return true;
    });
    this.#claimDueTx = db.transaction((queue: string, leaseMs: number, limit: number) => {
      const now = this.#now();
      const rows = this.#q.due.all({ queue: toSql(queue), now, limit });
      return rows.map((row): DueEntry => {
        const token = this.#token();
        this.#q.reclaim.run(token, now + leaseMs, now + leaseMs, row.key);
        return { key: fromSql(row.key), token, record: fromSql(row.record), succeeded: this.#successes(row.key), attempts: row.attempts + 1 };
      });
    });
    this.#purgeTx = db.transaction((limit: number) => {
      const keys = this.#q.expired.all(this.#now(), limit);
      for (const k of keys) {
        this.#q.deleteEvent.run(k);
        this.#q.deleteSuccesses.run(k);
      }
      return keys.length;
    });
    try {
      this.purgeExpired();
    } catch (error) {
      db.close();
      throw error;
    }
  }

  claim(key: string, leaseMs: number, inbox?: InboxWrite): ClaimResult {
    const lease = ms(leaseMs, "leaseMs");
    // BEGIN IMMEDIATE: the write lock is taken before the read, so two connections cannot
    // both read "free" and both claim (a deferred transaction would also fail, not wait, when
    // upgrading to a write after another connection's commit).
    const result = this.#claimTx.immediate(key, lease, inbox);
    if (result.status === "claimed") this.#wrote();
    return result;
  }

  renew(key: string, token: string, leaseMs: number): boolean {
    const renewed = this.#renewTx.immediate(key, token, ms(leaseMs, "leaseMs"));
    if (renewed) this.#wrote();
    return renewed;
  }

  handlerSucceeded(key: string, token: string, handlerId: string, ttlMs: number): void {
    if (this.#handlerSucceededTx.immediate(key, token, handlerId, ms(ttlMs, "ttlMs"))) this.#wrote();
  }

  complete(key: string, token: string, doneTtlMs: number): void {
    if (this.#completeTx.immediate(key, token, ms(doneTtlMs, "doneTtlMs"))) this.#wrote();
  }

  release(key: string, token: string, ttlMs: number, retryInMs?: number): void {
    const retry = retryInMs === undefined ? undefined : ms(retryInMs, "retryInMs");
    if (this.#releaseTx.immediate(key, token, ms(ttlMs, "ttlMs"), retry)) this.#wrote();
  }

  claimDue(queue: string, leaseMs: number, limit: number): DueEntry[] {
    const lease = ms(leaseMs, "leaseMs");
    const max = Math.floor(limit);
    if (!(max > 0)) return [];
    const due = this.#claimDueTx.immediate(queue, lease, max);
    if (due.length > 0) this.#wrote();
    return due;
  }

  inboxSize(queue: string): number {
    return this.#q.inboxSize.get(toSql(queue)) ?? 0;
  }

  /**
   * Deletes every expired row now (done markers past their done TTL, released events past
   * their TTL) and returns how many. The store also does it by itself, a batch every
   * `purgeEvery` writes; call this from a timer if you turned that off.
   */
  purgeExpired(): number {
    let purged = 0;
    for (;;) {
      const batch = this.#purgeTx.immediate(PURGE_BATCH);
      purged += batch;
      if (batch < PURGE_BATCH) return purged;
    }
  }

  /** Closes the database connection (and with it that of a failure sink created from this store). Idempotent. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #claim(key: string, leaseMs: number, inbox: InboxWrite | undefined): ClaimResult {
    const k = toSql(key);
    const now = this.#now();
    let row = this.#q.row.get(k);
    if (row !== undefined && row.expires_at !== null && row.expires_at <= now) {
      this.#q.deleteEvent.run(k);
      this.#q.deleteSuccesses.run(k);
      row = undefined;
    }
    if (row?.state === "done") return DONE;
    if (row !== undefined && row.token !== null && row.lease_until > now) return IN_FLIGHT;
    const token = this.#token();
    const leaseUntil = now + leaseMs;
    const succeeded = row === undefined ? new Set<string>() : this.#successes(k);
    // Attempts so far, for an event in the inbox.
    const attemptsSoFar = row !== undefined && row.queue !== null ? row.attempts : undefined;
    if (inbox !== undefined) {
      // Into the inbox (or still in it, with the newest record): no expiry until it settles.
      const attempts = (attemptsSoFar ?? 0) + 1;
      this.#q.upsert.run({ key: k, token, leaseUntil, expiresAt: null, attempts, queue: toSql(inbox.queue), record: toSql(inbox.record), dueAt: leaseUntil });
      return { status: "claimed", token, succeeded, attempts };
    }
    if (attemptsSoFar !== undefined) {
      // A redelivery of an event in the inbox: it stays there (record and all), one more attempt.
      this.#q.reclaim.run(token, leaseUntil, leaseUntil, k);
      return { status: "claimed", token, succeeded, attempts: attemptsSoFar + 1 };
    }
    // The lease is also the row's TTL: a crash leaves a row that expires by itself; a row
    // kept longer for its handler successes keeps its longer TTL.
    const expiresAt = Math.max(leaseUntil, row?.expires_at ?? 0);
    this.#q.upsert.run({ key: k, token, leaseUntil, expiresAt, attempts: 0, queue: null, record: null, dueAt: null });
    return { status: "claimed", token, succeeded, attempts: 0 };
  }

  #successes(k: SqlText): Set<string> {
    return new Set(this.#q.successes.all(k).map(fromSql));
  }

  #token(): string {
    return this.#tokenPrefix + (++this.#claims).toString(36);
  }

  /** Counts a write; every `purgeEvery` writes, deletes a batch of expired rows. */
  #wrote(): void {
    if (this.#purgeEvery === 0 || ++this.#writes < this.#purgeEvery) return;
    this.#writes = 0;
    try {
      this.#purgeTx.immediate(PURGE_BATCH);
    } catch {
      // The write itself succeeded; a purge that could not get the lock runs next time.
    }
  }
}

/**
 * Creates a {@link SqliteStore} on a file (created if missing), or in memory with
 * `":memory:"` for tests.
 *
 * @example
 * ```ts
 * import { webhooks } from "@credhooks/express";
 * import { createSqliteStore, createSqliteFailureSink } from "@credhooks/sqlite";
 *
 * const store = createSqliteStore({ path: "./data/credhooks.db" });
 * const failures = createSqliteFailureSink({ store });
 * app.use("/events/:tenantId/lissi", webhooks({ provider: lissi({ apiKey }), store, failures }));
 * ```
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options);
}
