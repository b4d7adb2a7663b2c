import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DedupeStore } from "@credhooks/core";
import { createRedisStore, type RedisDedupeStore } from "@credhooks/redis";
import { createSqliteStore } from "@credhooks/sqlite";
import { LISSI_SAMPLES, lissiDelivery, sendDelivery } from "@credhooks/testing";
import { describeWithRedis, startRedisServer, type RedisServer } from "./support/redis-server.js";
import { startServerProcess, until, type ServerProcess } from "./support/server-process.js";

// The example servers with a durable store (README, "Example servers": CREDHOOKS_STORE,
// EXAMPLE_HANDLER_DELAY_MS), checked from outside on real processes: a Lissi event (Lissi
// never redelivers) whose handler is waiting when the process is killed or stopped is run
// once by the next start on the same store, and SIGTERM ends the server with exit code 0.

type Framework = "express" | "koa" | "hono";
const entry = (framework: Framework) => `examples/${framework}/src/server.ts`;
const LEASE_MS = "1000";

function startExampleServer(framework: Framework, env: Record<string, string>): ServerProcess {
  return startServerProcess(entry(framework), { NODE_ENV: "production", PORT: "0", EXAMPLE_LEASE_MS: LEASE_MS, ...env });
}

let serial = 0;
/** A Lissi delivery of its own record (a new event each call). */
function lissiEvent() {
  return lissiDelivery("connection:update", { ...LISSI_SAMPLES["connection:update"], id: `example-store-${process.pid}-${++serial}` });
}

/** What the sender saw: the status, or the error when the connection died. */
const attempt = (delivery: ReturnType<typeof lissiEvent>, url: string) =>
  sendDelivery(delivery, url).then(
    async (res) => ({ status: res.status, body: await res.text() }),
    (error: Error) => ({ status: 0, body: String(error.cause ?? error) }),
  );

const linesFor = (servers: ServerProcess[], recordId: string) => servers.flatMap((s) => s.lines).filter((line) => typeof line["id"] === "string" && (line["id"] as string).startsWith(`/connections/${recordId}/`));

/**
 * kill -9 while the Lissi handler waits, start the same example again on the same store:
 * the event is recovered from the inbox and its line appears exactly once.
 */
