import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { FailedDelivery } from "@credhooks/core";
import { failureDelivery, runCli } from "credhooks";
import { cli, listen } from "./support/cli-process.js";
import { postgresBinDir, POSTGRES_INSTALL_HINT, startPostgresServer, type PostgresServer } from "./support/postgres-server.js";
import { INSTALL_HINT as REDIS_INSTALL_HINT, redisServerPath, startRedisServer, type RedisServer } from "./support/redis-server.js";

// `credhooks failures` and `credhooks replay` against the failure sinks receivers really
// write: a SQLite file, a Redis and a PostgreSQL, filled by `credhooks listen --store …`
// whose handlers fail (--fail), then replayed to a running receiver — first one still
// failing, then one whose handlers succeed.

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const inCi = process.env["CI"] === "true" || process.env["CI"] === "1";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The same program in process: the many listings and replays of one test. */
async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["node", "credhooks", ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, isTty: false });
  return { code, stdout, stderr };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface StoreUnderTest {
  name: string;
  skip: string | undefined;
  /** Starts what the store needs; resolves with the --store value. */
  start(): Promise<string>;
  stop(): Promise<void>;
  /** How `credhooks failures` names it. */
  shown(location: string): string;
}

let redis: RedisServer | undefined;
let postgres: PostgresServer | undefined;

const STORES: StoreUnderTest[] = [
  {
    name: "a SQLite file",
    skip: undefined,
    start: async () => join(mkdtempSync(join(tmpdir(), "credhooks-cli-failures-")), "credhooks.db"),
    stop: async () => undefined,
    shown: (location) => location,
  },
  {
    name: "Redis",
    skip: redisServerPath === undefined && !inCi ? REDIS_INSTALL_HINT : undefined,
    start: async () => {
      redis = await startRedisServer();
      return redis.url;
    },
    stop: async () => redis?.stop(),
    shown: (location) => location,
  },
  {
    name: "PostgreSQL",
    skip: postgresBinDir === undefined && !inCi ? POSTGRES_INSTALL_HINT : undefined,
    start: async () => {
      postgres = await startPostgresServer();
      return postgres.createDatabase("cli_failures");
    },
    stop: async () => postgres?.destroy(),
    shown: (location) => location,
  },
];

