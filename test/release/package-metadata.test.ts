import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { publishablePackages } from "../support/built-packages.js";
import { ROOT } from "../support/public-exports.js";

// What the registry and users see of each package: its manifest, its licence, and how
// changesets versions it.

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  type?: string;
  sideEffects?: boolean;
  engines?: Record<string, string>;
  files?: string[];
  exports?: Record<string, string | Record<string, string>>;
  publishConfig?: Record<string, string>;
  repository?: { type: string; url: string; directory: string };
  keywords?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
}

const read = (path: string): Manifest => JSON.parse(readFileSync(path, "utf8")) as Manifest;
const packages = publishablePackages();
const workspaceManifests = ["packages", "examples"].flatMap((folder) =>
  readdirSync(join(ROOT, folder))
    .map((dir) => join(ROOT, folder, dir, "package.json"))
    .filter((path) => existsSync(path))
    .map(read),
);

describe.each(packages)("$name", (pkg) => {
  const manifest = read(join(pkg.path, "package.json"));

  it("is a public, MIT-licensed ES module package for Node ≥ 20.19", () => {
    expect(manifest.license).toBe("MIT");
    expect(readFileSync(join(pkg.path, "LICENSE"), "utf8")).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} credhooks contributors\n/);
    expect(manifest.publishConfig).toEqual({ access: "public" });
    expect(manifest.engines).toEqual({ node: ">=20.19" });
    expect(manifest.type).toBe("module");
    expect(manifest.sideEffects).toBe(false);
  });

  it("says where it comes from and what it is about", () => {
    expect(manifest.repository).toEqual({ type: "git", url: expect.stringMatching(/^git\+https:\/\/.+\.git$/), directory: `packages/${pkg.dir}` });
    expect(manifest.keywords).toEqual(expect.arrayContaining(["webhooks", "verifiable-credentials"]));
  });

  it("builds when packed (prepack), so `pnpm pack` of a fresh clone packs dist/", () => {
    expect(manifest.scripts?.["build"]).toBe("tsc -p tsconfig.build.json");
    expect(manifest.scripts?.["prepack"]).toBe("pnpm run build");
  });

  it("depends on its siblings by a caret range (workspace:^ is packed as ^<version>), never a pinned or hand-written version", () => {
    const siblings = Object.entries(manifest.dependencies ?? {}).filter(([name]) => packages.some((other) => other.name === name));
    for (const [name, range] of siblings) expect(range, name).toBe("workspace:^");
  });

  it("publishes its build, types and changelog, not its tests", () => {
    expect(manifest.files).toEqual(expect.arrayContaining(["dist", "CHANGELOG.md", "!src/**/*.test.ts", "!src/**/*.test-d.ts"]));
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      if (subpath === "./package.json") continue;
      // `types` before `default`: TypeScript takes the first condition that matches.
      expect(Object.keys(target as Record<string, string>).filter((condition) => condition !== "source"), subpath).toEqual(["types", "default"]);
    }
    expect(manifest.exports?.["./package.json"]).toBe("./package.json");
  });
});

describe("peer ranges", () => {
  it("cover the current majors that work, each tested: express 4 and 5, koa 2 and 3, ioredis 5 and 6", () => {
    const peers = (dir: string) => read(join(ROOT, "packages", dir, "package.json")).peerDependencies ?? {};
    expect(peers("express")["express"]).toBe("^4.17.0 || ^5.0.0"); // test/mounting.test.ts, the conformance suites (express4, express5)
    expect(peers("koa")["koa"]).toBe("^2.13.0 || ^3.0.0"); // koa2, koa3
    expect(peers("redis")["ioredis"]).toBe("^5.4.0 || ^6.0.0"); // test/redis-*.test.ts on ioredis 5, test/redis-ioredis6.test.ts on 6
    const root = read(join(ROOT, "package.json")) as Manifest & { devDependencies: Record<string, string> };
    expect(root.devDependencies).toMatchObject({ express4: expect.stringMatching(/^npm:express@\^4/), express5: expect.stringMatching(/^npm:express@\^5/), koa2: expect.stringMatching(/^npm:koa@\^2/), koa3: expect.stringMatching(/^npm:koa@\^3/), ioredis: expect.stringMatching(/^\^5/), ioredis6: expect.stringMatching(/^npm:ioredis@\^6/) });
  });
});

describe("changesets", () => {
  const config = JSON.parse(readFileSync(join(ROOT, ".changeset/config.json"), "utf8")) as {
    access: string;
    baseBranch: string;
    fixed: string[][];
    ignore: string[];
  };

  it("publishes with public access from main, every publishable package versioned together", () => {
    expect(config.access).toBe("public");
    expect(config.baseBranch).toBe("main");
    expect([...(config.fixed[0] ?? [])].sort()).toEqual(packages.map((pkg) => pkg.name).sort());
  });

  it("ignores exactly the private workspace packages (the example apps)", () => {
    expect([...config.ignore].sort()).toEqual(workspaceManifests.filter((manifest) => manifest.private).map((manifest) => manifest.name).sort());
    expect(config.ignore.length).toBeGreaterThan(0);
  });

  it("has a root LICENSE and the changeset and docs scripts", () => {
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toContain("credhooks contributors");
    const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(root.scripts["changeset"]).toBe("changeset");
    expect(root.scripts["docs"]).toBe("typedoc");
  });
});
