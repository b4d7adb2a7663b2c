import { closeSync, openSync } from "node:fs";
import Database from "better-sqlite3";
import { DEFAULT_BUSY_TIMEOUT_MS } from "./constants.js";

/** The better-sqlite3 connection; kept out of the public types (users need no `@types/better-sqlite3`). */
export type Db = Database.Database;

/** The schema this version writes; a file written by a newer one is refused. */
const SCHEMA_VERSION = 1;

/** What opening a connection needs: the file, the lock wait, the table names. */
export interface OpenOptions {
  readonly path: string;
  readonly busyTimeoutMs?: number | undefined;
  readonly tablePrefix?: string | undefined;
  readonly synchronous?: "full" | "normal" | undefined;
}

/** The table names of one prefix. */
export interface Tables {
  readonly events: string;
  readonly successes: string;
  readonly failures: string;
  readonly meta: string;
}

/** A connection with the schema in place. */
export interface Opened {
  readonly db: Db;
  readonly tables: Tables;
  /** False for `":memory:"` and `""` (a temporary file SQLite deletes on close). */
  readonly durable: boolean;
}

/**
 * Opens (creating if needed) the file, sets the pragmas every credhooks connection uses and
 * creates the tables. A new file is created with mode 0600: it holds whole event bodies.
 */
export function openDatabase(options: OpenOptions): Opened {
  const path = options.path;
  if (typeof path !== "string") throw new TypeError('credhooks/sqlite: `path` is required: a file path, or ":memory:".');
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) throw new RangeError(`credhooks/sqlite: busyTimeoutMs must be a whole number of ms ≥ 0, got ${busyTimeoutMs}.`);
  const tables = tableNames(options.tablePrefix ?? "credhooks_");
  const synchronous = options.synchronous ?? "full";
  if (synchronous !== "full" && synchronous !== "normal") throw new RangeError(`credhooks/sqlite: synchronous must be "full" or "normal", got ${JSON.stringify(synchronous)}.`);
  const onDisk = path !== ":memory:" && path !== "";
  if (onDisk) createPrivately(path);

  let db: Db;
  try {
    // `timeout` is SQLite's busy timeout: a call that finds another connection writing
    // waits for it (up to busyTimeoutMs) instead of failing with SQLITE_BUSY at once.
    db = new Database(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw explainLoadError(error);
  }
  keepUntilExit(db);
  try {
    // WAL: readers never block the writer, and a commit is one append to the log. (exec, not
    // pragma(): pragma() prepares a statement that keepUntilExit cannot see.)
    if (onDisk) db.exec("PRAGMA journal_mode = WAL");
    // FULL: every commit is fsynced before the call returns, so an event written to the
    // inbox survives a crash or a power cut once `claim` has returned. NORMAL (in WAL mode)
    // survives a crash of the process, but a power cut or OS crash may lose the last commits.
    db.exec(`PRAGMA synchronous = ${synchronous === "normal" ? "NORMAL" : "FULL"}`);
    createSchema(db, tables);
  } catch (error) {
    db.close();
    throw error;
  }
  return { db, tables, durable: onDisk };
}

/**
 * Every connection credhooks opens, and every statement prepared on it, stays reachable until
 * the process exits: the garbage collector never finalizes them. better-sqlite3 12 wraps them
 * in node::ObjectWrap, whose destructor, when compiled against Node ≥ 24.19, needs an entered
 * V8 context; a collection run from an idle or background task has none, and Node aborts the
 * process (`Assertion failed: (env) != nullptr` in RemoveEnvironmentCleanupHook, SIGABRT).
 * Node frees them at exit instead. The cost: a closed store's connection and its few dozen
 * statements (a few KB) stay in memory. The list hangs off globalThis, so a module registry
 * that is thrown away (a test runner isolating files) does not drop it. better-sqlite3 13
 * (Node-API) no longer has the problem but needs Node ≥ 22.
 */
const KEPT = Symbol.for("@credhooks/sqlite: better-sqlite3 objects kept until exit");
const kept: object[] = ((globalThis as unknown as Record<symbol, object[] | undefined>)[KEPT] ??= []);

/** Keeps `db`, and every statement prepare() makes on it, reachable until the process exits (see above). */
export function keepUntilExit(db: Db): Db {
  kept.push(db);
  const prepare = db.prepare;
  // Our statements come from prepare(); transaction()'s BEGIN/COMMIT… are cached on the connection.
  db.prepare = function (this: Db, source: string) {
    const statement = prepare.call(this, source);
    kept.push(statement);
    return statement;
  } as Db["prepare"];
  return db;
}

