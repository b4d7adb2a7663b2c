import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT } from "./public-exports.js";

/** A package under packages/ that is published (not `private`). */
export interface PublishablePackage {
  /** The folder name under packages/. */
  dir: string;
  /** The absolute path of its folder. */
  path: string;
  name: string;
  version: string;
  /** The subpaths of its `exports` map that are modules (`.`, `./providers/proven`, …), not `./package.json`. */
  subpaths: string[];
}

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, unknown>;
}

/**
 * The publishable packages of the workspace, read from their package.json.
 *
 * @example
 * ```ts
 * publishablePackages().map((pkg) => pkg.name); // ["credhooks", "@credhooks/core", …]
 * ```
 */
export function publishablePackages(): PublishablePackage[] {
  const dirs = readdirSync(join(ROOT, "packages"), { withFileTypes: true }).filter((entry) => entry.isDirectory());
  return dirs.flatMap((entry) => {
    const path = join(ROOT, "packages", entry.name);
    if (!existsSync(join(path, "package.json"))) return [];
    const manifest = JSON.parse(readFileSync(join(path, "package.json"), "utf8")) as Manifest;
    if (manifest.private) return [];
    const subpaths = Object.keys(manifest.exports ?? { ".": "" }).filter((subpath) => !subpath.endsWith(".json"));
    return [{ dir: entry.name, path, name: manifest.name, version: manifest.version, subpaths }];
  });
}

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts") || /\.test(-d)?\.ts$/.test(entry.name)) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Packages whose dist/ is missing or older than one of their sources. */
function stalePackages(): string[] {
  return publishablePackages()
    .filter((pkg) => {
      const built = join(pkg.path, "dist", "index.js");
      return !existsSync(built) || statSync(built).mtimeMs < newestSourceMtime(join(pkg.path, "src"));
    })
    .map((pkg) => pkg.name);
}

const LOCK = join(tmpdir(), `credhooks-build-${Buffer.from(ROOT).toString("base64url").slice(-24)}.lock`);

/**
 * Makes sure every publishable package's dist/ is built from its current sources: runs
 * `pnpm build` once when something is stale (CI builds before testing, so there it only
 * checks). Test files running in parallel share one build through a lock directory.
 *
 * @example
 * ```ts
 * beforeAll(() => ensureBuilt(), 180_000);
 * ```
 */
export async function ensureBuilt(): Promise<void> {
  if (stalePackages().length === 0) return;
  const deadline = Date.now() + 170_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another test file is building; a lock older than 3 minutes was left by a killed run.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 180_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`Timed out waiting for another test's pnpm build (lock ${LOCK}).`);
      await sleep(250);
    }
  }
  try {
    const stale = stalePackages();
    if (stale.length === 0) return;
    const build = spawnSync("pnpm", ["build"], { cwd: ROOT, encoding: "utf8", timeout: 150_000 });
    if (build.status !== 0) {
      throw new Error(`pnpm build failed (stale: ${stale.join(", ")}), exit ${build.status}:\n${build.stdout}\n${build.stderr}`);
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