for (const target of STORES) {
  describe.skipIf(target.skip !== undefined)(target.skip ? `credhooks failures and replay on ${target.name} (skipped: ${target.skip})` : `credhooks failures and replay on ${target.name}`, () => {
    let store: string;
    let keys: { lissi: string; truvera: string };

    beforeAll(async () => {
      store = await target.start();
    });
    afterAll(async () => {
      await target.stop();
    });

    it("credhooks listen --store --fail keeps the failed deliveries of senders that never redeliver in the store's failure sink", async () => {
      const listener = await listen(["--json", "--store", store, "--fail", "connection:update", "--fail", "credential_revoke"]);
      try {
        const lissi = await cli(["send", "lissi", "connection:update", "--url", listener.url]);
        expect(lissi.code).toBe(1);
        expect(lissi.stdout).toContain('"code":"HANDLER_FAILED"');
        const truvera = await cli(["send", "truvera", "credential_revoke", "--url", listener.url, "--tenant", "globex"]);
        expect(truvera.code).toBe(1);
        // Not failing: handled, nothing kept.
        expect((await cli(["send", "proven", "credentials:done", "--url", listener.url])).code).toBe(0);
        await listener.waitFor((lines) => lines.filter((line) => line.includes('"HANDLER_FAILED"')).length >= 2);
      } finally {
        expect(await listener.stop()).toBe(0);
      }
    });

    it("credhooks failures lists them, readably and as JSON, with paging and filters", async () => {
      // The listener is gone: the CLI reads the store itself.
      const listing = await cli(["failures", "--store", store]);
      expect(listing.stderr).toBe("");
      expect(listing.code).toBe(0);
      expect(listing.stdout).toContain(`2 failed deliveries in ${target.shown(store)} (key order):\n\n`);
      expect(listing.stdout).toMatch(/^lissi:acme:\/connections\/b25de7d9-3c8e-4b5a-9f0e-6a1d2c3b4e5f\/update:\S+\n {2}lissi connection:update · tenant acme · handler-failed · 1 attempt · last failed \d{4}-\d\d-\d\dT/m);
      expect(listing.stdout).toMatch(/^truvera:globex:credential_revoke:\S+\n {2}truvera credential_revoke · tenant globex · handler-failed · 1 attempt · /m);
      expect(listing.stdout).toContain('1 of 1 handler(s) failed for "connection:update"');
      expect(listing.stdout).toContain("credhooks listen: the handler of connection:update is set to fail");

      const json = await run(["failures", "--json"], { CREDHOOKS_STORE: store });
      expect(json.code).toBe(0);
      const entries = json.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries.map(({ provider, tenant, event, reason, attempts }) => ({ provider, tenant, event, reason, attempts }))).toEqual([
        { provider: "lissi", tenant: "acme", event: "connection:update", reason: "handler-failed", attempts: 1 },
        { provider: "truvera", tenant: "globex", event: "credential_revoke", reason: "handler-failed", attempts: 1 },
      ]);
      expect(entries[0]).toMatchObject({ payload: { id: "b25de7d9-3c8e-4b5a-9f0e-6a1d2c3b4e5f", state: "INVITED" }, error: expect.stringContaining("is set to fail") });
      keys = { lissi: String(entries[0]!["key"]), truvera: String(entries[1]!["key"]) };

      const first = await run(["failures", "--store", store, "--limit", "1"]);
      expect(first.stdout).toContain(`1+ failed deliveries in ${target.shown(store)} (key order):`);
      expect(first.stdout).toContain(`More: credhooks failures --after ${keys.lissi}`);
      const next = await run(["failures", "--store", store, "--limit", "1", "--after", keys.lissi, "--json"]);
      expect(next.stdout.trim().split("\n").map((line) => (JSON.parse(line) as { key: string }).key)).toEqual([keys.truvera]);
      const truvera = await run(["failures", "--store", store, "--provider", "truvera", "--payload"]);
      expect(truvera.stdout).toContain(`1 failed delivery of truvera in ${target.shown(store)}`);
      expect(truvera.stdout).not.toContain("lissi:acme");
      expect(truvera.stdout).toContain("encodedTx: '0x6c5b2d81");
      expect((await run(["failures", "--store", store, "--tenant", "nobody"])).stdout).toBe(`No failed deliveries for tenant nobody in ${target.shown(store)}.\n`);
    });

    it("credhooks replay leaves an entry whose receiver is down or still failing, exit 1", async () => {
      const port = await closedPort();
      const down = await run(["replay", keys.lissi, "--store", store, "--url", `http://127.0.0.1:${port}`]);
      expect(down.code).toBe(1);
      expect(down.stdout).toContain(`→ http://127.0.0.1:${port}/events/acme/lissi/connections/b25de7d9-3c8e-4b5a-9f0e-6a1d2c3b4e5f/update  (lissi connection:update, tenant acme)`);
      expect(down.stdout).toContain("✗ no answer: connect ECONNREFUSED");
      expect(down.stdout).toContain("The entry stays in the failure sink.");

      // The app is still broken: it answers 500 and keeps the event again (one more attempt).
      const broken = await listen(["--json", "--store", store, "--fail", "connection:update"]);
      try {
        const failed = await cli(["replay", keys.lissi, "--store", store, "--url", broken.url]);
        expect(failed.code).toBe(1);
        expect(failed.stdout).toContain("← 500 HANDLER_FAILED: 1 of 1 handler(s) failed");
        expect(failed.stdout).toContain("The entry stays in the failure sink.");
      } finally {
        await broken.stop();
      }
      const json = await run(["failures", "--store", store, "--json", "--provider", "lissi"]);
      expect(JSON.parse(json.stdout)).toMatchObject({ key: keys.lissi, attempts: 2 });
    });

    it("credhooks replay --all sends each to a receiver whose handlers succeed and empties the sink, exit 0", async () => {
      const fixed = await listen(["--json", "--store", store]);
      try {
        const replay = await cli(["replay", "--all", "--url", fixed.url], { CREDHOOKS_STORE: store });
        expect(replay.stderr).toBe("");
        expect(replay.code).toBe(0);
        expect(replay.stdout).toContain(`→ ${fixed.url}/events/acme/lissi/connections/b25de7d9-3c8e-4b5a-9f0e-6a1d2c3b4e5f/update  (lissi connection:update, tenant acme)\n← 200 handled; removed from the failure sink.\n`);
        expect(replay.stdout).toContain(`→ ${fixed.url}/events/globex/truvera  (truvera credential_revoke, tenant globex)\n← 200 handled; removed from the failure sink.\n`);
        expect(replay.stdout).toContain("2 replayed.\n");
        await fixed.waitFor((lines) => lines.length >= 2);
        expect(fixed.json().map(({ type, provider, tenant, event }) => ({ type, provider, tenant, event }))).toEqual([
          { type: "event", provider: "lissi", tenant: "acme", event: "connection:update" },
          { type: "event", provider: "truvera", tenant: "globex", event: "credential_revoke" },
        ]);
      } finally {
        expect(await fixed.stop()).toBe(0);
      }
      expect((await run(["failures", "--store", store])).stdout).toBe(`No failed deliveries in ${target.shown(store)}.\n`);
      const again = await run(["replay", keys.lissi, "--store", store, "--url", "http://127.0.0.1:3000"]);
      expect(again.code).toBe(1);
      expect(again.stdout).toContain(`✗ ${keys.lissi}\n  not in the failure sink (replayed or deleted already? see credhooks failures)`);
      const none = await run(["replay", "--all", "--store", store, "--url", "http://127.0.0.1:3000"]);
      expect(none).toMatchObject({ code: 0, stdout: `No failed deliveries in ${target.shown(store)}: nothing to replay.\n` });
    });
  });
}

