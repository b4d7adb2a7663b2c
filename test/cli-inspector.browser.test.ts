import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cli, eventually, listen, ROOT, type ListenProcess } from "./support/cli-process.js";

// The inspector page of `credhooks listen`, in a real headless Chromium (Debian's chromium,
// driven by playwright-core: no browser is downloaded). The CLI runs as users run it, in
// processes of its own. UPDATE_SCREENSHOTS=1 writes the README's screenshots
// (packages/cli/docs/*.png).

vi.setConfig({ testTimeout: 240_000, hookTimeout: 180_000 });

const CHROMIUM = findChromium();
const INSTALL_HINT = "Chromium not found (CHROMIUM_PATH, /usr/bin/chromium, or chromium on PATH) — apt-get install chromium (Debian/Ubuntu)";
const inCi = process.env["CI"] === "true" || process.env["CI"] === "1";
const skip = CHROMIUM === undefined && !inCi;
const SCREENSHOTS = process.env["UPDATE_SCREENSHOTS"] === "1";
const DOCS = join(ROOT, "packages/cli/docs");

describe.skipIf(skip)(skip ? `credhooks listen: the inspector page (skipped: ${INSTALL_HINT})` : "credhooks listen: the inspector page", () => {
  let listener: ListenProcess;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (CHROMIUM === undefined) throw new Error(`The inspector's browser test needs Chromium: ${INSTALL_HINT}.`);
    listener = await listen(["--json"]);
    profile = mkdtempSync(join(tmpdir(), "credhooks-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 860 },
      colorScheme: "light",
      timeout: 60_000,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
    });
    context.setDefaultTimeout(30_000);
    page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(`pageerror: ${error.message}`));
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (listener) expect(await listener.stop()).toBe(0);
  });

  const rows = () => page.getByTestId("delivery-row");

  it("loads with no console errors, connected live, its forms filled from the event catalogue", async () => {
    const response = await page.goto(`${listener.url}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'none'");
    await expect.poll(() => page.title()).toBe("credhooks inspector");
    await page.getByTestId("live").filter({ hasText: /^live$/ }).waitFor();
    expect(await page.locator("#no-deliveries").isVisible()).toBe(true);
    expect(await page.locator("#no-failures").isVisible()).toBe(true);
    expect(await page.locator("#try-send").textContent()).toBe(`credhooks send proven credentials:done --url ${listener.url}`);
    // Every provider, and the events of the one chosen.
    expect(await page.getByTestId("send-provider").locator("option").allTextContents()).toEqual(["proven", "lissi", "truvera", "crossmint", "sovrin", "acapy"]);
    await page.getByTestId("send-provider").selectOption("crossmint");
    expect(await page.getByTestId("send-event").locator("option").allTextContents()).toEqual(["credential.creation.succeeded", "credential.creation.failed"]);
    expect(consoleErrors).toEqual([]);
  });

  it("shows deliveries sent by credhooks send as they arrive: status, dedupe verdict, payload with secrets redacted", async () => {
    const proven = await cli(["send", "proven", "credentials:done", "--url", listener.url]);
    expect(proven.code, proven.stdout + proven.stderr).toBe(0);
    const row = rows().filter({ hasText: "credentials:done" });
    await row.waitFor();
    expect(await row.getAttribute("data-provider")).toBe("proven");
    expect(await row.getAttribute("data-status")).toBe("200");
    const cells = await row.locator("td").allTextContents();
    expect(cells.slice(1, 6)).toEqual(["proven", "acme", "credentials:done", "200", "new"]);
    expect(cells[6]).toMatch(/^\d+(\.\d)? ms$/);

    // Svix's redelivery of one message: the second is a duplicate; Crossmint's data.secret is hidden.
    for (let i = 0; i < 2; i++) {
      const run = await cli(["send", "crossmint", "credential.creation.succeeded", "--url", listener.url, "--id", "msg_inspector_1", "--tenant", "globex"]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
    }
    const crossmint = rows().filter({ hasText: "credential.creation.succeeded" });
    await expect.poll(() => crossmint.count()).toBe(2);
    // Newest first.
    expect(await crossmint.nth(0).locator("td").nth(5).textContent()).toBe("duplicate");
    expect(await crossmint.nth(1).locator("td").nth(5).textContent()).toBe("new");
    await crossmint.nth(1).click();
    const payload = page.getByTestId("payload");
    await payload.waitFor();
    const shown = (await payload.textContent()) ?? "";
    expect(JSON.parse(shown)).toMatchObject({ secret: "[redacted]" });
    expect(shown).toContain('"urn:uuid:40ada19e-3b4a-4de0-8d61-e0e7aedbfa05"');
    expect(await page.content()).not.toContain("crossmint-recoverable-key-6f1d2a9b8c7e4f30");
    expect(await page.getByTestId("delivery-detail").textContent()).toContain("msg_inspector_1");

    // A refused delivery: the code, no payload.
    const refused = await cli(["send", "lissi", "connections:delete", "--url", listener.url, "--secret", "not-the-dev-key"]);
    expect(refused.code).toBe(1);
    const rejected = rows().filter({ hasText: "401 INVALID_CREDENTIALS" });
    await rejected.waitFor();
    expect(await rejected.locator("td").nth(3).textContent()).toBe("/events/acme/lissi/connections/delete");
    expect(await page.content()).not.toContain("not-the-dev-key");
    expect(consoleErrors).toEqual([]);
  });

  it("shows attacker-controlled text as text: nothing in a payload becomes markup", async () => {
    const dir = mkdtempSync(join(tmpdir(), "credhooks-inspector-"));
    const file = join(dir, "payload.json");
    const hostile = `<img src=x onerror="window.__pwned=1"></script><script>window.__pwned=2</script>`;
    writeFileSync(file, JSON.stringify({ error: { message: hostile, code: 422 } }));
    const run = await cli(["send", "crossmint", "credential.creation.failed", "--url", listener.url, "--data", file, "--tenant", `<b>tenant</b>`]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const row = rows().filter({ hasText: "credential.creation.failed" });
    await row.waitFor();
    expect(await row.locator("td").nth(2).textContent()).toBe("<b>tenant</b>");
    await row.click();
    await expect.poll(async () => (await page.getByTestId("payload").textContent()) ?? "").toContain(hostile.replace(/"/g, '\\"'));
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator("main img, main b, main script").count()).toBe(0);
    // Close the detail again.
    await row.click();
    expect(consoleErrors).toEqual([]);
  });

  it("fails a Lissi delivery on request, keeps it in the failure sink, and replays it once failing is off", async () => {
    // Make the handler of connection:update throw.
    await page.getByTestId("fail-event").fill("connection:update");
    await page.getByTestId("fail-button").click();
    await page.getByTestId("failing-rule").filter({ hasText: "connection:update" }).waitFor();

    // Send from the page: Lissi never redelivers, so the failed delivery is kept.
    await page.getByTestId("send-provider").selectOption("lissi");
    await page.getByTestId("send-event").selectOption("connection:update");
    await page.getByTestId("send-tenant").fill("initech");
    await page.getByTestId("send-button").click();
    const failed = rows().filter({ hasText: "500 HANDLER_FAILED" });
    await failed.waitFor();
    expect((await failed.locator("td").allTextContents()).slice(1, 6)).toEqual(["lissi", "initech", "connection:update", "500 HANDLER_FAILED", "new"]);
    await page.getByTestId("notice").filter({ hasText: "the receiver answered 500" }).waitFor();

    const failure = page.getByTestId("failure-row");
    await failure.waitFor();
    expect((await failure.locator("td").allTextContents()).slice(1, 6)).toEqual(["lissi", "initech", "connection:update", "handler-failed", "1"]);
    expect(await page.locator("#failure-count").textContent()).toBe("1");
    await failure.click();
    await page.getByTestId("failure-payload").waitFor();
    expect(JSON.parse((await page.getByTestId("failure-payload").textContent()) ?? "")).toMatchObject({ id: "b25de7d9-3c8e-4b5a-9f0e-6a1d2c3b4e5f", state: "INVITED" });
    expect(await page.getByTestId("failure-detail").textContent()).toContain("is set to fail");

    if (SCREENSHOTS) {
      mkdirSync(DOCS, { recursive: true });
      await rows().filter({ hasText: "credentials:done" }).click();
      await page.getByTestId("payload").waitFor();
      await page.screenshot({ path: join(DOCS, "inspector.png"), fullPage: true });
      await rows().filter({ hasText: "credentials:done" }).click();
    }

    // Replayed while still failing: it fails again and stays, one more attempt counted.
    await failure.getByTestId("replay-button").click();
    await page.getByTestId("notice").filter({ hasText: "Replay of connection:update: failed" }).waitFor();
    await rows().filter({ hasText: "replay: failed" }).waitFor();
    await expect.poll(async () => (await page.getByTestId("failure-row").locator("td").nth(5).textContent()) ?? "").toBe("2");

    // Failing turned off: the replay runs the handler, which succeeds, and the entry goes.
    await page.getByTestId("failing-off").click();
    await page.getByTestId("failing-rule").waitFor({ state: "detached" });
    await page.getByTestId("failure-row").getByTestId("replay-button").click();
    await page.getByTestId("notice").filter({ hasText: "Replayed connection:update: handled; removed from the failure sink." }).waitFor();
    await page.locator("#no-failures").waitFor({ state: "visible" });
    expect(await page.getByTestId("failure-row").count()).toBe(0);
    const replayed = rows().filter({ hasText: "replay: handled" });
    await replayed.waitFor();
    expect((await replayed.locator("td").allTextContents()).slice(1, 4)).toEqual(["lissi", "initech", "connection:update"]);

    // The terminal told the same story.
    await listener.waitFor((lines) => lines.filter((line) => line.includes('"event":"connection:update"')).length >= 3);
    expect(listener.json().filter((line) => line["type"] === "rejected" && line["code"] === "HANDLER_FAILED")).toHaveLength(1);

    if (SCREENSHOTS) {
      await replayed.click();
      await page.getByTestId("payload").waitFor();
      await page.screenshot({ path: join(DOCS, "inspector-replayed.png"), fullPage: true });
    }
    expect(consoleErrors).toEqual([]);
  });

  it("sends a sample of any event from the page, and discards a kept entry", async () => {
    await page.getByTestId("fail-event").fill("*");
    await page.getByTestId("fail-button").click();
    await page.getByTestId("failing-rule").filter({ hasText: "every event" }).waitFor();
    await page.getByTestId("send-provider").selectOption("truvera");
    await page.getByTestId("send-event").selectOption("credential_revoke");
    await page.getByTestId("send-tenant").fill("acme");
    await page.getByTestId("send-button").click();
    const kept = page.getByTestId("failure-row").filter({ hasText: "credential_revoke" });
    await kept.waitFor();
    await page.getByTestId("failing-off").click();
    await page.getByTestId("failing-rule").waitFor({ state: "detached" });
    await kept.getByTestId("discard-button").click();
    await page.getByTestId("notice").filter({ hasText: "Discarded credential_revoke" }).waitFor();
    await page.locator("#no-failures").waitFor({ state: "visible" });

    // Every provider's sample, from the page, accepted.
    for (const [provider, event] of [["sovrin", "OpenIdCredentialIssued"], ["acapy", "issue_credential_v2_0.done"], ["proven", "presentation:verified"]] as const) {
      await page.getByTestId("send-provider").selectOption(provider);
      await page.getByTestId("send-event").selectOption(event);
      await page.getByTestId("send-button").click();
      await page.locator(`[data-testid="delivery-row"][data-event="${event}"][data-status="200"]`).waitFor();
    }
    expect(consoleErrors).toEqual([]);
  });

  it("keeps its API to its own page: another origin, another host name, a proxy or no token are refused", async () => {
    const html = await (await fetch(`${listener.url}/`)).text();
    const token = /name="credhooks-token" content="([0-9a-f]+)"/.exec(html)?.[1];
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    const port = Number(new URL(listener.url).port);
    const post = (headers: Record<string, string>, path = "/__credhooks/failing", body = JSON.stringify({ event: "*", failing: true })) => raw(port, "POST", path, { "content-type": "application/json", ...headers }, body);

    expect((await post({})).status).toBe(403);
    expect((await post({ "x-credhooks-token": "0".repeat(48) })).status).toBe(403);
    expect((await post({ "x-credhooks-token": token!, origin: "http://evil.example" })).status).toBe(403);
    expect((await post({ "x-credhooks-token": token!, "sec-fetch-site": "same-site" })).status).toBe(403);
    expect((await post({ "x-credhooks-token": token!, "content-type": "text/plain" })).status).toBe(415);
    // DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends its own host name.
    expect((await post({ "x-credhooks-token": token!, host: `evil.example:${port}` })).status).toBe(403);
    expect((await raw(port, "GET", "/", { host: `evil.example:${port}` })).status).toBe(404);
    // Through a tunnel or proxy.
    expect((await raw(port, "GET", "/__credhooks/", { "x-forwarded-for": "203.0.113.9" })).status).toBe(403);
    expect((await raw(port, "GET", "/__credhooks/stream")).status).toBe(403);
    expect((await raw(port, "GET", "/__credhooks/failures")).status).toBe(403);
    // Nothing was changed by any of them.
    const failing = await raw(port, "GET", "/__credhooks/failing", { "x-credhooks-token": token! });
    expect(JSON.parse(failing.body)).toEqual({ failing: [] });

    // A page of another origin in the same browser: its requests get no answer it may read,
    // and the one kind it may send without asking (a "simple" text/plain POST) is refused.
    const evil = await serveHtml(`<!doctype html><title>evil</title><script>
      window.results = [];
      const target = ${JSON.stringify(listener.url)};
      fetch(target + "/__credhooks/failing", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: JSON.stringify({ event: "*", failing: true }) })
        .then(() => results.push("simple: sent"), () => results.push("simple: error"));
      fetch(target + "/__credhooks/send", { method: "POST", headers: { "content-type": "application/json", "x-credhooks-token": "guess" }, body: JSON.stringify({ provider: "proven", event: "credentials:done" }) })
        .then(() => results.push("preflighted: answered"), () => results.push("preflighted: blocked"));
      fetch(target + "/__credhooks/deliveries").then(() => results.push("read: answered"), () => results.push("read: blocked"));
    </script>`);
    const other = await context.newPage();
    try {
      await other.goto(evil.url);
      await expect.poll(() => other.evaluate(() => (globalThis as unknown as { results: string[] }).results.length)).toBe(3);
      expect((await other.evaluate(() => (globalThis as unknown as { results: string[] }).results)).sort()).toEqual(["preflighted: blocked", "read: blocked", "simple: sent"]);
    } finally {
      await other.close();
      await evil.close();
    }
    const after = await raw(port, "GET", "/__credhooks/failing", { "x-credhooks-token": token! });
    expect(JSON.parse(after.body)).toEqual({ failing: [] });
    const deliveries = JSON.parse((await raw(port, "GET", "/__credhooks/deliveries", { "x-credhooks-token": token! })).body) as { deliveries: Array<{ event: string | null; tenant: string | null }> };
    expect(deliveries.deliveries.filter((d) => d.event === "credentials:done")).toHaveLength(1);
    expect(consoleErrors).toEqual([]);
  });

  it("reconnects its live stream after a reload, with the deliveries so far", async () => {
    const before = await rows().count();
    await page.reload();
    await page.getByTestId("live").filter({ hasText: /^live$/ }).waitFor();
    await eventually(async () => ((await rows().count()) === before ? true : undefined), "the deliveries after a reload");
    const run = await cli(["send", "lissi", "proofs:delete", "--url", listener.url]);
    expect(run.code).toBe(0);
    await rows().filter({ hasText: "proofs:delete" }).waitFor();
    expect(consoleErrors).toEqual([]);
  });
});

/** One HTTP request with any headers (Host included), the status and body. */
function raw(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once("error", reject);
    req.end(body);
  });
}

/** A page of another origin (another port on loopback). */
async function serveHtml(html: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url === "/favicon.ico") return void res.writeHead(204).end();
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function findChromium(): string | undefined {
  const candidates = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", ...["chromium", "chromium-browser", "google-chrome"].flatMap((name) => (process.env["PATH"] ?? "").split(delimiter).map((dir) => join(dir, name)))];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
