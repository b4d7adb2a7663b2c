import { describe } from "vitest";
import { POSTGRES_INSTALL_HINT, postgresBinDir } from "./servers/postgres.js";

/**
 * A real PostgreSQL for the Postgres tests: its own cluster in a temporary data directory,
 * its own `postgres` process on a free loopback port (no Unix socket), stopped and removed
 * when the test file ends; stopped, stalled or restarted (same port, same data) by the fault
 * tests. The server itself is started by ./servers/postgres.ts (free of vitest, shared with
 * the benchmark); this module adds the tests' skipping.
 */

export { POSTGRES_INSTALL_HINT, postgresBinDir, startPostgresServer, type PostgresServer } from "./servers/postgres.js";

const inCi = process.env["CI"] === "true" || process.env["CI"] === "1";

/** Whether the Postgres tests are skipped here (no binaries, not under CI). */
export const postgresSkipped = postgresBinDir === undefined && !inCi;

/**
 * `describe` for tests that need a real PostgreSQL. Without its binaries they are reported
 * as skipped, the reason in the suite's name; under `CI=true` they run and fail with
 * {@link POSTGRES_INSTALL_HINT} instead, so CI never passes without having run them.
 *
 * @example
 * ```ts
 * describeWithPostgres("PostgresStore", () => { let pg: PostgresServer; beforeAll(async () => { pg = await startPostgresServer(); }); ... });
 * ```
 */
export function describeWithPostgres(name: string, body: () => void): void {
  describe.skipIf(postgresSkipped)(postgresSkipped ? `${name} (skipped: ${POSTGRES_INSTALL_HINT})` : name, body);
}