async function killAndRestart(framework: Framework, env: Record<string, string>, inbox: Pick<DedupeStore, "inboxSize">): Promise<string> {
  const servers: ServerProcess[] = [];
  try {
    const first = startExampleServer(framework, { ...env, EXAMPLE_HANDLER_DELAY_MS: "4000" });
    servers.push(first);
    const delivery = lissiEvent();
    const recordId = delivery.path.split("/")[5]!;
    const sent = attempt(delivery, await first.listening());
    await until(async () => (await inbox.inboxSize!("lissi")) === 1, 15_000, "in the inbox");
    const killedAt = Date.now();
    expect(await first.kill("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    expect((await sent).status).toBe(0); // the connection died: Lissi saw a failure and will not resend
    expect(first.lines).toEqual([]);

    const second = startExampleServer(framework, { ...env, EXAMPLE_HANDLER_DELAY_MS: "200" });
    servers.push(second);
    const url = await second.listening();
    await until(() => linesFor(servers, recordId).length > 0, 20_000, "recovered after the restart", () => second.stderr.join("\n"));
    const recoveredAfter = Date.now() - killedAt;
    await until(async () => (await inbox.inboxSize!("lissi")) === 0, 10_000, "out of the inbox");
    // The same delivery once more: a duplicate, nothing runs again.
    const again = await attempt(delivery, url);
    expect(again).toEqual({ status: 200, body: '{"received":true,"duplicate":true}' });
    expect(linesFor(servers, recordId)).toEqual([{ provider: "lissi", tenant: "acme", event: "connection:update", id: expect.stringContaining(recordId) as unknown }]);
    expect(second.lines).toHaveLength(1);
    expect(second.stderr.join("\n")).toContain("recovering an inbox event");
    expect(servers.flatMap((s) => s.strayLines)).toEqual([]);
    expect(await second.kill("SIGTERM")).toEqual({ code: 0, signal: null });
    return `recovered ${recoveredAfter} ms after the kill (lease ${LEASE_MS} ms)`;
  } finally {
    await Promise.all(servers.map((s) => s.kill("SIGKILL")));
  }
}

describeWithRedis("example servers with CREDHOOKS_STORE=redis://…", () => {
  let redis: RedisServer;
  let inbox: RedisDedupeStore;
  beforeAll(async () => {
    redis = await startRedisServer();
    inbox = createRedisStore({ url: `${redis.url}/1` });
    await inbox.ready();
  });
  afterAll(async () => {
    await inbox?.close();
    await redis?.stop();
  });

  it("kill -9 while a Lissi handler waits, start again on the same Redis: the event's line appears exactly once", async () => {
    const figures = await killAndRestart("koa", { CREDHOOKS_STORE: `${redis.url}/1` }, inbox);
    console.info(`[example store] koa on Redis, killed mid-handler: ${figures}`);
  }, 90_000);
});

describe("example servers with CREDHOOKS_STORE=<file> (SQLite)", () => {
  const dir = mkdtempSync(join(tmpdir(), "credhooks-example-store-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("kill -9 while a Lissi handler waits, start again on the same file: the event's line appears exactly once", async () => {
    const path = join(dir, "kill.db");
    const inbox = createSqliteStore({ path });
    try {
      const figures = await killAndRestart("express", { CREDHOOKS_STORE: path }, inbox);
      console.info(`[example store] express on SQLite, killed mid-handler: ${figures}`);
    } finally {
      inbox.close();
    }
  }, 90_000);

  describe.each(["express", "koa", "hono"] as const)("examples/%s", (framework) => {
    it("SIGTERM while a Lissi handler waits: 503 SHUTTING_DOWN for it, exit 0 within 10 s; the next start runs it once", async () => {
      const path = join(dir, `sigterm-${framework}.db`);
      const inbox = createSqliteStore({ path });
      const servers: ServerProcess[] = [];
      try {
        const first = startExampleServer(framework, { CREDHOOKS_STORE: path, EXAMPLE_HANDLER_DELAY_MS: "60000" });
        servers.push(first);
        const delivery = lissiEvent();
        const recordId = delivery.path.split("/")[5]!;
        const sent = attempt(delivery, await first.listening());
        await until(() => inbox.inboxSize("lissi") === 1, 15_000, "in the inbox");
        const stoppingAt = Date.now();
        const exit = await first.kill("SIGTERM");
        const stoppedIn = Date.now() - stoppingAt;
        expect(exit).toEqual({ code: 0, signal: null });
        expect(stoppedIn).toBeLessThan(10_000);
        const answer = await sent;
        expect(answer.status).toBe(503);
        expect(answer.body).toContain("SHUTTING_DOWN");
        expect(first.lines).toEqual([]);
        expect(inbox.inboxSize("lissi")).toBe(1); // kept for the next start

        const second = startExampleServer(framework, { CREDHOOKS_STORE: path, EXAMPLE_HANDLER_DELAY_MS: "100" });
        servers.push(second);
        await second.listening();
        await until(() => linesFor(servers, recordId).length > 0, 20_000, "recovered after the restart", () => second.stderr.join("\n"));
        await until(() => inbox.inboxSize("lissi") === 0, 10_000, "out of the inbox");
        expect(linesFor(servers, recordId)).toHaveLength(1);
        expect(servers.flatMap((s) => s.strayLines)).toEqual([]);
        expect(await second.kill("SIGTERM")).toEqual({ code: 0, signal: null });
        console.info(`[example store] ${framework}: SIGTERM with a handler waiting → exit 0 in ${stoppedIn} ms, the event run once by the next start`);
      } finally {
        await Promise.all(servers.map((s) => s.kill("SIGKILL")));
        inbox.close();
      }
    }, 90_000);
  });
});
