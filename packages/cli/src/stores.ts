import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { DedupeStore, FailureSink, Logger } from "@credhooks/core";
import { UsageError } from "./send.js";

/**
 * A store that could not be reached or opened (Redis not answering, a PostgreSQL without
 * credhooks' tables, a file SQLite cannot read): `runCli` prints it as `error: <message>`
 * and exits 2, like a usage mistake.
 *
 * @example
 * ```ts
 * try {
 *   await openFailureStore("redis://127.0.0.1:6390", process.env);
 * } catch (error) {
 *   if (error instanceof StoreUnavailableError) console.error(error.message); // cannot reach Redis at redis://127.0.0.1:6390/ …
 * }
 * ```
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
}

/** The kinds of store `--store` (or `CREDHOOKS_STORE`) names. */
type StoreKind = "redis" | "postgres" | "sqlite";

/**
 * A failure sink opened by `credhooks failures` and `credhooks replay`.
 *
 * @example
 * ```ts
 * const opened: FailureStore = await openFailureStore("./credhooks.db", process.env);
 * console.log(opened.kind, opened.location, (await opened.failures.list({ limit: 10 })).length);
 * await opened.close();
 * ```
 */
export interface FailureStore {
  readonly kind: StoreKind;
  /** What messages name: the URL without its password, or the file's absolute path. */
  readonly location: string;
  readonly failures: FailureSink;
  /** Closes the connection or the file. */
  close(): Promise<void>;
}

/** A store and failure sink for the receivers of `credhooks listen --store`. */
export interface ListenStore {
  readonly kind: StoreKind;
  readonly location: string;
  readonly store: DedupeStore;
  readonly failures: FailureSink;
  close(): Promise<void>;
}

/**
 * What `--store` (falling back to `CREDHOOKS_STORE`) names, as the example servers read
 * `CREDHOOKS_STORE`: `redis://…`/`rediss://…`, `postgres://…`/`postgresql://…`, anything
 * else a SQLite file; unset, empty or `memory`: none (the process's memory).
 */
