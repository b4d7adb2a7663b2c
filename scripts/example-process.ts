import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

/** An example server running in its own process, with what it printed. */
export interface ExampleProcess {
  url: string;
  /** Every stdout line after the listening line, parsed. */
  lines: Array<Record<string, unknown>>;
  /** Lines on stdout that were not JSON (the contract allows none). */
  strayLines: string[];
  stderr: string[];
  /** Waits until `count` JSON lines have arrived (or `timeoutMs` passed). */
  waitForLines(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const root = fileURLToPath(new URL("..", import.meta.url));

/** Starts `examples/<framework>` on a free port, the way `pnpm example:<framework>` does. */
export async function startExample(framework: "express" | "koa" | "hono", env: Record<string, string> = {}): Promise<ExampleProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--conditions=source", "--import", "tsx", `examples/${framework}/src/server.ts`], {
    cwd: root,
    env: { ...process.env, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Array<Record<string, unknown>> = [];
  const strayLines: string[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  let resolveUrl!: (url: string) => void;
  let rejectUrl!: (error: Error) => void;
  const listening = new Promise<string>((resolve, reject) => ((resolveUrl = resolve), (rejectUrl = reject)));
  createInterface({ input: child.stderr! }).on("line", (line) => stderr.push(line));
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
    if (match) return resolveUrl(match[1]!);
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      strayLines.push(line);
    }
    for (const wake of waiters) wake();
  });
  child.once("exit", (code) => rejectUrl(new Error(`example:${framework} exited with ${code} before listening:\n${stderr.join("\n")}`)));
  const timer = setTimeout(() => rejectUrl(new Error(`example:${framework} did not print its listening line within 30 s`)), 30_000);
  const url = await listening.finally(() => clearTimeout(timer));
  return {
    url,
    lines,
    strayLines,
    stderr,
    async waitForLines(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (lines.length < count && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const wake = () => (waiters.delete(wake), resolve());
          waiters.add(wake);
          setTimeout(wake, 50);
        });
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
