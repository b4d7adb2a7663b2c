import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, publishablePackages } from "../support/built-packages.js";
import { ROOT } from "../support/public-exports.js";
import { DEV_CREDENTIALS } from "@credhooks/testing";

// What a newcomer does with the README's "Install" section, before the packages are on a
// registry: pack every package with the repository's `pack:tarballs` command, then, in new
// apps, run the README's npm commands exactly as written (npm, a clean folder, the registry
// for everything but credhooks). Then the README's own Quick starts, unchanged, compile under
// `strict` against what was installed and receive deliveries: Express, Koa, and the installed
// `credhooks` CLI sending to the Express app. A later `npm install` in an app that installed
// ioredis (6 today) still resolves (it failed with ERESOLVE while the peer range said ^5).

const packages = publishablePackages();
const PROVEN_DEV_KEY = "proven-dev-key"; // the CLI's default credential for proven (@credhooks/testing)
// The environment the quick starts read their other providers' credentials from (the
// development credentials of @credhooks/testing; Sovrin's JWKS given inline).
const QUICK_START_ENV: Record<string, string> = {
  PROVEN_API_KEY: PROVEN_DEV_KEY,
  LISSI_API_KEY: DEV_CREDENTIALS.LISSI_API_KEY,
  SOVRIN_JWKS_URL: DEV_CREDENTIALS.SOVRIN_JWKS,
  TRUVERA_TOKEN: DEV_CREDENTIALS.TRUVERA_TOKEN,
  CROSSMINT_SECRET: DEV_CREDENTIALS.CROSSMINT_SECRET,
  ACAPY_API_KEY: DEV_CREDENTIALS.ACAPY_API_KEY,
};
const README = readFileSync(join(ROOT, "README.md"), "utf8");
let scratch: string;
let tarballs: string;
const running: ChildProcess[] = [];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

// npm's own settings, not the README's commands: no audit or funding requests, the cache first.
const NPM_ENV = { npm_config_audit: "false", npm_config_fund: "false", npm_config_prefer_offline: "true", npm_config_loglevel: "warn", npm_config_update_notifier: "false" };

function run(command: string, args: string[], cwd: string, timeout = 150_000, env: Record<string, string> = {}): Run {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, NODE_OPTIONS: "", ...env } });
  return { status: result.status, stdout: result.stdout ?? "", stderr: (result.stderr ?? "") + (result.error ? String(result.error) : "") };
}

/** The fenced blocks of a README section, by language. */
function blocksOf(section: string, language: string): string[] {
  const start = README.indexOf(`\n## ${section}\n`);
  if (start === -1) throw new Error(`README.md has no "## ${section}" section`);
  const end = README.indexOf("\n## ", start + 4);
  const text = README.slice(start, end === -1 ? undefined : end);
  return [...text.matchAll(new RegExp("^```" + language + "\\n([\\s\\S]*?)^```", "gm"))].map((match) => match[1]!);
}

/** The README's tarball commands: `T=…` replaced by the folder the test packed into. */
function tarballCommands(): Map<string, string> {
  const block = blocksOf("Install", "sh").find((text) => /^T=/m.test(text));
  if (!block) throw new Error('README.md\'s Install section has no block with "T=…" and the tarball commands');
  const lines = block.split("\n").filter((line) => line.startsWith("npm install"));
  const byFirst = new Map<string, string>();
  for (const line of lines) byFirst.set(line, line.replaceAll("$T", tarballs));
  return byFirst;
}

/** Runs one of the README's npm lines (found by what it starts with) in `app`. */
function npmInstall(app: string, startsWith: string): Run {
  const line = [...tarballCommands().entries()].find(([original]) => original.startsWith(startsWith));
  if (!line) throw new Error(`README.md's Install section has no line starting with ${JSON.stringify(startsWith)}`);
  const result = run("sh", ["-c", line[1]], app, 240_000, NPM_ENV);
  if (result.status !== 0) throw new Error(`${line[0]} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

function newApp(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  // A new ES-module app: what `npm init -y` writes, with "type": "module" for the Quick start's imports.
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true, type: "module" }, null, 2));
  return dir;
}

/** The README's Quick start block, as it is. */
function quickStart(framework: "Express" | "Koa"): string {
  const block = blocksOf(`Quick start: ${framework}`, "ts")[0];
  if (!block) throw new Error(`README.md's "Quick start: ${framework}" has no ts block`);
  return block;
}

// What the text around the Quick start leaves to you: your key lookup.
const LOOKUP_TYPES = "declare function lookupKey(tenantId: string | undefined): string | undefined;\n";
const LOOKUP = `const lookupKey = (tenantId) => (tenantId === "acme" ? "${PROVEN_DEV_KEY}" : undefined);\n`;

/** Type-checks files of `app` under strict, against what npm installed there (no access to the workspace). */
function typecheck(app: string, files: string[]): string {
  const tsc = join(app, "node_modules", "typescript", "bin", "tsc");
  const args = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--types", "node", ...files];
  const checked = run(process.execPath, [tsc, ...args], app, 120_000);
  return checked.stdout + checked.stderr;
}

/** Starts a Quick start (compiled to JavaScript as it is) with `app.listen(3000)` moved to a free port. */
async function start(app: string, file: string, env: Record<string, string> = {}): Promise<{ origin: string; lines: string[] }> {
  const child = spawn(process.execPath, ["--import", "./listen-anywhere.mjs", file], { cwd: app, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "", ...env } });
  running.push(child);
  const lines: string[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start:\n${stderr}`)), 15_000);
    child.once("exit", (code) => reject(new Error(`${file} exited (${code}):\n${stderr}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const listening = /^listening (\d+)$/.exec(line);
      if (!listening) return void lines.push(line);
      clearTimeout(timer);
      resolve(`http://127.0.0.1:${listening[1]}`);
    });
  });
  return { origin, lines };
}

