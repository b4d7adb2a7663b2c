import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, publishablePackages } from "../support/built-packages.js";
import { ROOT } from "../support/public-exports.js";

// The packages are ESM only. Node ≥ 20.19 lets a CommonJS consumer require() an ES module
// that has no top-level await (ERR_REQUIRE_ASYNC_MODULE otherwise), so require() must load
// every entry point of the built packages and give what import() gives.
//
// The consumer lives in a temporary folder whose node_modules links to the workspace
// packages (Node follows the links, so their own dependencies resolve from the workspace),
// plus express, to run the Express adapter from CommonJS.

const packages = publishablePackages();
let consumer: string;

const CHECK = String.raw`
const assert = require("node:assert/strict");
const specs = JSON.parse(process.argv[2]);
(async () => {
  const modules = {};
  for (const spec of specs) {
    const required = require(spec);
    const imported = await import(spec);
    modules[spec] = { required: Object.keys(required).sort(), imported: Object.keys(imported).filter((k) => k !== "default" && k !== "module.exports").sort() };
  }

  // A delivery through the Express adapter, all from CommonJS.
  const express = require("express");
  const { webhooks } = require("@credhooks/express");
  const { proven } = require("@credhooks/core/providers/proven");
  const seen = [];
  const hooks = webhooks({ provider: proven({ apiKey: "cjs-key" }) });
  hooks.on("credentials:done", (event) => { seen.push([event.tenantId, event.payload.cred_ex_id]); });
  const server = express().use("/events/:tenantId/proven", hooks).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const url = "http://127.0.0.1:" + server.address().port + "/events/acme/proven";
  const post = (key) => fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body: process.env.DELIVERY });
  const accepted = await post("cjs-key");
  const rejected = await post("wrong-key");
  server.close();
  process.stdout.write(JSON.stringify({ modules, accepted: [accepted.status, await accepted.json()], rejected: [rejected.status, await rejected.json()], seen }));
})().catch((error) => {
  process.stderr.write(String(error && error.stack || error));
  process.exit(1);
});
`;

function link(target: string, at: string): void {
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(target, at, "dir");
}

describe("CommonJS consumers", () => {
  beforeAll(async () => {
    await ensureBuilt();
    consumer = mkdtempSync(join(tmpdir(), "credhooks-cjs-"));
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "cjs-consumer", private: true, type: "commonjs" }));
    for (const pkg of packages) link(pkg.path, join(consumer, "node_modules", ...pkg.name.split("/")));
    link(join(ROOT, "node_modules", "express5"), join(consumer, "node_modules", "express"));
    writeFileSync(join(consumer, "check.cjs"), CHECK);
  }, 180_000);

  afterAll(() => {
    if (consumer) rmSync(consumer, { recursive: true, force: true });
  });

  it("finds the publishable packages and their entry points", () => {
    expect(packages.map((pkg) => pkg.name)).toEqual(
      expect.arrayContaining(["@credhooks/core", "@credhooks/express", "@credhooks/koa", "@credhooks/node", "@credhooks/fetch", "@credhooks/redis", "@credhooks/testing", "credhooks"]),
    );
    expect(packages.find((pkg) => pkg.name === "@credhooks/core")?.subpaths).toEqual(expect.arrayContaining([".", "./providers/proven", "./providers/sovrin"]));
  });

  it("require()s every entry point on this Node, with the same exports as import(), and runs a delivery", () => {
    const specs = packages.flatMap((pkg) => pkg.subpaths.map((subpath) => (subpath === "." ? pkg.name : pkg.name + subpath.slice(1))));
    const run = spawnSync(process.execPath, ["check.cjs", JSON.stringify(specs)], {
      cwd: consumer,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, NODE_OPTIONS: "", DELIVERY: readFileSync(join(ROOT, "test/fixtures/proven/credentials-done.json"), "utf8") },
    });
    // ERR_REQUIRE_ASYNC_MODULE here means an entry point (or a module it imports) uses top-level await.
    expect(run.stderr.replace(/^.*ExperimentalWarning.*\n?|^\(Use `node --trace-warnings.*\n?/gm, "")).toBe("");
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as {
      modules: Record<string, { required: string[]; imported: string[] }>;
      accepted: [number, unknown];
      rejected: [number, { error: { code: string } }];
      seen: Array<[string, string]>;
    };

    expect(Object.keys(result.modules).sort()).toEqual([...specs].sort());
    for (const [spec, { required, imported }] of Object.entries(result.modules)) {
      expect(required.length, spec).toBeGreaterThan(0);
      expect(required, spec).toEqual(imported);
    }
    expect(result.modules["@credhooks/core"]?.required).toEqual(expect.arrayContaining(["createWebhooks", "WebhookError", "LruDedupeStore", "verifyWebhook"]));
    expect(result.modules["@credhooks/express"]?.required).toEqual(expect.arrayContaining(["webhooks", "createExpressMiddleware"]));
    expect(result.modules["@credhooks/koa"]?.required).toEqual(expect.arrayContaining(["webhooks", "createKoaMiddleware"]));
    expect(result.modules["@credhooks/node"]?.required).toEqual(expect.arrayContaining(["webhooks", "createNodeHandler"]));
    expect(result.modules["@credhooks/fetch"]?.required).toEqual(expect.arrayContaining(["webhooks", "createFetchHandler"]));
    expect(result.modules["@credhooks/redis"]?.required).toEqual(expect.arrayContaining(["createRedisStore", "createRedisFailureSink"]));

    expect(result.accepted).toEqual([200, { received: true }]);
    expect(result.rejected[0]).toBe(401);
    expect(result.rejected[1].error.code).toBe("INVALID_CREDENTIALS");
    expect(result.seen).toEqual([["acme", "794657e2-187e-4642-b5f2-77dd27138a49"]]);
  });
});
