import { readFileSync, readdirSync, existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT, entryPointsOf, exportDocs, type EntryPoint } from "./support/public-exports.js";

// Docs that compile: every ```ts block of the READMEs (the root one, each package's, each
// provider's) is type-checked under `strict` against the packages' sources, each block a module
// of its own. A block may use, without importing them:
// - the helpers declared in test/support/readme-prelude.d.ts (`app`, `hooks`, `lookupKey`, …:
//   what the text around a snippet already introduced);
// - in a package's (or provider's) README, the exports of that package (its API reference
//   shows them bare), then of @credhooks/core and the providers.
// A block that stops compiling fails here with its README and line.

interface Block {
  readme: string;
  line: number;
  code: string;
}

const PRELUDE = [join(ROOT, "test/support/readme-prelude.d.ts"), join(ROOT, "test/support/readme-ambient.d.ts")];

/**
 * What a README's text set up for its snippets where it differs from the prelude's defaults:
 * its section's receiver, app or store. Declared for a block unless it declares the name itself.
 */
const CONTEXT: Record<string, Record<string, string>> = {
  "packages/express/README.md": { app: `import("express").Express` },
  "packages/koa/README.md": { app: `import("koa")`, hooks: `import("@credhooks/koa").KoaWebhooks<import("@credhooks/core").EventMapOf<import("@credhooks/core/providers/proven").ProvenProvider>>` },
  "packages/node/README.md": { hooks: `import("@credhooks/node").NodeWebhooks<import("@credhooks/core").EventMapOf<import("@credhooks/core/providers/proven").ProvenProvider>>` },
  "packages/fetch/README.md": {
    app: `import("hono").Hono`,
    request: "Request",
    hooks: `import("@credhooks/fetch").FetchWebhooks<import("@credhooks/core").EventMapOf<import("@credhooks/core/providers/proven").ProvenProvider>>`,
  },
  "packages/sqlite/README.md": { store: `import("@credhooks/sqlite").SqliteStore` },
  "packages/testing/README.md": { app: `import("express").Express`, request: `typeof import("supertest")` },
  ...Object.fromEntries(
    ["acapy", "crossmint", "lissi", "proven", "sovrin", "truvera"].map((id) => {
      const type = `import("@credhooks/core/providers/${id}").${id === "acapy" ? "Acapy" : id[0]!.toUpperCase() + id.slice(1)}Provider`;
      return [`packages/core/src/providers/${id}/README.md`, { provider: type, hooks: `import("@credhooks/express").ExpressWebhooks<import("@credhooks/core").EventMapOf<${type}>>` }];
    }),
  ),
};

/** Modules of "your app" that snippets import by a relative path, as seen from the blocks' folder. */
const APP_MODULES: Record<string, string> = {
  [join(ROOT, "packages/testing/src/my-store.ts")]: `import type { DedupeStore } from "@credhooks/core";
export declare const MyStore: { open(options: { path: string; now: () => number }): Promise<DedupeStore & { close(): Promise<void> }> };
`,
};
const readmes = [
  "README.md",
  ...readdirSync(join(ROOT, "packages"))
    .map((dir) => `packages/${dir}/README.md`)
    .filter((file) => existsSync(join(ROOT, file))),
  ...readdirSync(join(ROOT, "packages/core/src/providers"))
    .map((dir) => `packages/core/src/providers/${dir}/README.md`)
    .filter((file) => existsSync(join(ROOT, file))),
].sort();

/** The ```ts blocks of a Markdown file (also indented ones, inside lists). */
function blocksOf(readme: string): Block[] {
  const lines = readFileSync(join(ROOT, readme), "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```ts\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(Math.min(indent, lines[j]!.search(/\S|$/))));
    blocks.push({ readme, line: i + 2, code: body.join("\n") });
    i = j;
  }
  return blocks;
}

/** Where a README's bare names come from, in order: its own package (or provider), then the core and the providers. */
function sourcesOf(readme: string, entries: EntryPoint[]): string[] {
  const specifier = (entry: EntryPoint) => `${entry.packageName}${entry.subpath === "." ? "" : entry.subpath.slice(1)}`;
  const core = entries.filter((entry) => entry.packageDir === "core").map(specifier);
  const provider = /^packages\/core\/src\/providers\/([^/]+)\//.exec(readme)?.[1];
  const own = provider ? [`@credhooks/core/providers/${provider}`] : /^packages\/([^/]+)\//.exec(readme) ? entries.filter((entry) => `packages/${entry.packageDir}/README.md` === readme && entry.subpath === ".").map(specifier) : [];
  return readme === "README.md" ? [] : [...new Set([...own, "@credhooks/core", ...core])];
}

