import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { accessSync, constants } from "node:fs";
import { createConnection, createServer } from "node:net";
import { delimiter, join } from "node:path";
import { describe } from "vitest";

/**
 * A real `redis-server` for the Redis tests: its own process on a free loopback port, no
 * persistence, stopped, paused or restarted (on the same port) by the fault tests.
 */

/** The redis-server executable on PATH, or undefined. */
export const redisServerPath: string | undefined = findOnPath("redis-server");

/** How to get redis-server: the reason shown when the Redis tests are skipped or fail. */
export const INSTALL_HINT = "redis-server not on PATH — apt-get install redis-server (Debian/Ubuntu) or brew install redis (macOS)";

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

/** A redis-server process owned by a test. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server (SIGKILL: like a crash or a lost host, no goodbye to clients). */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted). */
  start(): Promise<void>;
  /** SIGSTOP: the server keeps its connections but answers nothing (a stalled Redis). */
  pause(): void;
  /** SIGCONT after {@link RedisServer.pause}. */
  resume(): void;
}

/**
 * Starts `redis-server --port <free port> --bind 127.0.0.1 --save "" --appendonly no`.
 * Throws with {@link INSTALL_HINT} when redis-server is not installed.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const executable = redisServerPath;
  if (executable === undefined) throw new Error(`The Redis tests need a real Redis: ${INSTALL_HINT}.`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const all = new Set<ChildProcess>();

  const start = async (): Promise<void> => {
    const proc = spawn(executable, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    all.add(proc);
    proc.once("exit", () => all.delete(proc));
    const stderr: string[] = [];
    proc.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    child = proc;
    const deadline = Date.now() + 10_000;
    while (!(await ping(port))) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode} on port ${port}: ${stderr.join("")}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on port ${port} within 10 s`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  await start();
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGCONT");
      proc.kill("SIGKILL");
      await once(proc, "exit");
    },
    start,
    pause() {
      child?.kill("SIGSTOP");
    },
    resume() {
      child?.kill("SIGCONT");
    },
  };
  // Never leave a redis-server behind when the test process ends.
  process.once("exit", () => {
    for (const proc of all) proc.kill("SIGKILL");
  });
  return server;
}

/** A port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
