import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { alive, childrenOf, executable, freePort } from "./common.js";

/**
 * A real PostgreSQL: its own cluster in a temporary data directory, its own `postgres`
 * process on a free loopback port (no Unix socket), stopped and removed when the process
 * ends. Stopped, stalled or restarted (same port, same data) by the fault tests. Used by the
 * Postgres tests (through test/support/postgres-server.ts, which adds vitest's skipping) and
 * by the benchmark's Postgres case (bench/), which cannot import vitest.
 *
 * PostgreSQL refuses to run as root: when this runs as root (a container), `initdb` and
 * `postgres` run as the `postgres` user the Debian package creates (else `nobody`), the data
 * directory handed to that user.
 */

/** The directory holding initdb, postgres and pg_isready (Debian: /usr/lib/postgresql/<major>/bin; else on PATH), or undefined. */
export const postgresBinDir: string | undefined = findBinDir();

/** How to get PostgreSQL: the reason shown when the Postgres tests are skipped or fail. */
export const POSTGRES_INSTALL_HINT = "PostgreSQL server binaries (initdb, postgres) not found — apt-get install postgresql (Debian/Ubuntu) or brew install postgresql (macOS)";

/** A PostgreSQL server owned by a test file (or the benchmark). */
export interface PostgresServer {
  readonly port: number;
  /** The postmaster's pid while it runs (backends and background workers are its children); undefined while stopped. */
  readonly pid: number | undefined;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication on loopback). */
  readonly url: string;
  /** The server's major version, e.g. 15. */
  readonly version: number;
  /** A database of its own for a test (`CREATE DATABASE`), its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL with psql as the superuser; stdout (unaligned, tuples only). */
  psql(sql: string, database?: string): string;
  /** Stops the server at once (`immediate` shutdown: backends quit, connections drop, no checkpoint — like a crash). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data (crash recovery runs first); nothing when it runs. */
  start(): Promise<void>;
  /** SIGSTOP to every process of the server: connections stay open, nothing answers (a stalled database). */
  pause(): void;
  /** SIGCONT after {@link PostgresServer.pause}. */
  resume(): void;
  /** Stops it for good and removes its data directory. */
  destroy(): Promise<void>;
}