export function storeSetting(value: string | undefined): { kind: StoreKind; location: string } | undefined {
  const text = (value ?? "").trim();
  if (text === "" || text === "memory") return undefined;
  if (/^rediss?:\/\//i.test(text)) return { kind: "redis", location: text };
  if (/^postgres(?:ql)?:\/\//i.test(text)) return { kind: "postgres", location: text };
  return { kind: "sqlite", location: isAbsolute(text) ? text : resolve(text) };
}

/**
 * Opens the failure sink of a store for reading and deleting entries, as `credhooks failures`
 * and `credhooks replay` do: `redis://…` (`@credhooks/redis`; entries encrypted at rest are
 * read with `CREDHOOKS_SINK_KEY`, a comma-separated list when keys were rotated),
 * `postgres://…` (`@credhooks/postgres`; the tables must exist: nothing is created), or the
 * path of a SQLite file (`@credhooks/sqlite`; the file must exist). The store's package is
 * loaded only then: without it, a {@link UsageError} says what to install. Rejects with a
 * {@link StoreUnavailableError} when the store cannot be reached or read.
 *
 * @example
 * ```ts
 * const opened = await openFailureStore(process.env.CREDHOOKS_STORE, process.env);
 * try {
 *   for (const failed of await opened.failures.list({ limit: 100 })) console.log(failed.key, failed.reason);
 * } finally {
 *   await opened.close();
 * }
 * ```
 */
export async function openFailureStore(
  value: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  options: { prefix?: string; warn?: (text: string) => void } = {},
): Promise<FailureStore> {
  const setting = storeSetting(value);
  if (setting === undefined) {
    throw new UsageError(
      "no failure sink given: pass --store redis://…, --store postgres://… or --store <SQLite file> (or set CREDHOOKS_STORE), the store your receivers keep failed deliveries in. " +
        "(An in-memory sink lives in its process: open credhooks listen's in its inspector page.)",
    );
  }
  const { kind, location } = setting;
  if (kind === "redis") {
    const { createRedisFailureSink } = await load("@credhooks/redis", () => import("@credhooks/redis"), "@credhooks/redis ioredis", location);
    const keys = (env["CREDHOOKS_SINK_KEY"] ?? "")
      .split(",")
      .map((key) => key.trim())
      .filter((key) => key !== "");
    let failures: ReturnType<typeof createRedisFailureSink>;
    try {
      failures = createRedisFailureSink({
        url: location,
        // One attempt at a time, no endless reconnecting: a command line gives up with a message.
        redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: (times) => (times > 2 ? null : 200) },
        ...(keys.length === 0 ? {} : { encryptionKey: keys }),
        // An entry it cannot read (encrypted with another key, or without CREDHOOKS_SINK_KEY) is skipped by list(): say so.
        ...(options.warn === undefined ? {} : { logger: { warn: (obj: Record<string, unknown>) => void (typeof obj["key"] === "string" && options.warn!(`warning: skipped the entry ${JSON.stringify(obj["key"])}: ${String(obj["err"])}\n`)), error: () => undefined } }),
        ...(options.prefix === undefined ? {} : { keyPrefix: options.prefix }),
      });
    } catch (error) {
      throw new UsageError(`CREDHOOKS_SINK_KEY: ${message(error)}`);
    }
    try {
      // Ready, or the client gave up (its retries ran out): a refused connection fails in a second, not at the timeout.
      let lastError: unknown;
      failures.client.on("error", (error: unknown) => void (lastError = error));
      const ended = new Promise<never>((_, reject) => failures.client.once("end", () => reject(lastError ?? new Error("the connection closed"))));
      ended.catch(() => undefined);
      await Promise.race([failures.ready(10_000), ended]);
    } catch (error) {
      await failures.close().catch(() => undefined);
      throw new StoreUnavailableError(`cannot reach Redis at ${redactUrl(location)}: ${message(error)}`, { cause: error });
    }
    return { kind, location: redactUrl(location), failures, close: () => failures.close() };
  }
  if (kind === "postgres") {
    const { createPostgresFailureSink } = await load("@credhooks/postgres", () => import("@credhooks/postgres"), "@credhooks/postgres pg", location);
    const failures = createPostgresFailureSink({ connectionString: location, ...(options.prefix === undefined ? {} : { tablePrefix: options.prefix }), timeoutMs: 10_000 });
    try {
      await failures.size();
    } catch (error) {
      await failures.close().catch(() => undefined);
      const text = message(error);
      const hint = /does not exist/.test(text) ? " (no credhooks tables there: a receiver with @credhooks/postgres creates them with store.migrate())" : "";
      throw new StoreUnavailableError(`cannot read the failure sink in PostgreSQL at ${redactUrl(location)}: ${text}${hint}`, { cause: error });
    }
    return { kind, location: redactUrl(location), failures, close: () => failures.close() };
  }
  // A command that reads must not create an empty database where a path was mistyped.
  if (!existsSync(location)) throw new StoreUnavailableError(`no SQLite file at ${location}: --store names the file your receivers' @credhooks/sqlite store uses.`);
  const { createSqliteFailureSink } = await load("@credhooks/sqlite", () => import("@credhooks/sqlite"), "@credhooks/sqlite", location);
  let failures: ReturnType<typeof createSqliteFailureSink>;
  try {
    failures = createSqliteFailureSink({ path: location, ...(options.prefix === undefined ? {} : { tablePrefix: options.prefix }) });
  } catch (error) {
    throw new StoreUnavailableError(`cannot open the SQLite file ${location}: ${message(error)}`, { cause: error });
  }
  return { kind, location, failures, close: async () => failures.close() };
}

/**
 * Opens the store and failure sink of `credhooks listen --store`, as the example servers open
 * `CREDHOOKS_STORE`: created if missing (PostgreSQL tables by `migrate()`, a new SQLite file).
 */
export async function openListenStore(value: string, logger: Logger): Promise<ListenStore | undefined> {
  const setting = storeSetting(value);
  if (setting === undefined) return undefined;
  const { kind, location } = setting;
  if (kind === "redis") {
    const { createRedisStore, createRedisFailureSink } = await load("@credhooks/redis", () => import("@credhooks/redis"), "@credhooks/redis ioredis", location);
    const store = createRedisStore({ url: location, logger });
    const failures = createRedisFailureSink({ client: store.client });
    try {
      await store.ready(10_000);
    } catch (error) {
      await store.close();
      throw new StoreUnavailableError(`cannot reach Redis at ${redactUrl(location)} (--store): ${message(error)}`, { cause: error });
    }
    return { kind, location: redactUrl(location), store, failures, close: () => store.close() };
  }
  if (kind === "postgres") {
    const { createPostgresStore, createPostgresFailureSink } = await load("@credhooks/postgres", () => import("@credhooks/postgres"), "@credhooks/postgres pg", location);
    const store = createPostgresStore({ connectionString: location, logger });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await store.migrate();
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          await store.close();
          throw new StoreUnavailableError(`cannot use PostgreSQL at ${redactUrl(location)} (--store): ${message(error)}`, { cause: error });
        }
        await delay(250);
      }
    }
    return { kind, location: redactUrl(location), store, failures: createPostgresFailureSink({ store }), close: () => store.close() };
  }
  const { createSqliteStore, createSqliteFailureSink } = await load("@credhooks/sqlite", () => import("@credhooks/sqlite"), "@credhooks/sqlite", location);
  let store: ReturnType<typeof createSqliteStore>;
  try {
    store = createSqliteStore({ path: location });
  } catch (error) {
    throw new StoreUnavailableError(`cannot open the SQLite file ${location} (--store): ${message(error)}`, { cause: error });
  }
  return { kind, location, store, failures: createSqliteFailureSink({ store }), close: async () => store.close() };
}

/** Loads a store package, or says which packages to install next to the CLI. */
async function load<M>(name: string, importer: () => Promise<M>, install: string, location: string): Promise<M> {
  try {
    return await importer();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new UsageError(`--store ${redactUrl(location)} needs ${name}, which is not installed: npm install ${install}`);
    }
    throw error;
  }
}

/** A URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "file:" || parsed.host === "") return url;
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}

function message(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(message).join("; ");
  return error instanceof Error ? error.message : String(error);
}