function tableNames(prefix: string): Tables {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(prefix)) {
    throw new RangeError(`credhooks/sqlite: tablePrefix must be letters, digits and underscores (not starting with a digit), got ${JSON.stringify(prefix)}.`);
  }
  return { events: `${prefix}events`, successes: `${prefix}successes`, failures: `${prefix}failures`, meta: `${prefix}meta` };
}

function createSchema(db: Db, t: Tables): void {
  db.transaction(() => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${t.meta} (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ${t.events} (
        key TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('open', 'done')),
        token TEXT,
        lease_until INTEGER NOT NULL DEFAULT 0,
        expires_at INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        queue TEXT,
        record BLOB,
        due_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS ${t.events}_due ON ${t.events} (queue, due_at) WHERE queue IS NOT NULL;
      CREATE INDEX IF NOT EXISTS ${t.events}_expiry ON ${t.events} (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE IF NOT EXISTS ${t.successes} (
        key TEXT NOT NULL,
        handler_id TEXT NOT NULL,
        PRIMARY KEY (key, handler_id)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ${t.failures} (
        key TEXT PRIMARY KEY,
        first_failed_at TEXT NOT NULL,
        entry TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${t.failures}_age ON ${t.failures} (first_failed_at, key);
    `);
    const row = db.prepare(`SELECT value FROM ${t.meta} WHERE name = 'schema_version'`).get() as { value: number } | undefined;
    if (row === undefined) db.prepare(`INSERT INTO ${t.meta} (name, value) VALUES ('schema_version', ?)`).run(SCHEMA_VERSION);
    else if (row.value > SCHEMA_VERSION) {
      throw new Error(`credhooks/sqlite: the tables ${t.events}… were written by a newer @credhooks/sqlite (schema ${row.value}, this version knows ${SCHEMA_VERSION}); upgrade the package.`);
    }
  }).immediate();
}

/** Creates a missing database file readable by its owner only (SQLite gives the -wal and -shm files the same mode). */
function createPrivately(path: string): void {
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch {
    // EEXIST: it is there already (its mode is left alone). Anything else (no such folder,
    // no permission) is reported by SQLite itself when it opens the path.
  }
}

/**
 * better-sqlite3 is a native addon, compiled for one Node ABI. Loaded by another Node (20 →
 * 24 with the same node_modules) it fails with an obscure dlopen error: say what to do.
 */
export function explainLoadError(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if ((error as { code?: unknown } | null)?.code === "ERR_DLOPEN_FAILED" || message.includes("NODE_MODULE_VERSION")) {
    return new Error(
      `credhooks/sqlite: better-sqlite3's native module does not load on Node ${process.version}: it was built for another Node version (or platform). ` +
        "Rebuild it for this one: `npm rebuild better-sqlite3` (pnpm rebuild better-sqlite3, yarn rebuild).",
      { cause: error },
    );
  }
  if (message.includes("Could not locate the bindings file")) {
    return new Error(
      "credhooks/sqlite: better-sqlite3's native module was never built: its install script did not run. " +
        "With pnpm 10, allow it (`pnpm approve-builds`, or add better-sqlite3 to pnpm.onlyBuiltDependencies) and run `pnpm rebuild better-sqlite3`.",
      { cause: error },
    );
  }
  return error;
}

/** `/\p{Cs}/u` matches a lone surrogate only: a well-formed pair is one code point of another category. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A string as SQLite stores it exactly. SQLite keeps text as UTF-8, where a lone surrogate
 * (possible in a JS string, e.g. a dedupe id from `JSON.parse("\"\\ud800\"")`) becomes
 * U+FFFD, so two different keys could collide. Such a string is stored as a UTF-16 BLOB
 * instead: a BLOB never equals a TEXT value, and it decodes back to the same string.
 */
export function toSql(value: string): string | Buffer {
  return LONE_SURROGATE.test(value) ? Buffer.from(value, "utf16le") : value;
}

/** The inverse of {@link toSql}. */
export function fromSql(value: string | Buffer): string {
  return typeof value === "string" ? value : value.toString("utf16le");
}

/** A finite number of milliseconds for a lease, TTL or delay (negative counts as 0). */
export function ms(value: number, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new RangeError(`credhooks/sqlite: ${what} must be a finite number of ms, got ${String(value)}.`);
  return Math.max(0, value);
}

/** The connection of each store, for a failure sink created from it (`{ store }`). Module-private: not exported by the package. */
export const connectionOf = new WeakMap<object, Opened>();
