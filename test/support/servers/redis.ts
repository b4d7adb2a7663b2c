import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createConnection } from "node:net";
import { findOnPath, freePort } from "./common.js";

/**
 * A real `redis-server` on a free loopback port, in its own process, with no persistence:
 * for the Redis tests (through test/support/redis-server.ts, which adds vitest's skipping)
 * and for the benchmark's Redis case (bench/), which cannot import vitest.
 */

export { freePort } from "./common.js";

/** The redis-server executable on PATH, or undefined. */
export const redisServerPath: string | undefined = findOnPath("redis-server");

/** How to get redis-server: the reason shown when the Redis tests (or the benchmark's Redis case) are skipped or fail. */
export const INSTALL_HINT = "redis-server not on PATH — apt-get install redis-server (Debian/Ubuntu) or brew install redis (macOS)";

/** A redis-server process owned by a test (or the benchmark). */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** The running server's pid (undefined while it is stopped). */
  readonly pid: number | undefined;
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
 * Throws with {@link INSTALL_HINT} when redis-server is not installed. The server is killed
 * when this process exits.
 *
 * @example
 * ```ts
 * const redis = await startRedisServer();
 * const store = createRedisStore({ url: redis.url });
 * await redis.stop();
 * ```
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
    get pid() {
      return child?.pid;
    },
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
  // Never leave a redis-server behind when the process ends.
  process.once("exit", () => {
    for (const proc of all) proc.kill("SIGKILL");
  });
  return server;
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