const redisSkip = redisServerPath === undefined && !inCi;
describe.skipIf(redisSkip)(redisSkip ? `credhooks failures on an encrypted Redis sink (skipped: ${REDIS_INSTALL_HINT})` : "credhooks failures on an encrypted Redis sink", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("reads entries encrypted at rest with CREDHOOKS_SINK_KEY, and says which it skipped without it", async () => {
    const { createRedisFailureSink } = await import("@credhooks/redis");
    const key = Buffer.alloc(32, 7).toString("base64");
    const sink = createRedisFailureSink({ url: server.url, encryptionKey: key });
    await sink.ready();
    const at = "2026-01-01T00:00:00.000Z";
    await sink.put({ key: "crossmint:acme:msg_1", provider: "crossmint", tenantId: "acme", name: "credential.creation.succeeded", dedupeId: "msg_1", payload: { secret: "end-customer-key" }, raw: {}, reason: "handler-failed", error: "boom", attempts: 1, firstFailedAt: at, lastFailedAt: at });
    await sink.close();

    const without = await run(["failures", "--store", server.url]);
    expect(without.code).toBe(0);
    expect(without.stdout).toBe(`No failed deliveries in ${server.url}.\n`);
    expect(without.stderr).toContain('warning: skipped the entry "crossmint:acme:msg_1": ');
    expect(without.stderr).toContain("no encryptionKey");

    const withKey = await run(["failures", "--store", server.url, "--json"], { CREDHOOKS_SINK_KEY: `${Buffer.alloc(32, 9).toString("base64")},${key}` });
    expect(withKey.stderr).toBe("");
    expect(JSON.parse(withKey.stdout)).toMatchObject({ key: "crossmint:acme:msg_1", payload: { secret: "[redacted]" } });
    expect(withKey.stdout).not.toContain("end-customer-key");
  });
});

describe("credhooks failures and replay: mistakes", () => {
  it("exits 2 with a clear message for a missing store, an unreachable one, or a command line that does not say what to replay", async () => {
    const port = await closedPort();
    const cases: Array<[string[], RegExp]> = [
      [["failures"], /error: no failure sink given: pass --store redis:\/\/…, --store postgres:\/\/… or --store <SQLite file> \(or set CREDHOOKS_STORE\)/],
      [["failures", "--store", "memory"], /no failure sink given/],
      [["failures", "--store", `redis://127.0.0.1:${port}`], new RegExp(`error: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`)],
      [["failures", "--store", `postgres://postgres:secret@127.0.0.1:${port}/app`], new RegExp(`error: cannot read the failure sink in PostgreSQL at postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${port}/app: `)],
      [["failures", "--store", join(tmpdir(), "credhooks-no-such-dir", "missing.db")], /error: no SQLite file at .*missing\.db: --store names the file your receivers' @credhooks\/sqlite store uses\./],
      [["failures", "--store", "./x.db", "--provider", "provn"], /error: unknown provider "provn"/],
      [["failures", "--store", "./x.db", "--limit", "0"], /--limit.*expected a whole number ≥ 1/],
      [["replay", "--store", "./x.db", "--url", "http://127.0.0.1:3000"], /error: name the entries to replay: credhooks replay <key>… \(see credhooks failures\), or --all\./],
      [["replay", "k", "--all", "--store", "./x.db", "--url", "http://127.0.0.1:3000"], /error: give keys or --all, not both\./],
      [["replay", "k", "--store", "./x.db"], /error: --url is required: the receiver to send the kept deliveries to/],
      [["replay", "k", "--store", "./x.db", "--url", "localhost:3000"], /--url must be an http or https URL/],
      [["replay", "k", "--provider", "lissi", "--store", "./x.db", "--url", "http://127.0.0.1:3000"], /--provider and --tenant filter --all/],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr, args.join(" ")).toMatch(message);
      expect(result.stdout, args.join(" ")).toBe("");
    }
    // The password of a store URL never reaches the terminal.
    const redisPassword = await run(["failures", "--store", `redis://:hunter2@127.0.0.1:${port}`]);
    expect(redisPassword.stderr).not.toContain("hunter2");
    // As a process: the same exit code.
    const proc = await cli(["replay", "--all", "--url", "http://127.0.0.1:3000"]);
    expect(proc.code).toBe(2);
    expect(proc.stderr).toContain("error: no failure sink given");
  });

  it("describes failures and replay in --help", async () => {
    const [top, failures, replay] = await Promise.all([run(["--help"]), run(["failures", "--help"]), run(["replay", "--help"])]);
    expect(top.stdout).toContain("failures [options]");
    expect(top.stdout).toContain("replay [options] [keys...]");
    for (const option of ["--store <url-or-file>", "--json", "--limit <n>", "--after <key>", "--provider <id>", "--tenant <id>", "CREDHOOKS_STORE", "CREDHOOKS_SINK_KEY"]) expect(failures.stdout).toContain(option);
    for (const option of ["--all", "--url <url>", "--store <url-or-file>", "--secret <value>", "{tenant}", "LISSI_API_KEY"]) expect(replay.stdout).toContain(option);
  });
});

