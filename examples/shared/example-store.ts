import { isAbsolute, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { LruDedupeStore, MemoryFailureSink, type DedupeStore, type FailureSink, type Logger, type NormalizedPayload, type MultiWebhooks, type RecoveryOptions } from "@credhooks/core";
import { exampleHandlerDelayMs, type exampleProviders } from "./example-receivers.js";

/**
 * Where the example servers keep claims, the inbox and the failure sink, chosen by
 * `CREDHOOKS_STORE` (see the README's example-server contract):
 *
 * - `memory` (default): in the process (`LruDedupeStore`, `MemoryFailureSink`); a restart forgets everything;
 * - `redis://…` / `rediss://…`: `@credhooks/redis`, the store and the failure sink sharing one client;
 * - `postgres://…` / `postgresql://…`: `@credhooks/postgres`, the store and the failure sink on one
 *   pool, their tables (and the example's `issued_credentials`) created at start;
 * - anything else is a file path: `@credhooks/sqlite`, the store and its failure sink in that one file.
 *
 * Every receiver of a server shares the one store (keys and inbox queues are per provider).
 */
export type ExampleStoreKind = "memory" | "redis" | "sqlite" | "postgres";

/** The store of an example server, opened. */
export interface ExampleStore {
  readonly kind: ExampleStoreKind;
  /** What the startup log names: `memory`, the Redis or PostgreSQL URL without its password, or the file's absolute path. */
  readonly location: string;
  readonly store: DedupeStore;
  readonly failures: FailureSink;
  /** The options every receiver gets: the store, the failure sink, and the lease and recovery timings. */
  readonly receiverOptions: { store: DedupeStore; failures: FailureSink; logger: Logger; leaseMs?: number; recovery?: RecoveryOptions };
  /** Closes the connection or the file (after the receivers were closed). */
  close(): Promise<void>;
}

/** What `CREDHOOKS_STORE` asks for, without opening anything. */
export function exampleStoreSetting(env: NodeJS.ProcessEnv): { kind: ExampleStoreKind; location: string } {
  const value = (env["CREDHOOKS_STORE"] ?? "").trim();
  if (value === "" || value === "memory") return { kind: "memory", location: "memory" };
  if (/^rediss?:\/\//i.test(value)) return { kind: "redis", location: value };
  if (/^postgres(?:ql)?:\/\//i.test(value)) return { kind: "postgres", location: value };
  return { kind: "sqlite", location: isAbsolute(value) ? value : resolve(value) };
}

/**
 * `EXAMPLE_LEASE_MS`: the in-flight lease (default: the core's, 30 s). An event whose process
 * died is recovered once its lease ran out; the recoverer then looks every
 * min(5 s, lease) instead of every 5 s.
 */
export function exampleLeaseMs(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env["EXAMPLE_LEASE_MS"];
  if (raw === undefined || raw === "") return undefined;
  const leaseMs = Number(raw);
  if (!Number.isInteger(leaseMs) || leaseMs < 100) throw new Error(`EXAMPLE_LEASE_MS must be a whole number of ms ≥ 100, got ${JSON.stringify(raw)}`);
  return leaseMs;
}

/** Logs of the store and the receivers: one line each on stderr (stdout carries only the contract's lines). */
export const stderrLogger: Logger = {
  warn: (obj, msg) => process.stderr.write(`[credhooks example] ${msg} ${JSON.stringify(obj)}\n`),
  error: (obj, msg) => process.stderr.write(`[credhooks example] ${msg} ${JSON.stringify(obj)}\n`),
};

/**
 * Opens the store `CREDHOOKS_STORE` names, as the example servers do at start: a store that
 * cannot be opened (Redis not answering within 10 s, a file SQLite cannot open) is a clear
 * message on stderr and exit code 1, like a port in use.
 */
export async function openExampleStore(env: NodeJS.ProcessEnv, logger: Logger = stderrLogger): Promise<ExampleStore> {
  try {
    const opened = await openStore(env, logger);
    process.stderr.write(`[credhooks example] store: ${opened.kind} (${opened.location})\n`);
    return opened;
  } catch (error) {
    process.stderr.write(`[credhooks example] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

/** {@link openExampleStore} without the exit: rejects with a message naming the store. */
export async function openStore(env: NodeJS.ProcessEnv, logger: Logger = stderrLogger): Promise<ExampleStore> {
  const { kind, location } = exampleStoreSetting(env);
  const leaseMs = exampleLeaseMs(env);
  const timings = { logger, ...(leaseMs === undefined ? {} : { leaseMs, recovery: { intervalMs: Math.min(5000, leaseMs) } }) };

  if (kind === "redis") {
    // Loaded only when asked for: the in-memory default needs neither Redis nor SQLite.
    const { createRedisStore, createRedisFailureSink } = await import("@credhooks/redis");
    const store = createRedisStore({ url: location, logger });
    const failures = createRedisFailureSink({ client: store.client });
    try {
      await store.ready();
    } catch (error) {
      await store.close();
      throw new Error(`cannot reach Redis at ${redactUrl(location)} (CREDHOOKS_STORE): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return {
      kind,
      location: redactUrl(location),
      store,
      failures,
      receiverOptions: { store, failures, ...timings },
      // The sink shares the store's client: closing the store quits it.
      close: () => store.close(),
    };
  }

  if (kind === "postgres") {
    const { createPostgresStore, createPostgresFailureSink } = await import("@credhooks/postgres");
    const store = createPostgresStore({ connectionString: location, logger });
    try {
      // The tables are created at start (idempotent); a database that is still starting gets 10 s.
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await store.migrate();
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await delay(250);
        }
      }
      await store.pool.query(ISSUED_CREDENTIALS_TABLE);
    } catch (error) {
      await store.close();
      throw new Error(`cannot use PostgreSQL at ${redactUrl(location)} (CREDHOOKS_STORE): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const failures = createPostgresFailureSink({ store });
    return {
      kind,
      location: redactUrl(location),
      store,
      failures,
      receiverOptions: { store, failures, ...timings },
      // The sink shares the store's pool: closing the store ends it.
      close: () => store.close(),
    };
  }

  if (kind === "sqlite") {
    const { createSqliteStore, createSqliteFailureSink } = await import("@credhooks/sqlite");
    let store: ReturnType<typeof createSqliteStore>;
    try {
      store = createSqliteStore({ path: location });
    } catch (error) {
      throw new Error(`cannot open the SQLite file ${location} (CREDHOOKS_STORE): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const failures = createSqliteFailureSink({ store });
    return {
      kind,
      location,
      store,
      failures,
      receiverOptions: { store, failures, ...timings },
      // The sink shares the store's connection: closing the store closes the file.
      close: async () => store.close(),
    };
  }

  const store = new LruDedupeStore();
  const failures = new MemoryFailureSink();
  return { kind, location, store, failures, receiverOptions: { store, failures, ...timings }, close: async () => undefined };
}

/**
 * The example's own table on PostgreSQL: one row per issued credential, written by a
 * transactional handler (`addStoreHandlers`). The primary key is a safety net: a second
 * commit of one event's row would fail loudly instead of adding a row.
 */
const ISSUED_CREDENTIALS_TABLE = `CREATE TABLE IF NOT EXISTS issued_credentials (
  provider text NOT NULL,
  tenant_id text NOT NULL,
  event_id text NOT NULL,
  record_id text,
  subject text,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, tenant_id, event_id)
)`;

/**
 * The handlers a store makes possible beyond the example's own: on PostgreSQL, every issued
 * credential (the normalized `credential.issued`, from any provider) becomes a row of
 * `issued_credentials`, inserted by a handler registered with `{ transactional: true }` —
 * the row and the handler's success record commit together, so through duplicates, kills
 * and redeliveries each credential is written exactly once. It waits
 * `EXAMPLE_HANDLER_DELAY_MS` inside its transaction (a kill then rolls the row back).
 */
export function addStoreHandlers(hooks: MultiWebhooks<ReturnType<typeof exampleProviders>>, store: ExampleStore, env: NodeJS.ProcessEnv): void {
  if (store.kind !== "postgres") return;
  const delayMs = exampleHandlerDelayMs(env);
  hooks.on(
    "credential.issued",
    async (event) => {
      const issued = event.payload as NormalizedPayload;
      // event.transaction is the pg client inside BEGIN … COMMIT (transactionClient(event) types it).
      const db = event.transaction as { query(text: string, values: unknown[]): Promise<unknown> };
      await db.query("INSERT INTO issued_credentials (provider, tenant_id, event_id, record_id, subject) VALUES ($1, $2, $3, $4, $5)", [
        issued.provider,
        event.tenantId ?? "",
        event.id,
        issued.recordId ?? null,
        issued.subject ?? null,
      ]);
      if (delayMs > 0) await delay(delayMs, undefined, { signal: event.signal });
    },
    { transactional: true, id: "issued-credentials-table" },
  );
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}
