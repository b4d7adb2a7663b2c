// The servers of the store cases, started by the runner before the rounds and stopped at the
// end (on an error or Ctrl-C too: each server is killed, and its data directory removed, when
// the runner exits). Each one is a real server on a free loopback port, started by the same
// code as the tests' (test/support/servers/): redis-server without persistence; PostgreSQL
// in a fresh cluster in a temporary directory, fsync off. Without the binaries, the cases of
// that store are skipped, with the reason.
import { spawnSync } from "node:child_process";
import { childrenOf } from "../test/support/servers/common.js";
import { POSTGRES_INSTALL_HINT, postgresBinDir, startPostgresServer, type PostgresServer } from "../test/support/servers/postgres.js";
import { INSTALL_HINT, redisServerPath, startRedisServer, type RedisServer } from "../test/support/servers/redis.js";
import { BENCH_DATABASE, STORE_URL_ENV, type StoreKind } from "./stores.js";

/** A store server as results.json records it. */
export interface StoreServerInfo {
  /** e.g. "Redis 7.0.15" or "PostgreSQL 15". */
  version: string;
  /** How it was started. */
  settings: string;
  /** Which CPU it ran on, at which priority, in words. */
  placement: string;
  /** Whose CPU it shared: the load generator's, the receivers', or none in particular (not pinned). */
  cpu: StoreCpu;
}

/** Where the store servers run: on the load generator's CPU, on the receivers' CPU, or not pinned. */
export type StoreCpu = "load" | "receiver" | "any";

/** The running store servers. */
export interface StoreServers {
  /** The receivers' environment: each store's URL. */
  readonly env: Record<string, string>;
  /** Why a store's cases cannot run (binaries missing, or the server did not start). */
  readonly unavailable: Map<StoreKind, string>;
  readonly info: Partial<Record<StoreKind, StoreServerInfo>>;
  /** The processes of a store's server now (Redis: one; PostgreSQL: the postmaster and its children, backends included); all stores without `kind`. */
  pids(kind?: StoreKind): number[];
  /** Stops every server and removes PostgreSQL's data directory. */
  stop(): Promise<void>;
}

/** Why a store cannot run here, before trying to start it: undefined when its binaries are there. */
export function missingBinaries(kind: StoreKind): string | undefined {
  if (kind === "redis") return redisServerPath === undefined ? INSTALL_HINT : undefined;
  return postgresBinDir === undefined ? POSTGRES_INSTALL_HINT : undefined;
}

/**
 * Starts the servers of `kinds` whose binaries are installed. `place` is called with the
 * pid of each server's processes once it runs (the runner pins them to a CPU and raises their
 * priority; PostgreSQL's backends, forked later, inherit both); `where` says where, for the
 * results.
 *
 * @example
 * ```ts
 * const servers = await startStoreServers(new Set(["redis", "postgres"]), (pid) => pin(pid), { cpu: "load", placement: "pinned to CPU 1" });
 * try { ... } finally { await servers.stop(); }
 * ```
 */
export async function startStoreServers(kinds: ReadonlySet<StoreKind>, place: (pid: number) => void, where: { cpu: StoreCpu; placement: string }): Promise<StoreServers> {
  const { cpu, placement } = where;
  const env: Record<string, string> = {};
  const unavailable = new Map<StoreKind, string>();
  const info: Partial<Record<StoreKind, StoreServerInfo>> = {};
  let redis: RedisServer | undefined;
  let postgres: PostgresServer | undefined;

  for (const kind of kinds) {
    const missing = missingBinaries(kind);
    if (missing !== undefined) {
      unavailable.set(kind, `skipped: ${missing}`);
      continue;
    }
    try {
      if (kind === "redis") {
        redis = await startRedisServer();
        env[STORE_URL_ENV.redis] = redis.url;
        const version = /v=(\S+)/.exec(spawnSync(redisServerPath!, ["--version"], { encoding: "utf8" }).stdout ?? "")?.[1];
        info.redis = { version: `Redis ${version ?? "(version unknown)"}`, settings: "no persistence (--save \"\" --appendonly no)", placement, cpu };
        if (redis.pid !== undefined) place(redis.pid);
      } else {
        postgres = await startPostgresServer();
        env[STORE_URL_ENV.postgres] = await postgres.createDatabase(BENCH_DATABASE);
        const version = postgres.psql("SHOW server_version").trim();
        info.postgres = { version: `PostgreSQL ${version || postgres.version}`, settings: "a fresh cluster; fsync=off, full_page_writes=off, shared_buffers=32MB, otherwise defaults", placement, cpu };
        if (postgres.pid !== undefined) {
          place(postgres.pid);
          // The background processes started already; backends are forked later and inherit.
          for (const child of childrenOf(postgres.pid)) place(child);
        }
      }
    } catch (error) {
      unavailable.set(kind, `failed: the ${kind} server did not start: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    }
  }

  const pids = (kind?: StoreKind): number[] => {
    if (kind === "redis") return redis?.pid === undefined ? [] : [redis.pid];
    if (kind === "postgres") return postgres?.pid === undefined ? [] : [postgres.pid, ...childrenOf(postgres.pid)];
    return [...pids("redis"), ...pids("postgres")];
  };
  return {
    env,
    unavailable,
    info,
    pids,
    async stop() {
      await Promise.all([redis?.stop(), postgres?.destroy()]);
    },
  };
}