/** Names a block declares or imports itself (those are never imported for it). */
function declaredIn(code: string): Set<string> {
  const names = new Set<string>();
  for (const match of code.matchAll(/\b(?:const|let|var|function|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/g)) names.add(match[1]!);
  for (const match of code.matchAll(/^\s*import\s+(?:type\s+)?([^;]*?)\s+from\s/gm)) {
    for (const name of match[1]!.replace(/[{}*]/g, " ").split(/[\s,]+/)) if (/^[A-Za-z_$][\w$]*$/.test(name) && name !== "as" && name !== "type") names.add(name);
  }
  return names;
}

describe("TypeScript blocks of the READMEs", () => {
  const blocks = readmes.flatMap(blocksOf);
  // Every package's entry points, the ones added after DOCUMENTED_PACKAGES too.
  const entries = readdirSync(join(ROOT, "packages"))
    .filter((dir) => existsSync(join(ROOT, "packages", dir, "package.json")))
    .flatMap(entryPointsOf);
  const exported = new Map<string, Set<string>>();
  for (const doc of exportDocs(entries)) {
    if (!exported.has(doc.entry)) exported.set(doc.entry, new Set());
    exported.get(doc.entry)!.add(doc.name);
  }

  // One virtual module per block (nothing is written to disk), so packages resolve from
  // node_modules exactly as in an app of this workspace.
  const files = new Map<string, { block: Block; offset: number; text: string }>();
  blocks.forEach((block, i) => {
    const own = declaredIn(block.code);
    const used = new Set(block.code.match(/[A-Za-z_$][\w$]*/g) ?? []);
    const imports: string[] = [];
    const taken = new Set(own);
    for (const source of sourcesOf(block.readme, entries)) {
      const names = [...(exported.get(source) ?? [])].filter((name) => used.has(name) && !taken.has(name));
      names.forEach((name) => taken.add(name));
      if (names.length > 0) imports.push(`import { ${names.join(", ")} } from "${source}";`);
    }
    for (const [name, type] of Object.entries(CONTEXT[block.readme] ?? {})) if (used.has(name) && !own.has(name)) imports.push(`declare const ${name}: ${type};`);
    const header = imports.join(" ");
    // Beside its README (the root one's in test/): imports resolve as from that package, its own dependencies included.
    const folder = block.readme === "README.md" ? join(ROOT, "test") : join(ROOT, dirname(block.readme));
    const file = join(folder, ".readme-blocks", `${block.readme.replace(/[/.]/g, "_")}_${String(i).padStart(3, "0")}.ts`);
    files.set(file, { block, offset: 1, text: `${header}\n${block.code}\nexport {};\n` });
  });

  it("finds the blocks of every README", () => {
    expect(readmes).toEqual(expect.arrayContaining(["README.md", "packages/core/README.md", "packages/koa/README.md", "packages/core/src/providers/lissi/README.md"]));
    expect(blocks.length).toBeGreaterThan(150);
  });

  it("type-checks every block under strict", () => {
    const options: ts.CompilerOptions = {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ["lib.es2023.d.ts"],
      types: ["node"],
      typeRoots: [join(ROOT, "node_modules/@types")],
      customConditions: ["source"],
      skipLibCheck: true,
      noEmit: true,
    };
    const host = ts.createCompilerHost(options, true);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    const virtual = (path: string): string | undefined => files.get(path)?.text ?? APP_MODULES[path];
    host.readFile = (path) => virtual(path) ?? readFile(path);
    host.fileExists = (path) => virtual(path) !== undefined || fileExists(path);
    const directoryExists = host.directoryExists?.bind(host);
    host.directoryExists = (path) => Object.keys(APP_MODULES).some((file) => file.startsWith(`${path}/`)) || (directoryExists?.(path) ?? true);
    host.getSourceFile = (path, language, onError, create) => {
      const text = virtual(path);
      return text !== undefined ? ts.createSourceFile(path, text, language, true, ts.ScriptKind.TS) : getSourceFile(path, language, onError, create);
    };
    const program = ts.createProgram([...PRELUDE, ...files.keys()], options, host);
    const errors: string[] = [];
    for (const [path, { block, offset }] of files) {
      const source = program.getSourceFile(path)!;
      for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
        const { line } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
        errors.push(`${block.readme}:${block.line + line - offset}: TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n  ")}`);
      }
    }
    for (const file of PRELUDE) {
      for (const diagnostic of program.getSemanticDiagnostics(program.getSourceFile(file))) errors.push(`${relative(ROOT, file)}: TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, " ")}`);
    }
    expect(errors).toEqual([]);
  }, 240_000);
});
