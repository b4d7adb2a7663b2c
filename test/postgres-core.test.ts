import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { createWebhooks, type Logger, type WebhookResponse } from "@credhooks/core";
import { proven } from "@credhooks/core/providers/proven";
import { createPostgresFailureSink, createPostgresStore, postgresSchemaSql, transactionClient, type PostgresStore } from "@credhooks/postgres";
import { describeWithPostgres, startPostgresServer, type PostgresServer } from "./support/postgres-server.js";
import { PROVEN_KEY, provenRequest } from "./fixtures/redis/deliveries.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeOf = (res: WebhookResponse) => (JSON.parse(res.body) as { error?: { code: string } }).error?.code;
const RECEIVED = '{"received":true}';
const DUPLICATE = '{"received":true,"duplicate":true}';

/** The app's own table, in the same database as credhooks' tables: no unique key, so a double insert would show as two rows. */
const APP_TABLE = `CREATE TABLE IF NOT EXISTS issued_credentials (
  cred_ex_id text NOT NULL,
  tenant_id text NOT NULL,
  connection_id text,
  received_at timestamptz NOT NULL DEFAULT now()
)`;

describeWithPostgres("credhooks on the PostgreSQL store", () => {
  let server: PostgresServer;
  const stores: PostgresStore[] = [];
  let n = 0;
  let prefix = "core0_";
  const open = async (options: { leaseMs?: number; logger?: Logger } = {}) => {
    const store = createPostgresStore({ connectionString: server.url, tablePrefix: prefix, ...(options.logger ? { logger: options.logger } : {}) });
    stores.push(store);
    await store.migrate();
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), store, recovery: false, ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}) });
    return { store, hooks };
  };
  const rows = async (store: PostgresStore, credExId: string) => (await store.pool.query("SELECT tenant_id FROM issued_credentials WHERE cred_ex_id = $1", [credExId])).rows;
  const succeededOf = async (store: PostgresStore, credExId: string): Promise<string[] | undefined> => {
    const { rows: found } = await store.pool.query<{ succeeded: string[]; state: string }>(`SELECT state, succeeded FROM ${store.tables.events} WHERE key LIKE $1`, [`proven:acme:%${credExId}%`]);
    return found[0]?.state === "done" ? ["(done)"] : found[0]?.succeeded;
  };

  beforeAll(async () => {
    server = await startPostgresServer();
  }, 120_000);
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    prefix = `core${++n}_`;
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it("migrate() is idempotent, also when several instances run it at once; postgresSchemaSql() is the same schema", async () => {
    const store = createPostgresStore({ connectionString: server.url, schema: "hooks", tablePrefix: "m_" });
    stores.push(store);
    await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
    await store.migrate();
    expect(store.tables.events).toBe('"hooks"."m_events"');
    const columns = server.psql("SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'hooks' ORDER BY 1");
    // The documented SQL creates exactly the same tables in another schema.
    server.psql(postgresSchemaSql({ schema: "docs", tablePrefix: "m_" }));
    expect(server.psql("SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'docs' ORDER BY 1")).toBe(columns);
    expect(columns).toContain("m_events.succeeded");
    // A newer schema version is refused.
    server.psql(`UPDATE "hooks"."m_meta" SET value = '99' WHERE name = 'schema_version'`);
    await expect(store.migrate()).rejects.toThrow(/newer @credhooks\/postgres \(schema 99/);
  });

  it("says to run migrate() when the tables are missing", async () => {
    const store = createPostgresStore({ connectionString: server.url, tablePrefix: "never_migrated_" });
    stores.push(store);
    await expect(store.claim("proven:acme:x", 1000)).rejects.toThrow(/run `await store.migrate\(\)`/);
    await expect(store.ready(1000)).rejects.toThrow(/migrate/);
  });

  it("keeps strings text cannot hold exactly: keys, queues, handler ids and records with NUL or a lone surrogate, and the escape prefix itself", async () => {
    const { store } = await open();
    const keys = ["proven:acme:a\u0000b", "proven:acme:a\ud800", "proven:acme:a\ufffd", "proven:acme:a", "\u0001u16:proven:acme:a", "proven:acme:a\udc00\ud800"];
    const tokens = new Map<string, string>();
    for (const key of keys) {
      const claimed = await store.claim(key, 60_000);
      expect(claimed.status, JSON.stringify(key)).toBe("claimed");
      if (claimed.status === "claimed") tokens.set(key, claimed.token);
    }
    const handler = "save\u0000\ud800";
    await store.handlerSucceeded(keys[0]!, tokens.get(keys[0]!)!, handler, 60_000);
    await store.release(keys[0]!, tokens.get(keys[0]!)!, 60_000);
    const again = await store.claim(keys[0]!, 60_000);
    expect(again.status === "claimed" && [...again.succeeded]).toEqual([handler]);
    for (const key of keys.slice(1)) expect((await store.claim(key, 60_000)).status).toBe("in-flight");

    const queue = "lissi\u0000\ud83d";
    const record = "{\"raw\":\"\u0000 \ud800 \u0001u16:\"}";
    const claimed = await store.claim("lissi:acme:x\u0000", 1, { queue, record });
    expect(claimed).toMatchObject({ status: "claimed", attempts: 1 });
    expect(await store.inboxSize(queue)).toBe(1);
    expect(await store.inboxSize("lissi")).toBe(0);
    let due: Awaited<ReturnType<PostgresStore["claimDue"]>> = [];
    for (let i = 0; i < 100 && due.length === 0; i++) {
      await sleep(20);
      due = await store.claimDue(queue, 60_000, 10);
    }
    expect(due.map((entry) => [entry.key, entry.record, entry.attempts])).toEqual([["lissi:acme:x\u0000", record, 2]]);
  });

  it("runs a duplicate's handler once and answers it 2xx, on any instance", async () => {
    const [a, b] = [await open(), await open()];
    const handler = vi.fn();
    a.hooks.on("credentials:done", handler);
    b.hooks.on("credentials:done", handler);
    expect(await a.hooks.handle(provenRequest("ex-1"))).toMatchObject({ status: 200, body: RECEIVED });
    expect(await a.hooks.handle(provenRequest("ex-1"))).toMatchObject({ status: 200, body: DUPLICATE });
    expect(await b.hooks.handle(provenRequest("ex-1"))).toMatchObject({ status: 200, body: DUPLICATE });
    expect(await b.hooks.handle(provenRequest("ex-1", "globex"))).toMatchObject({ status: 200, body: RECEIVED });
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it("answers a duplicate that arrives while the first is in flight 409, and renews the lease while a handler outlasts it", async () => {
    const [a, b] = [await open({ leaseMs: 600 }), await open({ leaseMs: 600 })];
    const handler = vi.fn(() => sleep(2000));
    a.hooks.on("credentials:done", handler);
    b.hooks.on("credentials:done", handler);
    const first = a.hooks.handle(provenRequest("ex-1"));
    await vi.waitFor(() => expect(handler).toHaveBeenCalledTimes(1));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      await sleep(300);
      const during = await b.hooks.handle(provenRequest("ex-1"));
      statuses.push(during.status);
      expect(codeOf(during)).toBe("DUPLICATE_IN_FLIGHT");
    }
    expect(statuses).toEqual([409, 409, 409, 409, 409]); // 1.5 s: more than two leases
    expect((await first).status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("re-runs only the failed handler when the event is redelivered after a partial failure", async () => {
    const [a, b] = [await open(), await open()];
    const save = vi.fn();
    let notifyFails = true;
    const notify = vi.fn(() => {
      if (notifyFails) throw new Error("mail server down");
    });
    for (const { hooks } of [a, b]) hooks.on("credentials:done", save, { id: "save" }).on("credentials:done", notify, { id: "notify" });
    expect((await a.hooks.handle(provenRequest("ex-1"))).status).toBe(500);
    expect((await b.hooks.handle(provenRequest("ex-1"))).status).toBe(500);
    notifyFails = false;
    expect(await a.hooks.handle(provenRequest("ex-1"))).toMatchObject({ status: 200, body: RECEIVED });
    expect([save.mock.calls.length, notify.mock.calls.length]).toEqual([1, 3]);
  });

  it("keeps failed deliveries of a sender that never redelivers in the PostgreSQL failure sink, and replays them", async () => {
    const store = createPostgresStore({ connectionString: server.url, tablePrefix: prefix });
    stores.push(store);
    await store.migrate();
    const failures = createPostgresFailureSink({ store, maxEntries: 100 });
    const hooks = createWebhooks({ provider: { ...proven({ apiKey: PROVEN_KEY }), id: "vault", retries: false }, store, failures, recovery: { automatic: false, maxAttempts: 1 } });
    let fails = true;
    hooks.on("credentials:done", () => {
      if (fails) throw new Error("downstream down");
    });
    const request = { ...provenRequest("ex-dead"), originalUrl: "/events/acme/vault" };
    expect((await hooks.handle(request)).status).toBe(500);
    const listed = await failures.list();
    expect(listed.map((f) => [f.reason, f.name])).toEqual([["handler-failed", "credentials:done"]]);
    fails = false;
    expect((await hooks.replay(listed[0]!.key)).status).toBe("handled");
    expect(await failures.list()).toEqual([]);
    expect(await store.inboxSize("vault")).toBe(0);
  });

  it("round trips to the database per delivery: 2 for a new event with one handler, 1 for a duplicate, 6 for a transactional handler (its own statements aside)", async () => {
    const { store, hooks } = await open();
    await store.pool.query(APP_TABLE);
    let statements = 0;
    // Every statement a pooled client sends (credhooks' and the handler's own).
    const counted = new WeakSet<object>();
    const count = (client: { query: (...args: never[]) => unknown }) => {
      if (counted.has(client)) return;
      counted.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        statements++;
        return query(...args);
      };
    };
    store.pool.on("acquire", count);
    const measure = async (request: Parameters<typeof hooks.handle>[0]) => {
      const before = statements;
      const res = await hooks.handle(request);
      return { status: res.status, statements: statements - before };
    };
    const plain = vi.fn();
    hooks.on("credentials:done", plain, { id: "plain" });
    expect(await measure(provenRequest("rt-1"))).toEqual({ status: 200, statements: 2 }); // claim, complete
    expect(await measure(provenRequest("rt-1"))).toEqual({ status: 200, statements: 1 }); // claim: done
    const second = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), store, recovery: false });
    second.on("credentials:done", vi.fn(), { id: "a" }).on("credentials:done", vi.fn(), { id: "b" });
    const before = statements;
    expect((await second.handle(provenRequest("rt-2"))).status).toBe(200);
    const twoHandlers = statements - before; // claim, a success, b success, complete
    const third = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), store, recovery: false });
    third.on(
      "credentials:done",
      async (event) => {
        await transactionClient(event).query("INSERT INTO issued_credentials (cred_ex_id, tenant_id) VALUES ($1, 'rt')", [event.payload.cred_ex_id]);
      },
      { transactional: true, id: "save" },
    );
    const start = statements;
    expect((await third.handle(provenRequest("rt-3"))).status).toBe(200);
    const transactional = statements - start - 1; // without the handler's own INSERT
    expect(twoHandlers).toBe(4);
    expect(transactional).toBe(6); // claim, BEGIN, the claim check, the success record, COMMIT, complete
    console.info(`[postgres] round trips per delivery: new event, one handler 2 (claim, complete); duplicate 1; two handlers ${twoHandlers}; one transactional handler ${transactional} + its own statements`);
  });

  describeTransactional();

  function describeTransactional(): void {
    it("transactional handler that throws: its insert is rolled back, no success is recorded; the redelivery commits the row and the success together, once", async () => {
      const { store, hooks } = await open();
      await store.pool.query(APP_TABLE);
      let attempt = 0;
      const seenUncommitted: number[] = [];
      hooks.on(
        "credentials:done",
        async (event) => {
          const db = transactionClient(event);
          await db.query("INSERT INTO issued_credentials (cred_ex_id, tenant_id, connection_id) VALUES ($1, $2, $3)", [event.payload.cred_ex_id, event.tenantId, event.payload.connection_id]);
          // Not visible outside the transaction until it commits.
          seenUncommitted.push((await rows(store, event.payload.cred_ex_id)).length);
          if (++attempt === 1) throw new Error("the ledger is down");
        },
        { transactional: true, id: "save-credential" },
      );
      const failed = await hooks.handle(provenRequest("ex-tx"));
      expect(failed.status).toBe(500);
      expect(codeOf(failed)).toBe("HANDLER_FAILED");
      expect(await rows(store, "ex-tx")).toEqual([]); // rolled back with the failure
      expect(await succeededOf(store, "ex-tx")).toBeUndefined(); // released without any success: forgotten

      expect(await hooks.handle(provenRequest("ex-tx"))).toMatchObject({ status: 200, body: RECEIVED });
      expect(await rows(store, "ex-tx")).toEqual([{ tenant_id: "acme" }]);
      expect(await succeededOf(store, "ex-tx")).toEqual(["(done)"]);
      expect(await hooks.handle(provenRequest("ex-tx"))).toMatchObject({ status: 200, body: DUPLICATE });
      expect(await rows(store, "ex-tx")).toHaveLength(1);
      expect(seenUncommitted).toEqual([0, 0]);
    });

    it("transactional handler beside one that fails: the row and the success record commit together, and the redelivery does not run it again", async () => {
      const { store, hooks } = await open();
      await store.pool.query(APP_TABLE);
      const save = vi.fn(async (event: { transaction?: unknown; payload: { cred_ex_id: string }; tenantId: string | undefined }) => {
        await transactionClient(event).query("INSERT INTO issued_credentials (cred_ex_id, tenant_id) VALUES ($1, $2)", [event.payload.cred_ex_id, event.tenantId]);
      });
      let notifyFails = true;
      hooks.on("credentials:done", save, { transactional: true, id: "save" }).on(
        "credentials:done",
        () => {
          if (notifyFails) throw new Error("mail server down");
        },
        { id: "notify" },
      );
      expect((await hooks.handle(provenRequest("ex-pair"))).status).toBe(500);
      // Both committed: the app's row and the store's record of the handler's success.
      expect(await rows(store, "ex-pair")).toHaveLength(1);
      expect(await succeededOf(store, "ex-pair")).toEqual(["save"]);
      notifyFails = false;
      expect((await hooks.handle(provenRequest("ex-pair"))).status).toBe(200);
      expect(save).toHaveBeenCalledTimes(1);
      expect(await rows(store, "ex-pair")).toHaveLength(1);
    });

    it("transactional handler whose claim was taken over while it ran: everything rolls back, the new owner runs it once", async () => {
      const { store, hooks } = await open({ leaseMs: 400 });
      await store.pool.query(APP_TABLE);
      const other = (await open({ leaseMs: 5000 })).hooks;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let runs = 0;
      const handler = async (event: { transaction?: unknown; payload: { cred_ex_id: string }; tenantId: string | undefined }) => {
        runs++;
        await transactionClient(event).query("INSERT INTO issued_credentials (cred_ex_id, tenant_id) VALUES ($1, $2)", [event.payload.cred_ex_id, `run ${runs}`]);
        if (runs === 1) await gate;
      };
      hooks.on("credentials:done", handler, { transactional: true, id: "save" });
      other.on("credentials:done", handler, { transactional: true, id: "save" });
      const first = hooks.handle(provenRequest("ex-steal"));
      await vi.waitFor(() => expect(runs).toBe(1));
      // The first owner's lease runs out (as when its renewals cannot reach the database) and
      // another delivery takes the event over.
      await store.pool.query(`UPDATE ${store.tables.events} SET lease_until = clock_timestamp() - interval '1 second' WHERE key LIKE '%ex-steal%'`);
      expect(await other.handle(provenRequest("ex-steal"))).toMatchObject({ status: 200, body: RECEIVED });
      release();
      const lost = await first;
      expect(lost.status).toBeGreaterThanOrEqual(500); // LEASE_LOST or HANDLER_FAILED: never 2xx
      expect(await rows(store, "ex-steal")).toEqual([{ tenant_id: "run 2" }]); // run 1 was rolled back
      expect(await hooks.handle(provenRequest("ex-steal"))).toMatchObject({ status: 200, body: DUPLICATE });
    });

    it("runInTransaction directly: commits fn's writes with the success; rejects and rolls back for a stale token or a throwing fn", async () => {
      const { store } = await open();
      await store.pool.query(APP_TABLE);
      const key = "proven:acme:direct";
      const claim = await store.claim(key, 30_000);
      if (claim.status !== "claimed") throw new Error("not claimed");
      const insert = (tag: string) => async (tx: unknown) => {
        await transactionClient({ transaction: tx }).query("INSERT INTO issued_credentials (cred_ex_id, tenant_id) VALUES ($1, 'direct')", [tag]);
      };
      await expect(store.runInTransaction(key, `${claim.token}-stale`, "h", 60_000, insert("stale"))).rejects.toThrow(/claim of "proven:acme:direct" was lost/);
      await expect(
        store.runInTransaction(key, claim.token, "h", 60_000, async (tx) => {
          await insert("thrown")(tx);
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      await store.runInTransaction(key, claim.token, "h", 60_000, insert("kept"));
      expect((await store.pool.query("SELECT cred_ex_id FROM issued_credentials WHERE tenant_id = 'direct'")).rows).toEqual([{ cred_ex_id: "kept" }]);
      await store.release(key, claim.token, 60_000);
      const again = await store.claim(key, 30_000);
      expect(again.status === "claimed" && [...again.succeeded]).toEqual(["h"]);
      expect(() => transactionClient({})).toThrow(/register the handler with \{ transactional: true \}/);
      expect(store.pool.totalCount).toBeLessThanOrEqual(10);
      expect(store.pool.waitingCount).toBe(0);
    });
  }
});

describeWithPostgres("credhooks when PostgreSQL is down or stalled", () => {
  let server: PostgresServer;
  const stores: PostgresStore[] = [];
  let n = 0;

  beforeAll(async () => {
    server = await startPostgresServer();
  }, 120_000);
  afterEach(async () => {
    server.resume();
    await server.start().catch(() => undefined); // no-op when it runs
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const setup = async (options: { leaseMs?: number; migrate?: boolean } = {}) => {
    const warnings: string[] = [];
    const logger: Logger = { warn: (_obj, msg) => void warnings.push(msg), error: (_obj, msg) => void warnings.push(msg), info: (_obj, msg) => void warnings.push(msg) };
    const store = createPostgresStore({ connectionString: server.url, tablePrefix: `fault${++n}_`, logger });
    stores.push(store);
    if (options.migrate !== false) await store.migrate();
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), store, recovery: false, ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}) });
    const handler = vi.fn();
    hooks.on("credentials:done", handler);
    return { hooks, handler, store, warnings };
  };

  it("answers 503 STORE_UNAVAILABLE within a bounded time while the database is stopped, runs no handler, does not crash, and recovers without a restart", async () => {
    const { hooks, handler, store, warnings } = await setup();
    expect((await hooks.handle(provenRequest("ex-before"))).status).toBe(200); // the pool holds an idle connection now
    expect(store.pool.idleCount).toBeGreaterThan(0);
    await server.stop();
    const tookMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const res = await hooks.handle(provenRequest("ex-down"));
      const took = performance.now() - started;
      tookMs.push(Math.round(took));
      expect(res.status).toBe(503);
      expect(codeOf(res)).toBe("STORE_UNAVAILABLE");
      expect(took).toBeLessThan(3500); // the store's 3 s bound; a stopped server refuses at once
      await sleep(200);
    }
    expect(handler).toHaveBeenCalledTimes(1); // ex-before only
    expect(warnings.filter((w) => w.includes("PostgreSQL connection failed"))).toHaveLength(1); // one line per outage
    await server.start();
    const answeredAt = performance.now();
    const recoveredIn = await deliverUntil200(hooks, "ex-down");
    const sinceUp = Math.round(performance.now() - answeredAt);
    expect(handler).toHaveBeenCalledTimes(2);
    expect((await hooks.handle(provenRequest("ex-down"))).body).toBe(DUPLICATE);
    expect(warnings.at(-1)).toContain("restored");
    console.info(`[postgres] database stopped: 503 STORE_UNAVAILABLE in ${tookMs.join("/")} ms; restarted: processed ${sinceUp} ms after the server accepted connections again (first retry: ${recoveredIn} ms), no app restart`);
  }, 60_000);

  it("answers 503 within the store's bound while the database is stalled (SIGSTOP), and processes once it answers again", async () => {
    const { hooks, handler } = await setup({ leaseMs: 1500 });
    expect((await hooks.handle(provenRequest("ex-before"))).status).toBe(200);
    server.pause();
    const started = performance.now();
    const res = await hooks.handle(provenRequest("ex-slow"));
    const took = performance.now() - started;
    expect(res.status).toBe(503);
    expect(codeOf(res)).toBe("STORE_UNAVAILABLE");
    expect(took).toBeLessThan(6000); // the 3 s bound, plus a loaded machine's lag
    server.resume();
    // A claim sent before the stall may still commit once the server resumes: its lease then
    // holds the event (409) until it runs out, and the sender's retry is processed after it.
    const recoveredIn = await deliverUntil200(hooks, "ex-slow");
    expect(handler).toHaveBeenCalledTimes(2);
    console.info(`[postgres] database stalled (SIGSTOP): 503 STORE_UNAVAILABLE after ${took.toFixed(0)} ms; after SIGCONT processed within ${recoveredIn} ms`);
  }, 60_000);

  it("starts with the database unreachable, answers 503, and processes once it comes up", async () => {
    const { store, hooks, handler } = await setup();
    await server.stop();
    const res = await hooks.handle(provenRequest("ex-late"));
    expect(res.status).toBe(503);
    expect(handler).not.toHaveBeenCalled();
    await expect(store.ready(300)).rejects.toThrow();
    await server.start();
    await store.ready();
    await deliverUntil200(hooks, "ex-late");
    expect(handler).toHaveBeenCalledTimes(1);
  }, 60_000);

  it("a transactional handler whose connection dies mid-transaction: rolled back, no crash, processed once after recovery", async () => {
    const { store } = await setup();
    await store.pool.query(APP_TABLE);
    const hooks = createWebhooks({ provider: proven({ apiKey: PROVEN_KEY }), store, recovery: false, leaseMs: 1500 });
    let attempt = 0;
    hooks.on(
      "credentials:done",
      async (event) => {
        const db = transactionClient(event);
        await db.query("INSERT INTO issued_credentials (cred_ex_id, tenant_id) VALUES ($1, $2)", [event.payload.cred_ex_id, "acme"]);
        if (++attempt === 1) {
          await server.stop(); // the database goes away while the handler waits for something else
          await sleep(200);
        }
      },
      { transactional: true, id: "save" },
    );
    const res = await hooks.handle(provenRequest("ex-cut"));
    expect(res.status).toBeGreaterThanOrEqual(500);
    await server.start();
    await deliverUntil200(hooks, "ex-cut");
    expect((await store.pool.query("SELECT count(*)::int AS n FROM issued_credentials WHERE cred_ex_id = 'ex-cut'")).rows[0]).toEqual({ n: 1 });
  }, 60_000);
});

/** Redelivers like a sender until a 2xx (at most 20 s); only 503 and 409 are acceptable meanwhile. Returns the ms it took. */
async function deliverUntil200(hooks: ReturnType<typeof createWebhooks>, ex: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    const res = await hooks.handle(provenRequest(ex));
    if (res.status === 200) return Math.round(performance.now() - started);
    expect([503, 409, 500]).toContain(res.status);
    if (performance.now() - started > 20_000) throw new Error(`still ${res.status} after 20 s`);
    await sleep(100);
  }
}
