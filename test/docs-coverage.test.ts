import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCUMENTED_PACKAGES, ROOT, entryPointsOf, exportDocs, type ExportDoc } from "./support/public-exports.js";

// Every public export (every name reachable from a package's `exports` map) carries a TSDoc
// comment with an `@example`: the API reference (`pnpm run docs`) and editors show them.

const PENDING = new Set<string>([]);

const entries = DOCUMENTED_PACKAGES.flatMap(entryPointsOf);
const label = (doc: ExportDoc): string => `${doc.entry} ${doc.name}`;

describe("docs of public exports", () => {
  // One TypeScript program over every entry point: built once, a few seconds.
  const docs = exportDocs(entries);

  it("finds the entry points and their exports", () => {
    expect(entries.map((entry) => `${entry.packageName}${entry.subpath.slice(1)}`)).toEqual(
      expect.arrayContaining(["@credhooks/core", "@credhooks/core/providers/proven", "@credhooks/express", "@credhooks/koa", "@credhooks/node", "@credhooks/fetch", "@credhooks/redis"]),
    );
    expect(docs.map(label)).toEqual(expect.arrayContaining(["@credhooks/core createWebhooks", "@credhooks/express webhooks", "@credhooks/redis createRedisStore"]));
    expect(docs.length).toBeGreaterThan(200);
  });

  it("documents every export", () => {
    expect(docs.filter((doc) => !doc.documented).map(label)).toEqual([]);
  });

  it("gives every export an @example", () => {
    expect(docs.filter((doc) => !doc.hasExample && !PENDING.has(label(doc))).map(label)).toEqual([]);
  });

  // Each package README has one section per export of its main entry point, headed with the
  // name in backticks (providers' subpath exports are documented in their own READMEs).
  it.each(DOCUMENTED_PACKAGES)("packages/%s/README.md has a section per export", (packageDir) => {
    const readme = readFileSync(join(ROOT, "packages", packageDir, "README.md"), "utf8");
    const headings = new Set(
      readme
        .split("\n")
        .filter((line) => /^#{2,4} /.test(line))
        .flatMap((line) => [...line.matchAll(/`([A-Za-z_$][\w$]*)[^`]*`/g)].map((match) => match[1])),
    );
    const entry = entries.find((candidate) => candidate.packageDir === packageDir && candidate.subpath === ".");
    const names = docs.filter((doc) => doc.entry === entry?.packageName).map((doc) => doc.name);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !headings.has(name))).toEqual([]);
  });
});
