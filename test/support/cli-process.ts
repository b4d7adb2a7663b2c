import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/**
 * The `credhooks` command run as users run it, for the inspector and failure-sink tests: the
 * committed bin shim in a process of its own (from a checkout it runs the TypeScript sources
 * through tsx).
 */

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BIN = join(ROOT, "packages/cli/bin/credhooks.js");

/** The environment of every run: no credentials, store or port from the developer's shell. */
export const CLEAN_ENV: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined &&
      !["PROVEN_API_KEY", "LISSI_API_KEY", "TRUVERA_TOKEN", "CROSSMINT_SECRET", "SOVRIN_JWKS", "SOVRIN_JWKS_URL", "ACAPY_API_KEY", "PORT", "CREDHOOKS_CLI_DIST", "CREDHOOKS_STORE", "CREDHOOKS_SINK_KEY"].includes(entry[0]),
  ),
);

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `credhooks <args>` to its end. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...CLEAN_ENV, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A running `credhooks listen`. */
export interface ListenProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Lines printed after the listening line. */
  lines: string[];
  /** The lines parsed as JSON (run with --json). */
  json(): Array<Record<string, unknown>>;
  stderr(): string;
  /** Polls until the predicate holds; throws with what was printed. */
  waitFor(predicate: (lines: string[]) => boolean, timeoutMs?: number): Promise<void>;
  /** SIGINT, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `credhooks listen --port 0 <args>` and waits for its listening line. */
export async function listen(args: string[] = ["--json"], env: Record<string, string> = {}): Promise<ListenProcess> {
  const child: ChildProcess = spawn(process.execPath, [BIN, "listen", "--port", "0", ...args], { cwd: ROOT, env: { ...CLEAN_ENV, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = once(child, "exit");
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`credhooks listen printed no listening line within 60 s: ${stderr}`)), 60_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`credhooks listen exited with ${code}: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /^credhooks listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      } else lines.push(line);
    });
  });
  return {
    url,
    lines,
    json: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    stderr: () => stderr,
    async waitFor(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(lines) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      if (!predicate(lines)) throw new Error(`credhooks listen did not print what was expected; it printed:\n${lines.join("\n")}\nstderr:\n${stderr}`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGINT");
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

/** Polls `check` until it returns a value other than undefined (or the deadline passes). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
