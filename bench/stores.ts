// The durable stores of the store cases, in the receiver process: `@credhooks/redis` and
// `@credhooks/postgres` as users create them (`createRedisStore({ url })`,
// `createPostgresStore({ connectionString })` + `migrate()`: the recommended client
// settings), on the servers the runner started (store-servers.ts) and passed in the
// environment. Every command sent to Redis and every statement sent to PostgreSQL is counted
// here, on the client side; the runner reads the count in each snapshot (server.ts) and
// divides it by the requests served in the measured window: round trips per delivery.
import type { DedupeStore } from "@credhooks/core";

/** A durable store a case can run on. */
export type StoreKind = "redis" | "postgres";

/** The environment variable that hands each store's URL to the receiver. */
export const STORE_URL_ENV: Record<StoreKind, string> = { redis: "BENCH_REDIS_URL", postgres: "BENCH_POSTGRES_URL" };

/** The database the Postgres case uses (created by the runner). */
export const BENCH_DATABASE = "credhooks_bench";

/** Commands (Redis) or statements (PostgreSQL) the receiver's store has sent so far. */
export const storeCalls = { count: 0 };

/** Replaces `target[method]` by a wrapper that counts each call, once per object. */
const wrapped = new WeakSet<object>();
function countCalls(target: object, method: string): void {
  if (wrapped.has(target)) return;
  wrapped.add(target);
  const holder = target as Record<string, unknown>;
  const original = holder[method];
  if (typeof original !== "function") throw new Error(`bench: the store's client has no ${method}() to count`);
  const bound = (original as (...args: unknown[]) => unknown).bind(target);
  holder[method] = (...args: unknown[]): unknown => {
    storeCalls.count++;
    return bound(...args);
  };
}

/**
 * Creates the store of `kind` on the server the runner started, ready (connected, tables
 * migrated) and counting its round trips.
 *
 * @example
 * ```ts
 * const store = await benchStore("redis");
 * const hooks = webhooks({ provider, store });
 * ```
 */
export async function benchStore(kind: StoreKind): Promise<DedupeStore> {
  const url = process.env[STORE_URL_ENV[kind]];
  if (!url) throw new Error(`no ${kind} server: ${STORE_URL_ENV[kind]} is not set (the runner, bench/run.ts, starts one)`);
  if (kind === "redis") {
    const { createRedisStore } = await import("@credhooks/redis");
    const store = createRedisStore({ url });
    await store.ready();
    // ioredis sends every command, EVALSHA of each store step included, through sendCommand;
    // it writes each one at once (no auto-pipelining): one command, one round trip.
    countCalls(store.client, "sendCommand");
    return store;
  }
  const { createPostgresStore } = await import("@credhooks/postgres");
  const store = createPostgresStore({ connectionString: url });
  await store.migrate();
  // Every statement goes through a pooled client's query() (pool.query included), one round
  // trip each: wrap each client the first time the pool hands it out.
  store.pool.on("acquire", (client) => countCalls(client, "query"));
  return store;
}
