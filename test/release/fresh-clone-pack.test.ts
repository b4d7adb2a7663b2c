import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/public-exports.js";

// A fresh clone has no dist/: `pnpm pack` must build it (prepack), or the tarball installs
// but fails with "Cannot find module '…/@credhooks/core/dist/index.js'". The packages are
// copied without dist/ beside the workspace's configuration (node_modules linked, not
// installed again), then packed exactly as `pnpm pack:tarballs` packs them. Two packages: the
// core, and the CLI (a bin, and siblings rewritten from workspace:^ to ^<version>).

const scratch = mkdtempSync(join(tmpdir(), "credhooks-fresh-clone-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function freshCopy(): string {
  const clone = join(scratch, "clone");
  mkdirSync(join(clone, "packages"), { recursive: true });
  for (const file of ["package.json", "pnpm-workspace.yaml", "tsconfig.base.json"]) cpSync(join(ROOT, file), join(clone, file));
  symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"));
  for (const dir of readdirSync(join(ROOT, "packages"))) {
    if (!existsSync(join(ROOT, "packages", dir, "package.json"))) continue;
    const into = join(clone, "packages", dir);
    mkdirSync(into);
    for (const entry of ["package.json", "tsconfig.build.json", "LICENSE", "README.md", "src", "bin", "node_modules"]) {
      // node_modules holds pnpm's relative symlinks (../../../core), which stay valid in the copy.
      if (existsSync(join(ROOT, "packages", dir, entry))) cpSync(join(ROOT, "packages", dir, entry), join(into, entry), { recursive: true, verbatimSymlinks: true });
    }
    expect(existsSync(join(into, "dist")), dir).toBe(false);
  }
  return clone;
}

describe("a fresh clone (no dist/)", () => {
  it("packs complete packages: prepack builds dist/, siblings become caret ranges", () => {
    const clone = freshCopy();
    const out = join(scratch, "tarballs");
    for (const dir of ["core", "cli"]) {
      const packed = spawnSync("pnpm", ["pack", "--out", join(out, "%s.tgz")], { cwd: join(clone, "packages", dir), encoding: "utf8", timeout: 170_000 });
      expect(packed.status, packed.stdout + packed.stderr).toBe(0);
    }
    const list = (tarball: string) => spawnSync("tar", ["-tzf", join(out, tarball)], { encoding: "utf8" }).stdout.split("\n").map((file) => file.replace(/^package\//, ""));
    expect(list("credhooks-core.tgz")).toEqual(expect.arrayContaining(["dist/index.js", "dist/index.d.ts", "dist/providers/proven/index.js", "dist/providers/lissi/index.d.ts"]));
    expect(list("credhooks.tgz")).toEqual(expect.arrayContaining(["bin/credhooks.js", "dist/index.js", "dist/main.js"]));
    const manifest = JSON.parse(spawnSync("tar", ["-xzOf", join(out, "credhooks.tgz"), "package/package.json"], { encoding: "utf8" }).stdout) as { version: string; dependencies: Record<string, string> };
    for (const sibling of ["@credhooks/core", "@credhooks/node", "@credhooks/testing"]) expect(manifest.dependencies[sibling], sibling).toBe(`^${manifest.version}`);
  }, 360_000);
});