const LISTEN_ANYWHERE = `import http from "node:http";
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (...args) {
  if (args[0] === 3000) args[0] = 0;
  this.once("listening", () => process.stdout.write("listening " + this.address().port + "\\n"));
  return listen.apply(this, args);
};
`;

const post = (origin: string, fixture: string, key: string) =>
  fetch(`${origin}/events/acme/proven`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body: readFileSync(join(ROOT, "test/fixtures/proven", fixture), "utf8") });

describe("installing from packed tarballs as the README says", () => {
  let expressApp: string;
  let koaApp: string;

  beforeAll(async () => {
    await ensureBuilt();
    scratch = mkdtempSync(join(tmpdir(), "credhooks-packed-"));
    tarballs = join(scratch, "clone", "tarballs");
    // The repository's pack:tarballs command, into the scratch folder; dist/ is already built
    // (prepack's build is checked on a fresh copy in fresh-clone-pack.test.ts).
    const script = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts["pack:tarballs"]!;
    expect(script).toContain("--out tarballs/%s.tgz");
    const packed = run("sh", ["-c", script.replace("--out tarballs/", `--out ${tarballs}/`)], ROOT, 180_000, { npm_config_ignore_scripts: "true" });
    if (packed.status !== 0) throw new Error(`pnpm pack:tarballs failed (${packed.status}):\n${packed.stdout}\n${packed.stderr}`);
  }, 240_000);

  afterAll(() => {
    for (const child of running) child.kill();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("packs every publishable package under the name the README uses, with its licence and built files, no tests", () => {
    const expected = packages.map((pkg) => `${pkg.name.replace(/^@/, "").replace("/", "-")}.tgz`).sort();
    expect(readdirSync(tarballs).sort()).toEqual(expected);
    for (const file of ["credhooks-core.tgz", "credhooks-express.tgz", "credhooks-koa.tgz", "credhooks-redis.tgz", "credhooks-node.tgz", "credhooks-testing.tgz", "credhooks.tgz"]) expect(expected).toContain(file);
    for (const pkg of packages) {
      const tarball = join(tarballs, `${pkg.name.replace(/^@/, "").replace("/", "-")}.tgz`);
      const files = run("tar", ["-tzf", tarball], ROOT).stdout.split("\n").filter(Boolean).map((file) => file.replace(/^package\//, ""));
      expect(files, pkg.name).toEqual(expect.arrayContaining(["package.json", "LICENSE", "dist/index.js", "dist/index.d.ts"]));
      if (existsSync(join(pkg.path, "README.md"))) expect(files, pkg.name).toContain("README.md");
      expect(files.filter((file) => /\.test(-d)?\.(ts|js|d\.ts)$/.test(file) || /^src\/.*\.js$/.test(file)), pkg.name).toEqual([]);
      const manifest = JSON.parse(run("tar", ["-xzOf", tarball, "package/package.json"], ROOT).stdout) as { version: string; dependencies?: Record<string, string>; exports: Record<string, string | Record<string, string>> };
      // Siblings by the caret range of the version being published (pnpm rewrote workspace:^).
      for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
        if (packages.some((other) => other.name === name)) expect(range, `${pkg.name} → ${name}`).toBe(`^${manifest.version}`);
      }
      for (const [subpath, target] of Object.entries(manifest.exports)) {
        const targets = typeof target === "string" ? [target] : Object.values(target);
        for (const file of targets) expect(files, `${pkg.name} ${subpath} → ${file}`).toContain(file.replace(/^\.\//, ""));
      }
    }
  });

  it("an Express app: the README's npm commands install, and a later npm install still resolves with ioredis 6", () => {
    expressApp = newApp("express-app");
    npmInstall(expressApp, "npm install express ");
    npmInstall(expressApp, "npm install ioredis ");
    npmInstall(expressApp, "npm install --save-dev \"$T/credhooks.tgz\"");
    npmInstall(expressApp, "npm install --save-dev typescript ");
    const ioredis = JSON.parse(readFileSync(join(expressApp, "node_modules/ioredis/package.json"), "utf8")) as { version: string };
    expect(ioredis.version.split(".")[0]).toBe("6"); // what `npm install ioredis` brings today
    // The issue: every later npm install failed with ERESOLVE … peer ioredis@"^5.4.0".
    const again = run("npm", ["install"], expressApp, 240_000, NPM_ENV);
    expect(again.stdout + again.stderr).not.toMatch(/ERESOLVE|peer ioredis/);
    expect(again.status).toBe(0);
    const tree = run("npm", ["ls", "--all"], expressApp, 60_000, NPM_ENV);
    expect(tree.stdout + tree.stderr).not.toMatch(/UNMET DEPENDENCY|UNMET PEER|invalid:|missing:/); // (TypeScript 7's other platforms are UNMET OPTIONAL)
    expect(tree.status).toBe(0);
  }, 900_000);

  it("the Express Quick start compiles under strict and receives deliveries", async () => {
    writeFileSync(join(expressApp, "quickstart.ts"), LOOKUP_TYPES + quickStart("Express"));
    expect(typecheck(expressApp, ["quickstart.ts"])).toBe("");
    writeFileSync(join(expressApp, "quickstart.mjs"), LOOKUP + ts.transpileModule(quickStart("Express"), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
    writeFileSync(join(expressApp, "listen-anywhere.mjs"), LISTEN_ANYWHERE);
    const { origin } = await start(expressApp, "quickstart.mjs", QUICK_START_ENV);
    const first = await post(origin, "credentials-done.json", PROVEN_DEV_KEY);
    expect([first.status, await first.json()]).toEqual([200, { received: true }]);
    const again = await post(origin, "credentials-done.json", PROVEN_DEV_KEY);
    expect([again.status, await again.json()]).toEqual([200, { received: true, duplicate: true }]);
    const wrong = await post(origin, "credentials-done.json", "not-the-key");
    expect([wrong.status, ((await wrong.json()) as { error: { code: string } }).error.code]).toEqual([401, "INVALID_CREDENTIALS"]);

    // The installed CLI sends a signed sample to it.
    const sent = run(join(expressApp, "node_modules", ".bin", "credhooks"), ["send", "proven", "credentials:done", "--url", origin, "--tenant", "acme"], expressApp, 30_000);
    expect(sent.stderr.replace(/^npm warn.*\n?/gim, "")).toBe("");
    expect(sent.status).toBe(0);
    expect(sent.stdout).toMatch(/← 200/);
    const events = run(join(expressApp, "node_modules", ".bin", "credhooks"), ["events", "proven"], expressApp, 30_000);
    expect(events.stdout.split("\n")[0]).toBe("connection:completed");
  }, 120_000);

  it("a Koa app: the README's npm commands install, and the Koa Quick start compiles under strict and receives deliveries", async () => {
    koaApp = newApp("koa-app");
    npmInstall(koaApp, "npm install koa ");
    npmInstall(koaApp, "npm install --save-dev typescript ");
    writeFileSync(join(koaApp, "quickstart.ts"), quickStart("Koa"));
    expect(typecheck(koaApp, ["quickstart.ts"])).toBe("");
    writeFileSync(join(koaApp, "quickstart.mjs"), ts.transpileModule(quickStart("Koa"), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
    writeFileSync(join(koaApp, "listen-anywhere.mjs"), LISTEN_ANYWHERE);
    const { origin, lines } = await start(koaApp, "quickstart.mjs", QUICK_START_ENV);
    const connected = await post(origin, "connection-completed.json", PROVEN_DEV_KEY);
    expect([connected.status, await connected.json()]).toEqual([200, { received: true }]);
    // The handlers' console.log: Proven's own event, and the normalized connection.established
    // (printed before the answer; the pipe may hand them over a little later).
    for (let waited = 0; lines.length < 2 && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect([...lines].sort()).toEqual(["13eeacd4-0c4e-495e-81cc-d66c6eeb8545", "proven 13eeacd4-0c4e-495e-81cc-d66c6eeb8545"]);
    const elsewhere = await fetch(`${origin}/health`);
    expect(elsewhere.status).toBe(404); // Koa's own: not the receiver's
  }, 900_000);

  it("a TypeScript consumer type-checks against the packed declarations (a misspelled field is an error)", () => {
    writeFileSync(
      join(expressApp, "consumer.ts"),
      `import { createWebhooks, type NormalizedEvent, type WebhookEvent } from "@credhooks/core";
import { proven } from "@credhooks/core/providers/proven";
import { webhooks } from "@credhooks/express";

const hooks = createWebhooks({ provider: proven({ apiKey: "k" }) });
hooks.on("credentials:done", (event) => {
  const id: string = event.payload.cred_ex_id;
  return id;
});
const onIssued = (event: NormalizedEvent<"credential.issued">) => event.payload.recordId;
hooks.on("credential.issued", onIssued).off("credential.issued", onIssued);
webhooks({ provider: proven({ apiKey: "k" }) }).onAny((event: WebhookEvent) => event.name);
// @ts-expect-error a misspelled payload field is a compile error: the packed types are the real ones
hooks.on("credentials:done", (event) => event.payload.cred_ex_idd);
// @ts-expect-error Proven emits no did.created
hooks.on("did.created", () => {});
`,
    );
    expect(typecheck(expressApp, ["consumer.ts"])).toBe("");
  }, 120_000);
});
