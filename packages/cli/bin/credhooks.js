#!/usr/bin/env node
// The committed entry point of the `credhooks` command. pnpm links a package's bin when it
// installs the workspace, before anything is built, so this file is plain JavaScript and
// picks what to run:
// - an installed package (npx credhooks): the compiled dist/main.js;
// - a credhooks checkout (tsconfig.build.json is next to this folder and is never
//   published): src/main.ts through tsx, with the "source" export condition so the
//   workspace packages resolve to their TypeScript sources too — never a stale build.
//   CREDHOOKS_CLI_DIST=1 runs dist/ instead.
import { existsSync } from "node:fs";
import { register } from "node:module";

const root = new URL("../", import.meta.url);
const checkout = existsSync(new URL("tsconfig.build.json", root)) && existsSync(new URL("src/main.ts", root));

if (checkout && process.env.CREDHOOKS_CLI_DIST !== "1") {
  let tsx;
  try {
    tsx = await import("tsx/esm/api");
  } catch {
    process.stderr.write("credhooks: running from a source checkout needs tsx (a dev dependency of the repository): run pnpm install, or build with pnpm build and set CREDHOOKS_CLI_DIST=1.\n");
    process.exit(1);
  }
  // Adds the "source" condition to every resolution, as `node --conditions=source` would.
  register(
    "data:text/javascript," +
      encodeURIComponent("export async function resolve(specifier, context, next) { return next(specifier, { ...context, conditions: [...new Set([...context.conditions, 'source'])] }); }"),
  );
  tsx.register();
  await import(new URL("src/main.ts", root).href);
} else if (existsSync(new URL("dist/main.js", root))) {
  await import(new URL("dist/main.js", root).href);
} else {
  process.stderr.write("credhooks: dist/main.js is missing: build the package (pnpm build) before running it.\n");
  process.exit(1);
}
