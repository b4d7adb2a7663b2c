import { describe } from "vitest";
import { INSTALL_HINT, redisServerPath } from "./servers/redis.js";

/**
 * A real `redis-server` for the Redis tests: its own process on a free loopback port, no
 * persistence, stopped, paused or restarted (on the same port) by the fault tests. The
 * server itself is started by ./servers/redis.ts (free of vitest, shared with the
 * benchmark); this module adds the tests' skipping.
 */

export { INSTALL_HINT, freePort, redisServerPath, startRedisServer, type RedisServer } from "./servers/redis.js";

const inCi = process.env["CI"] === "true" || process.env["CI"] === "1";

/**
 * `describe` for tests that need a real Redis. Without `redis-server` on PATH they are
 * reported as skipped, the reason in the suite's name; under `CI=true` they run and fail
 * with {@link INSTALL_HINT} instead, so CI never passes without having run them.
 *
 * @example
 * ```ts
 * describeWithRedis("RedisDedupeStore", () => { let redis: RedisServer; beforeAll(async () => { redis = await startRedisServer(); }); ... });
 * ```
 */
export function describeWithRedis(name: string, body: () => void): void {
  const skip = redisServerPath === undefined && !inCi;
  describe.skipIf(skip)(skip ? `${name} (skipped: ${INSTALL_HINT})` : name, body);
}
