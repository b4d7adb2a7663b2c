import { afterAll, beforeAll, expect, it } from "vitest";
import { createPostgresStore, type PostgresStore } from "@credhooks/postgres";
import { LISSI_SAMPLES, deliveries, lissiDelivery, sendDelivery, type TestDelivery } from "@credhooks/testing";
import { describeWithPostgres, startPostgresServer, type PostgresServer } from "./support/postgres-server.js";
import { startServerProcess, until, type ServerProcess } from "./support/server-process.js";

// The example servers with CREDHOOKS_STORE=postgres://… (README, "Example servers"), checked
// from outside on real processes: the tables are created at start, and every issued
// credential becomes one row of `issued_credentials`, written by a transactional handler —
// through a kill -9 mid-transaction, the restart's recovery and a storm of duplicates.

const LEASE_MS = "1000";

const attempt = (delivery: TestDelivery, url: string) =>
  sendDelivery(delivery, url).then(
    async (res) => ({ status: res.status, body: await res.text() }),
    (error: Error) => ({ status: 0, body: String(error.cause ?? error) }),
  );

describeWithPostgres("example servers with CREDHOOKS_STORE=postgres://…", () => {
  let server: PostgresServer;
  let url: string;
  let view: PostgresStore;
  beforeAll(async () => {
    server = await startPostgresServer();
    url = await server.createDatabase("example");
  }, 120_000);
  afterAll(async () => {
    await view?.close();
    await server?.destroy();
  });

  it("creates its tables at start; kill -9 mid-transaction, start again: the issued credential is recovered and written once; duplicates write nothing", async () => {
    const servers: ServerProcess[] = [];
    const start = (delayMs: string) => {
      const proc = startServerProcess("examples/express/src/server.ts", { NODE_ENV: "production", PORT: "0", EXAMPLE_LEASE_MS: LEASE_MS, EXAMPLE_HANDLER_DELAY_MS: delayMs, CREDHOOKS_STORE: url });
      servers.push(proc);
      return proc;
    };
    try {
      const first = start("4000");
      const origin = await first.listening(60_000);
      expect(first.stderr.join("\n")).toContain("store: postgres (postgres://postgres@127.0.0.1:");
      view = createPostgresStore({ connectionString: url });
      const rows = async (recordId: string) => (await view.pool.query("SELECT provider, tenant_id, record_id FROM issued_credentials WHERE record_id = $1", [recordId])).rows;

      // A Lissi credential issued (Lissi never redelivers: the inbox is the only copy).
      const recordId = `cred-${process.pid}`;
      const issued = lissiDelivery("credential:update", { ...LISSI_SAMPLES["credential:update"], id: recordId, state: "CREDENTIAL_ISSUED" });
      const sent = attempt(issued, origin);
      await until(async () => (await view.inboxSize("lissi")) === 1, 15_000, "in the inbox");
      await new Promise((r) => setTimeout(r, 500)); // the transactional handler has inserted its row and waits inside its transaction
      const killedAt = Date.now();
      expect(await first.kill("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
      expect((await sent).status).toBe(0); // the connection died: Lissi saw a failure
      expect(await rows(recordId)).toEqual([]); // the uncommitted insert died with the process

      const second = start("200");
      const origin2 = await second.listening(60_000);
      await until(async () => (await rows(recordId)).length > 0 && (await view.inboxSize("lissi")) === 0, 20_000, "recovered after the restart", () => second.stderr.join("\n"));
      const recoveredAfter = Date.now() - killedAt;
      expect(await rows(recordId)).toEqual([{ provider: "lissi", tenant_id: "acme", record_id: recordId }]);

      // 50 concurrent duplicates of it, and 50 of a Proven credentials:done: one row each.
      const proven = deliveries.proven("credentials:done", { cred_ex_id: `ex-${process.pid}` });
      const answers = await Promise.all([...Array.from({ length: 50 }, () => attempt(issued, origin2)), ...Array.from({ length: 50 }, () => attempt(proven, origin2))]);
      expect(answers.every((a) => [200, 409, 503].includes(a.status))).toBe(true);
      for (let i = 0; i < 100 && (await rows(`ex-${process.pid}`)).length === 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        await attempt(proven, origin2); // the sender retries until a 2xx
      }
      await new Promise((r) => setTimeout(r, 500));
      expect(await rows(recordId)).toHaveLength(1);
      expect(await rows(`ex-${process.pid}`)).toEqual([{ provider: "proven", tenant_id: "acme", record_id: `ex-${process.pid}` }]);
      expect(second.stderr.join("\n")).not.toContain("duplicate key");
      expect(servers.flatMap((s) => s.strayLines)).toEqual([]);
      expect(await second.kill("SIGTERM")).toEqual({ code: 0, signal: null });
      console.info(`[example store] express on PostgreSQL, killed mid-transaction: the credential recovered ${recoveredAfter} ms after the kill (lease ${LEASE_MS} ms), one row; 100 duplicates wrote nothing`);
    } finally {
      await Promise.all(servers.map((s) => s.kill("SIGKILL")));
    }
  }, 120_000);

  it("exits 1 with a clear message when the database cannot be reached", async () => {
    const proc = startServerProcess("examples/koa/src/server.ts", { NODE_ENV: "production", PORT: "0", CREDHOOKS_STORE: `postgres://postgres:secret@127.0.0.1:1/none` });
    const exit = await proc.exited;
    expect(exit.code).toBe(1);
    const stderr = proc.stderr.join("\n");
    expect(stderr).toContain("cannot use PostgreSQL at postgres://postgres:***@127.0.0.1:1/none (CREDHOOKS_STORE)");
    expect(stderr).not.toContain("secret");
  }, 60_000);
});
