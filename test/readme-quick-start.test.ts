import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { RequestListener } from "node:http";
import { join } from "node:path";
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import { DEV_CREDENTIALS, PROVIDER_IDS, buildDelivery, eventsOf } from "@credhooks/testing";
import { ROOT } from "./support/public-exports.js";

// The README's Express quick start, run as written: its first code block is copied into a
// module (only `app.listen(3000)` becomes an export, and the user's own `lookupKey` and
// environment are given), then every sample delivery of all six providers is sent to that app.
// The module is written inside examples/express, whose dependencies are what the README's
// Install section has the user install (express, @credhooks/core, @credhooks/express).

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Quick start: Express"));
const block = /```ts\n([\s\S]*?)\n```/.exec(section)![1]!;

describe("the README's Express quick start", () => {
  const dir = mkdtempSync(join(ROOT, "examples", "express", ".quick-start-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("mounts every provider with one app.use and receives all six", async () => {
    expect(block).toContain('app.use("/events/:tenantId", hooks)');
    expect(block.match(/app\.use\(/g)).toHaveLength(1);
    for (const id of PROVIDER_IDS) expect(block).toContain(`${id}: ${id}(`);
    expect(block).toContain("app.listen(3000);");
    const module = join(dir, "app.ts");
    writeFileSync(
      module,
      [
        "const lookupKey = (_tenantId: string | undefined): string | undefined => process.env.PROVEN_API_KEY;",
        block.replace("app.listen(3000);", "export { app, hooks };"),
      ].join("\n"),
    );
    Object.assign(process.env, {
      PROVEN_API_KEY: DEV_CREDENTIALS.PROVEN_API_KEY,
      LISSI_API_KEY: DEV_CREDENTIALS.LISSI_API_KEY,
      SOVRIN_JWKS_URL: DEV_CREDENTIALS.SOVRIN_JWKS, // a JWKS given inline, as the provider accepts
      TRUVERA_TOKEN: DEV_CREDENTIALS.TRUVERA_TOKEN,
      CROSSMINT_SECRET: DEV_CREDENTIALS.CROSSMINT_SECRET,
      ACAPY_API_KEY: DEV_CREDENTIALS.ACAPY_API_KEY,
    });
    const { app, hooks } = (await import(module)) as { app: RequestListener; hooks: { onAny(fn: (event: { provider: string }) => void): unknown; close(): Promise<unknown> } };
    const seen = new Set<string>();
    hooks.onAny((event) => void seen.add(event.provider));
    for (const provider of PROVIDER_IDS) {
      for (const event of eventsOf(provider)) {
        const d = buildDelivery(provider, event);
        const req = request(app)[d.method === "DELETE" ? "delete" : "post"](d.path).set(d.headers);
        const res = d.body === "" ? await req : await req.send(d.body);
        expect(res.status, `${provider} ${event}: ${res.text}`).toBeLessThan(300);
      }
    }
    expect([...seen].sort()).toEqual([...PROVIDER_IDS].sort());
    await hooks.close();
  });
});