/**
 * Starts a fresh cluster (fsync off: nothing here needs to survive a machine crash). Throws
 * with {@link POSTGRES_INSTALL_HINT} when the binaries are missing.
 *
 * @example
 * ```ts
 * const pg = await startPostgresServer();
 * const store = createPostgresStore({ connectionString: await pg.createDatabase("app") });
 * await pg.destroy();
 * ```
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = postgresBinDir;
  if (bin === undefined) throw new Error(`The Postgres tests need a real PostgreSQL: ${POSTGRES_INSTALL_HINT}.`);
  const owner = runAs();
  const dir = mkdtempSync(join(tmpdir(), "credhooks-pg-"));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, "data");
  const spawnOptions = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const env = { ...process.env, LC_ALL: "C", LANG: "C", HOME: dir };
  const init = spawnSync(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], {
    ...spawnOptions,
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status ?? init.signal}): ${init.stderr}${init.error ? String(init.error) : ""}`);
  }
  const version = Number(readFileSync(join(data, "PG_VERSION"), "utf8").trim());
  const port = await freePort();
  let child: ChildProcess | undefined;
  const all = new Set<ChildProcess>();

  const start = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) return; // running already
    // fsync off: the machine does not crash in tests, and a stopped server loses nothing
    // the OS already has; it keeps a loaded test machine from waiting on the disk.
    const args = ["-D", data, "-p", String(port), "-h", "127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "full_page_writes=off"];
    args.push("-c", "max_connections=200", "-c", "shared_buffers=32MB", "-c", "log_min_messages=fatal", "-c", "logging_collector=off");
    const proc = spawn(join(bin, "postgres"), args, { ...spawnOptions, env, stdio: ["ignore", "ignore", "pipe"] });
    all.add(proc);
    proc.once("exit", () => all.delete(proc));
    const stderr: string[] = [];
    proc.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    child = proc;
    const deadline = Date.now() + 60_000;
    while (!isReady(bin, port)) {
      if (proc.exitCode !== null) throw new Error(`postgres exited with ${proc.exitCode} on port ${port}: ${stderr.join("")}`);
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections on port ${port} within 60 s: ${stderr.join("")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const backends = childrenOf(proc.pid!);
    signalAll(proc, "SIGCONT");
    proc.kill("SIGQUIT"); // immediate shutdown
    const timer = setTimeout(() => signalAll(proc, "SIGKILL"), 10_000);
    await once(proc, "exit");
    clearTimeout(timer);
    // The backends quit with the postmaster; wait until none is left.
    for (let i = 0; i < 100 && backends.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
  };

  const psql = (sql: string, database = "postgres"): string => {
    const result = spawnSync(join(bin, "psql"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], {
      encoding: "utf8",
      env: { ...env, PGCONNECT_TIMEOUT: "10" },
      timeout: 60_000,
    });
    if (result.status !== 0) throw new Error(`psql failed (${result.status ?? result.signal}): ${result.stderr}`);
    return result.stdout;
  };

  try {
    await start();
  } catch (error) {
    for (const proc of all) signalAll(proc, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let destroyed = false;
  const server: PostgresServer = {
    port,
    url: url("postgres"),
    version,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    async createDatabase(name) {
      psql(`CREATE DATABASE "${name}"`);
      return url(name);
    },
    psql,
    stop,
    start,
    pause() {
      // The postmaster first, so that it starts no new backend meanwhile.
      if (child) signalAll(child, "SIGSTOP");
    },
    resume() {
      if (child) signalAll(child, "SIGCONT");
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // Never leave a server or its data behind when the test process ends.
  process.once("exit", () => {
    for (const proc of all) signalAll(proc, "SIGKILL");
    if (!destroyed) rmSync(dir, { recursive: true, force: true });
  });
  return server;
}

/**
 * Signals the postmaster and its child processes (backends, background workers). Each child
 * is a process group of its own (PostgreSQL calls setsid() in every child), so a group
 * signal would miss them: they are found through /proc.
 */
function signalAll(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined) return;
  const pids = [proc.pid, ...childrenOf(proc.pid)];
  // Stop the parent first, resume it last.
  for (const pid of signal === "SIGCONT" ? pids.reverse() : pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

function isReady(bin: string, port: number): boolean {
  const result = spawnSync(join(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port), "-t", "2"], { encoding: "utf8", timeout: 10_000 });
  return result.status === 0;
}

/** The user to run PostgreSQL as when this process is root: `postgres` if it exists, else `nobody`. */
function runAs(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined;
  const passwd = readFileSync("/etc/passwd", "utf8").split("\n").map((line) => line.split(":"));
  const entry = passwd.find((fields) => fields[0] === "postgres") ?? passwd.find((fields) => fields[0] === "nobody");
  if (entry === undefined) throw new Error("running as root, and there is neither a `postgres` nor a `nobody` user to run PostgreSQL as (it refuses to run as root)");
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

function findBinDir(): string | undefined {
  const has = (dir: string) => ["initdb", "postgres", "pg_isready", "psql"].every((name) => executable(join(dir, name)));
  const fromEnv = process.env["POSTGRES_BIN"];
  if (fromEnv && has(fromEnv)) return fromEnv;
  // Debian/Ubuntu keep the server binaries out of PATH, one folder per major version: take the newest.
  try {
    const majors = readdirSync("/usr/lib/postgresql")
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) {
      const dir = join("/usr/lib/postgresql", major, "bin");
      if (has(dir)) return dir;
    }
  } catch {
    // not Debian
  }
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir !== "" && has(dir)) return dir;
  }
  return undefined;
}
