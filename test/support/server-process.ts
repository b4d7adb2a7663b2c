import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/**
 * A TypeScript server in its own Node process (run with tsx, sources of the workspace
 * packages through `--conditions=source`, as `pnpm example:*` does), for the tests that
 * kill processes: its pid, what it printed, how it ended.
 */
export interface ServerProcess {
  readonly pid: number;
  /** Every JSON line on stdout (the listening and ready lines excluded). */
  readonly lines: Array<Record<string, unknown>>;
  /** Lines on stdout that were neither JSON nor a protocol line. */
  readonly strayLines: string[];
  readonly stderr: string[];
  /** Resolves with the URL once `listening on http://127.0.0.1:<port>` was printed. */
  listening(timeoutMs?: number): Promise<string>;
  /** Resolves once `ready` was printed (a fixture that loaded its modules and waits for `start` on stdin). */
  ready(timeoutMs?: number): Promise<void>;
  /** Writes one line to its stdin. */
  send(line: string): void;
  /** How it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly alive: boolean;
  /** Sends a signal (SIGKILL: a crash, no cleanup) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Starts `entry` (a path from the repository root) with tsx. */
export function startServerProcess(entry: string, env: Record<string, string> = {}): ServerProcess {
  const child: ChildProcess = spawn(process.execPath, ["--conditions=source", "--import", "tsx", entry], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: Array<Record<string, unknown>> = [];
  const strayLines: string[] = [];
  const stderr: string[] = [];
  let url: string | undefined;
  let isReady = false;
  const wakers = new Set<() => void>();
  const wake = () => {
    for (const w of [...wakers]) w();
  };
  createInterface({ input: child.stderr! }).on("line", (line) => stderr.push(line));
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const listening = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
    if (listening) url = listening[1]!;
    else if (line === "ready") isReady = true;
    else if (line.startsWith("{")) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        strayLines.push(line);
      }
    } else strayLines.push(line);
    wake();
  });
  child.stdin!.on("error", () => undefined); // a killed child's stdin: EPIPE is expected
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      resolve({ code, signal });
      wake();
    });
  });
  const waitFor = async <T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = get();
      if (value !== undefined) return value;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${entry} exited (${child.exitCode ?? child.signalCode}) before ${what}:\n${stderr.join("\n")}`);
      if (Date.now() > deadline) throw new Error(`${entry} did not get to ${what} within ${timeoutMs} ms:\n${stderr.join("\n")}`);
      await new Promise<void>((resolve) => {
        const done = () => (wakers.delete(done), clearTimeout(timer), resolve());
        const timer = setTimeout(done, 50);
        wakers.add(done);
      });
    }
  };
  return {
    pid: child.pid!,
    lines,
    strayLines,
    stderr,
    listening: (timeoutMs = 60_000) => waitFor(() => url, timeoutMs, "listening"),
    ready: async (timeoutMs = 60_000) => void (await waitFor(() => (isReady ? true : undefined), timeoutMs, "ready")),
    send: (line) => void child.stdin!.write(line + "\n"),
    exited,
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `check` until it returns true; throws `what` (with `detail()`) at the deadline. Never a fixed sleep. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, detail: () => string = () => ""): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not ${what} within ${timeoutMs} ms ${detail()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
