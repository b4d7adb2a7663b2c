import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The packages whose public exports are documented with TSDoc (the test kit and CLI document theirs in their own package). */
export const DOCUMENTED_PACKAGES = ["core", "express", "koa", "node", "fetch", "redis", "sqlite", "postgres", "testing", "cli"] as const;

/** One entry point of a package: the `source` file behind an `exports` subpath. */
export interface EntryPoint {
  packageDir: string;
  packageName: string;
  subpath: string;
  file: string;
}

/** One exported name and whether its declarations carry a doc comment and an `@example`. */
export interface ExportDoc {
  entry: string;
  name: string;
  documented: boolean;
  hasExample: boolean;
}

interface PackageJson {
  name: string;
  exports: Record<string, { source?: string }>;
}

/**
 * The entry points of a package, from the `source` condition of its `exports` map.
 *
 * @example
 * ```ts
 * entryPointsOf("core"); // [{ subpath: ".", file: ".../packages/core/src/index.ts" }, { subpath: "./providers/proven", … }, …]
 * ```
 */
export function entryPointsOf(packageDir: string): EntryPoint[] {
  const dir = join(ROOT, "packages", packageDir);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
  return Object.entries(manifest.exports).flatMap(([subpath, conditions]) =>
    conditions.source ? [{ packageDir, packageName: manifest.name, subpath, file: join(dir, conditions.source) }] : [],
  );
}

/**
 * Lists every name exported by the given entry points, with what its TSDoc holds. Re-exports
 * are followed to the declaration; a name counts as documented when any of its declarations
 * (an overload, a merged interface) has a doc comment, and as exemplified when one has `@example`.
 *
 * @example
 * ```ts
 * const missing = exportDocs(entryPointsOf("express")).filter((doc) => !doc.hasExample);
 * ```
 */
export function exportDocs(entries: EntryPoint[]): ExportDoc[] {
  const base = ts.readConfigFile(join(ROOT, "tsconfig.base.json"), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(base.config, ts.sys, ROOT);
  const program = ts.createProgram(
    entries.map((entry) => entry.file),
    { ...options, noEmit: true },
  );
  const checker = program.getTypeChecker();
  const docs: ExportDoc[] = [];
  for (const entry of entries) {
    const source = program.getSourceFile(entry.file);
    if (!source) throw new Error(`${entry.file} is not part of the program`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`${entry.file} is not a module`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declarations = symbol.getDeclarations() ?? [];
      const comments = declarations.map((declaration) => ts.getJSDocCommentsAndTags(declaration).filter(ts.isJSDoc));
      docs.push({
        entry: `${entry.packageName}${entry.subpath === "." ? "" : entry.subpath.slice(1)}`,
        name: exported.getName(),
        documented: comments.some((list) => list.some((doc) => doc.comment !== undefined && doc.comment !== "")),
        hasExample: comments.some((list) => list.some((doc) => (doc.tags ?? []).some((tag) => tag.tagName.text === "example"))),
      });
    }
  }
  return docs;
}