describe("failureDelivery: a kept entry sent again as its sender would", () => {
  const entry = (fields: Partial<FailedDelivery>): FailedDelivery => ({
    key: "k",
    provider: "crossmint",
    tenantId: "acme",
    name: "credential.creation.failed",
    dedupeId: "msg_kept_1",
    payload: { error: { message: "boom", code: 500 } },
    raw: {},
    reason: "handler-failed",
    error: "x",
    attempts: 1,
    firstFailedAt: "2026-01-01T00:00:00.000Z",
    lastFailedAt: "2026-01-01T00:00:00.000Z",
    ...fields,
  });

  it("keeps the sender's event id, fills {tenant} and {provider}, and signs ACA-Py's record with its wallet", () => {
    const crossmint = failureDelivery(entry({}), new URL("https://app.example/hooks/{provider}/{tenant}"), {});
    expect(crossmint.origin).toBe("https://app.example");
    expect(crossmint.delivery.path).toBe("/hooks/crossmint/acme");
    expect(crossmint.delivery.headers["svix-id"]).toBe("msg_kept_1");
    expect(JSON.parse(crossmint.delivery.body)).toEqual({ type: "credential.creation.failed", data: { error: { message: "boom", code: 500 } } });

    const acapy = failureDelivery(
      entry({ provider: "acapy", name: "connections.active", dedupeId: "w1/x", payload: { topic: "connections", state: "active", walletId: "w1", record: { connection_id: "c1", state: "active" } } }),
      new URL("http://127.0.0.1:3000"),
      { ACAPY_API_KEY: "env-key" },
    );
    expect(acapy.delivery.path).toBe("/events/acme/acapy/topic/connections/");
    expect(acapy.delivery.headers).toMatchObject({ "x-api-key": "env-key", "x-wallet-id": "w1" });
    expect(JSON.parse(acapy.delivery.body)).toEqual({ connection_id: "c1", state: "active" });

    const sovrin = failureDelivery(entry({ provider: "sovrin", name: "OpenIdCredentialIssued", dedupeId: "evt-1", payload: { credentialId: "c" } }), new URL("http://127.0.0.1:3000"), {});
    expect(sovrin.delivery.path).toBe("/events/acme/sovrin");
    expect((JSON.parse(sovrin.delivery.body) as { event: { id: string } }).event.id).toBe("evt-1");
  });

  it("refuses what it cannot send as the sender would", () => {
    const target = new URL("http://127.0.0.1:3000");
    expect(() => failureDelivery(entry({ name: undefined, reason: "invalid-payload" }), target, {})).toThrow(/it has no event name \(invalid-payload/);
    expect(() => failureDelivery(entry({ name: "credential.revoked" }), target, {})).toThrow(/"credential\.revoked" is not an event credhooks knows for crossmint/);
    expect(() => failureDelivery(entry({ provider: "stripe" }), target, {})).toThrow(/provider "stripe" is not one credhooks can send as/);
    expect(() => failureDelivery(entry({ tenantId: undefined }), target, {})).toThrow(/it has no tenant: give --url the full URL/);
    expect(() => failureDelivery(entry({ provider: "lissi", name: "connection:update", payload: { state: "x" } }), target, {})).toThrow(/cannot be sent as lissi would: .*needs a string "id"/);
  });
});
