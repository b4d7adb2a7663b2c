import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, publishablePackages, type PublishablePackage } from "../support/built-packages.js";
import { ROOT } from "../support/public-exports.js";

// What a user gets from the registry: each publishable package packed with `pnpm pack`
// (which rewrites `workspace:` ranges to versions), installed with npm into a scratch app
// together with its real dependencies from the registry, then used: an Express app built on
// the installed @credhooks/express and @credhooks/core/providers/proven receives deliveries,
// the installed `credhooks` bin sends one, and TypeScript type-checks a consumer against the
// packed declarations.

const packages = publishablePackages();
const PROVEN_DEV_KEY = "proven-dev-key"; // the CLI's default credential for proven (@credhooks/testing)
let scratch: string;
let tarballs: Map<string, string>;
let app: ChildProcess | undefined;
let appOrigin: string;
const appEvents: unknown[] = [];

function run(command: string, args: string[], cwd: string, timeout = 90_000): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, NODE_OPTIONS: "" } });
  return { status: result.status, stdout: result.stdout ?? "", stderr: (result.stderr ?? "") + (result.error ? String(result.error) : "") };
}

function pack(pkg: PublishablePackage, into: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("pnpm", ["pack", "--pack-destination", into], { cwd: pkg.path, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      const tarball = out.split("\n").map((line) => line.trim()).find((line) => line.endsWith(".tgz"));
      if (code !== 0 || tarball === undefined) reject(new Error(`pnpm pack of ${pkg.name} failed (${code}):\n${out}`));
      else resolve(tarball.startsWith("/") ? tarball : join(into, tarball));
    });
  });
}

function filesOf(tarball: string): string[] {
  const listed = run("tar", ["-tzf", tarball], ROOT);
  if (listed.status !== 0) throw new Error(`tar -tzf ${tarball}: ${listed.stderr}`);
  return listed.stdout.split("\n").filter(Boolean).map((file) => file.replace(/^package\//, ""));
}

function manifestOf(tarball: string): { dependencies?: Record<string, string>; exports: Record<string, string | Record<string, string>> } {
  const shown = run("tar", ["-xzOf", tarball, "package/package.json"], ROOT);
  return JSON.parse(shown.stdout) as { dependencies?: Record<string, string>; exports: Record<string, string | Record<string, string>> };
}

const APP = `
import express from "express";
import { webhooks } from "@credhooks/express";
import { proven } from "@credhooks/core/providers/proven";

const hooks = webhooks({ provider: proven({ apiKey: "${PROVEN_DEV_KEY}" }) });
hooks.on("credentials:done", (event) => {
  process.stdout.write(JSON.stringify({ event: event.name, tenant: event.tenantId, id: event.id }) + "\\n");
});
const server = express().use("/events/:tenantId/proven", hooks).listen(0, "127.0.0.1", () => {
  process.stdout.write("listening " + server.address().port + "\\n");
});
`;

const CONSUMER = `
import { createWebhooks, type WebhookEvent } from "@credhooks/core";
import { proven } from "@credhooks/core/providers/proven";
import { webhooks } from "@credhooks/express";

const hooks = createWebhooks({ provider: proven({ apiKey: "k" }) });
hooks.on("credentials:done", (event) => {
  const id: string = event.payload.cred_ex_id;
  return id;
});
webhooks({ provider: proven({ apiKey: "k" }) }).onAny((event: WebhookEvent) => event.name);
// @ts-expect-error a misspelled payload field is a compile error: the packed types are the real ones
hooks.on("credentials:done", (event) => event.payload.cred_ex_idd);
`;

describe("packed packages", () => {
  beforeAll(async () => {
    await ensureBuilt();
    scratch = mkdtempSync(join(tmpdir(), "credhooks-packed-"));
    const into = join(scratch, "tarballs");
    mkdirSync(into);
    const packed = await Promise.all(packages.map(async (pkg) => [pkg.name, await pack(pkg, into)] as const));
    tarballs = new Map(packed);

    const appDir = join(scratch, "app");
    mkdirSync(appDir);
    const dependencies: Record<string, string> = { express: "^5.1.0" };
    for (const [name, tarball] of tarballs) dependencies[name] = `file:${tarball}`;
    writeFileSync(join(appDir, "package.json"), JSON.stringify({ name: "scratch-app", private: true, type: "module", dependencies }, null, 2));
    // The registry serves express, zod, jose, svix, commander, ioredis…; the tarballs serve credhooks.
    const install = run("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline", "--loglevel=error"], appDir, 100_000);
    if (install.status !== 0) throw new Error(`npm install failed (${install.status}):\n${install.stdout}\n${install.stderr}`);
    writeFileSync(join(appDir, "app.mjs"), APP);
    writeFileSync(join(appDir, "consumer.ts"), CONSUMER);

    const child = spawn(process.execPath, ["app.mjs"], { cwd: appDir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } });
    app = child;
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    appOrigin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the scratch app did not start:\n${stderr}`)), 15_000);
      child.once("exit", (code) => reject(new Error(`the scratch app exited (${code}):\n${stderr}`)));
      createInterface({ input: child.stdout }).on("line", (line) => {
        const listening = /^listening (\d+)$/.exec(line);
        if (listening) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${listening[1]}`);
        } else appEvents.push(JSON.parse(line));
      });
    });
  }, 240_000);

  afterAll(() => {
    app?.kill();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("packs every publishable package with its licence, built files, and no tests", () => {
    expect([...tarballs.keys()].sort()).toEqual(packages.map((pkg) => pkg.name).sort());
    for (const pkg of packages) {
      const tarball = tarballs.get(pkg.name)!;
      const files = filesOf(tarball);
      expect(files, pkg.name).toEqual(expect.arrayContaining(["package.json", "LICENSE", "dist/index.js", "dist/index.d.ts"]));
      if (existsSync(join(pkg.path, "README.md"))) expect(files, pkg.name).toContain("README.md");
      expect(files.filter((file) => /\.test(-d)?\.(ts|js|d\.ts)$/.test(file) || /^src\/.*\.js$/.test(file)), pkg.name).toEqual([]);

      const manifest = manifestOf(tarball);
      // pnpm pack replaced workspace: ranges with the versions being published.
      expect(JSON.stringify(manifest.dependencies ?? {}), pkg.name).not.toContain("workspace:");
      // Every file the exports map points to is in the tarball.
      for (const [subpath, target] of Object.entries(manifest.exports)) {
        const targets = typeof target === "string" ? [target] : Object.values(target);
        for (const file of targets) expect(files, `${pkg.name} ${subpath} → ${file}`).toContain(file.replace(/^\.\//, ""));
      }
    }
  });

  it("serves deliveries with the installed @credhooks/express and @credhooks/core/providers/proven", async () => {
    const body = readFileSync(join(ROOT, "test/fixtures/proven/credentials-done.json"), "utf8");
    const post = (key: string) => fetch(`${appOrigin}/events/acme/proven`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body });

    const first = await post(PROVEN_DEV_KEY);
    expect([first.status, await first.json()]).toEqual([200, { received: true }]);
    const again = await post(PROVEN_DEV_KEY);
    expect([again.status, await again.json()]).toEqual([200, { received: true, duplicate: true }]);
    const wrong = await post("not-the-key");
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("INVALID_CREDENTIALS");

    expect(appEvents).toEqual([{ event: "credentials:done", tenant: "acme", id: "credentials:done|794657e2-187e-4642-b5f2-77dd27138a49|done|2025-03-13T22:15:02.479961Z" }]);
  });

  it("runs the installed credhooks bin: send delivers a signed sample the app accepts", () => {
    const sent = run(join(scratch, "app", "node_modules", ".bin", "credhooks"), ["send", "proven", "credentials:done", "--url", appOrigin, "--tenant", "acme"], join(scratch, "app"), 30_000);
    expect(sent.stderr.replace(/^npm warn.*\n?/gim, "")).toBe("");
    expect(sent.status).toBe(0);
    expect(sent.stdout).toMatch(/← 200/);
  });

  it("type-checks a TypeScript consumer against the packed declarations", () => {
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const args = ["--noEmit", "--strict", "--skipLibCheck", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--types", "node", "--typeRoots", join(ROOT, "node_modules", "@types"), "consumer.ts"];
    const checked = run(process.execPath, [tsc, ...args], join(scratch, "app"), 60_000);
    expect(checked.stdout + checked.stderr).toBe("");
    expect(checked.status).toBe(0);
  });
});
