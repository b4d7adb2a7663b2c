import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import type { ClaimResult } from "@credhooks/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { keepUntilExit } from "./database.js";
import { createSqliteFailureSink, createSqliteStore, type SqliteStore } from "./index.js";

// The store on real files: what survives a close and a crash, and what two connections (two
// store instances, several processes) on one file see.

const loadError = (() => {
  try {
    keepUntilExit(new Database(":memory:")).close();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.split("\n")[0] : String(error);
  }
})();
const skip = loadError !== undefined && process.env["CI"] !== "true" && process.env["CI"] !== "1";
const suite = (name: string) => (skip ? `${name} (skipped: better-sqlite3 does not load on Node ${process.version}; run pnpm rebuild better-sqlite3)` : name);

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../../..");
const INDEX = pathToFileURL(join(HERE, "index.ts")).href;
const DAY = 86_400_000;

type Claimed = Extract<ClaimResult, { status: "claimed" }>;
function claimed(result: ClaimResult): Claimed {
  if (result.status !== "claimed") throw new Error(`expected a claim, got ${result.status}`);
  return result;
}
const ids = (set: ReadonlySet<string>) => [...set].sort();
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

let dir: string;
let path: string;
const closers: Array<() => void> = [];
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "credhooks-sqlite-"));
  path = join(dir, "credhooks.db");
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const close of closers.splice(0)) close();
  rmSync(dir, { recursive: true, force: true });
});

function openStore(options: { now?: () => number; busyTimeoutMs?: number; tablePrefix?: string } = {}): SqliteStore {
  const store = createSqliteStore({ path, ...options });
  closers.push(() => store.close());
  return store;
}

/** Runs `body` (module code with `createSqliteStore`, `createSqliteFailureSink`, `lines` in scope) in a Node process of its own. */
function startChild(body: string, env: Record<string, string>): { child: ChildProcess; lines: AsyncIterableIterator<string>; stderr: () => string } {
  const code = `
    import { createSqliteStore, createSqliteFailureSink } from ${JSON.stringify(INDEX)};
    import { createInterface } from "node:readline";
    const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
    ${body}
  `;
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "--input-type=module", "-e", code], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator](), stderr: () => stderr };
}

async function nextLine(child: ReturnType<typeof startChild>, what: string): Promise<string> {
  const timeout = sleep(30_000).then(() => ({ done: true, value: undefined }));
  const next = (await Promise.race([child.lines.next(), timeout])) as IteratorResult<string>;
  if (next.done || next.value === undefined) throw new Error(`the child process gave no ${what}:\n${child.stderr()}`);
  return next.value;
}

describe.skipIf(skip)(suite("SqliteStore on a file"), () => {
  it("creates the file private (0600), in WAL mode, with its tables", () => {
    const store = openStore();
    claimed(store.claim("k", 1000));
    expect(store.durable).toBe(true);
    expect(store.path).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const raw = keepUntilExit(new Database(path, { readonly: true }));
    try {
      expect(raw.prepare("PRAGMA journal_mode").pluck().get()).toBe("wal");
      const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(["credhooks_events", "credhooks_failures", "credhooks_meta", "credhooks_successes"]);
      expect(raw.prepare("SELECT key, state, attempts, queue FROM credhooks_events").all()).toEqual([{ key: "k", state: "open", attempts: 0, queue: null }]);
    } finally {
      raw.close();
    }
    expect(existsSync(`${path}-wal`)).toBe(true);
  });

  it("keeps everything across a close and a reopen: inbox entries, successes, done markers, failures", () => {
    let now = 1_000_000;
    const first = openStore({ now: () => now });
    const record = JSON.stringify({ provider: "lissi", id: "e1", body: "caf\u00e9 🚀 \u2028" });
    const inboxClaim = claimed(first.claim("lissi:t:e1", 30_000, { queue: "lissi", record }));
    first.handlerSucceeded("lissi:t:e1", inboxClaim.token, "save", 60_000);
    const waiting = claimed(first.claim("lissi:t:e2", 30_000, { queue: "lissi", record: "e2" }));
    first.release("lissi:t:e2", waiting.token, 60_000, 10 * 60_000);
    const done = claimed(first.claim("proven:t:d1", 30_000));
    first.complete("proven:t:d1", done.token, DAY);
    const sink = createSqliteFailureSink({ store: first });
    sink.put({ key: "lissi:t:f1", provider: "lissi", tenantId: "t", name: "x", dedupeId: "f1", payload: { a: 1 }, raw: {}, reason: "handler-failed", error: "boom", attempts: 1, firstFailedAt: "2025-01-01T00:00:00.000Z", lastFailedAt: "2025-01-01T00:00:00.000Z" });
    first.close();
    expect(() => first.claim("x", 1000)).toThrow(/not open/);
    first.close(); // idempotent

    now += 5000;
    const second = openStore({ now: () => now });
    expect(second.inboxSize("lissi")).toBe(2);
    expect(second.claim("lissi:t:e1", 1000).status).toBe("in-flight"); // the lease written before the close still holds
    expect(second.claim("proven:t:d1", 1000).status).toBe("done");
    expect(second.claimDue("lissi", 30_000, 10)).toEqual([]);
    now += 30_000; // the first lease is over
    const due = second.claimDue("lissi", DAY, 10);
    expect(due.map((entry) => [entry.key, entry.record === record, entry.attempts, ids(entry.succeeded)])).toEqual([["lissi:t:e1", true, 2, ["save"]]]);
    now += 10 * 60_000; // the retry delay of e2 is over
    expect(second.claimDue("lissi", 30_000, 10).map((entry) => [entry.key, entry.record, entry.attempts])).toEqual([["lissi:t:e2", "e2", 2]]);
    expect(createSqliteFailureSink({ store: second }).get("lissi:t:f1")?.error).toBe("boom");
  });

  it("keeps an inbox entry written by a process killed with SIGKILL; claimDue takes it back once the lease is over", async () => {
    const record = JSON.stringify({ id: "crashed", pad: "x".repeat(50_000) });
    const child = startChild(
      `
      const store = createSqliteStore({ path: process.env.DB });
      const claim = store.claim("lissi:t:crashed", 300, { queue: "lissi", record: process.env.RECORD });
      store.handlerSucceeded("lissi:t:crashed", claim.token, "first", 1);
      process.stdout.write("claimed\\n");
      setInterval(() => {}, 1000); // a handler that never finishes: the process is killed mid-way
      `,
      { DB: path, RECORD: record },
    );
    expect(await nextLine(child, "claim")).toBe("claimed");
    child.child.kill("SIGKILL"); // no close, no checkpoint: the WAL holds the commit
    await new Promise((done) => child.child.once("exit", done));

    const store = openStore();
    expect(store.inboxSize("lissi")).toBe(1);
    let due = store.claimDue("lissi", 30_000, 10);
    for (let waited = 0; due.length === 0 && waited < 5000; waited += 50) {
      await sleep(50);
      due = store.claimDue("lissi", 30_000, 10);
    }
    expect(due.map((entry) => [entry.key, entry.record === record, entry.attempts, ids(entry.succeeded)])).toEqual([["lissi:t:crashed", true, 2, ["first"]]]);
  }, 60_000);

  it("two store instances on one file: one's claims are the other's in-flight, and claimDue calls get disjoint entries", () => {
    let now = 1_000_000;
    const a = openStore({ now: () => now });
    const b = openStore({ now: () => now });
    const ka = claimed(a.claim("k", 1000));
    expect(b.claim("k", 1000).status).toBe("in-flight");
    expect(b.renew("k", ka.token, 1000)).toBe(true); // a token is valid on any connection
    b.complete("k", ka.token, DAY);
    expect(a.claim("k", 1000).status).toBe("done");

    for (let i = 0; i < 30; i++) claimed((i % 2 ? a : b).claim(`e${i}`, 100, { queue: "lissi", record: `r${i}` }));
    now += 101;
    const taken: string[][] = [[], []];
    for (;;) {
      const fromA = a.claimDue("lissi", 60_000, 4);
      const fromB = b.claimDue("lissi", 60_000, 3);
      taken[0]!.push(...fromA.map((entry) => entry.key));
      taken[1]!.push(...fromB.map((entry) => entry.key));
      if (fromA.length + fromB.length === 0) break;
    }
    const all = [...taken[0]!, ...taken[1]!];
    expect(new Set(all).size).toBe(30);
    expect(all).toHaveLength(30);
    expect(taken[0]!.length).toBeGreaterThan(0);
    expect(taken[1]!.length).toBeGreaterThan(0);
    expect([a.inboxSize("lissi"), b.inboxSize("lissi")]).toEqual([30, 30]);
  });

  it("three processes racing on one file: claimDue hands each entry to one of them, and each claim goes to one", async () => {
    const seed = openStore();
    const entries = 300;
    const races = 150;
    seed.claimDue("lissi", 1, 1); // creates nothing: opens the file in WAL mode before the children
    for (let i = 0; i < entries; i++) claimed(seed.claim(`due-${i}`, 1, { queue: "lissi", record: `r${i}` }));
    seed.close();
    await sleep(5);

    const racers = Array.from({ length: 3 }, () =>
      startChild(
        `
        const store = createSqliteStore({ path: process.env.DB, busyTimeoutMs: 20000 });
        process.stdout.write("ready\\n");
        const startAt = Number((await lines.next()).value);
        while (Date.now() < startAt); // all three start at the same instant
        const due = [];
        const claims = [];
        const pause = new Int32Array(new SharedArrayBuffer(4));
        for (let i = 0; ; i++) {
          // Interleaved: each round one claimDue batch and one claim of a shared key.
          const batch = store.claimDue("lissi", 60000, 2);
          due.push(...batch.map((entry) => entry.key));
          if (i < ${races} && store.claim("race-" + i, 60000).status === "claimed") claims.push("race-" + i);
          if (batch.length === 0 && i >= ${races}) break;
          Atomics.wait(pause, 0, 0, 1); // 1 ms between rounds, like handlers running: the others get the lock too
        }
        store.close();
        process.stdout.write(JSON.stringify({ due, claims }) + "\\n");
        process.exit(0);
        `,
        { DB: path },
      ),
    );
    for (const racer of racers) expect(await nextLine(racer, "ready line")).toBe("ready");
    const startAt = Date.now() + 200;
    for (const racer of racers) racer.child.stdin!.write(`${startAt}\n`);
    const results = await Promise.all(racers.map(async (racer) => JSON.parse(await nextLine(racer, "result")) as { due: string[]; claims: string[] }));

    const due = results.flatMap((result) => result.due);
    expect(due).toHaveLength(entries);
    expect(new Set(due).size).toBe(entries);
    const claims = results.flatMap((result) => result.claims);
    expect(claims).toHaveLength(races);
    expect(new Set(claims).size).toBe(races);
    // They did race: at least two of them took entries.
    expect(results.filter((result) => result.due.length > 0).length).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it("a process that opened and closed stores, then runs on, is not aborted when the garbage collector runs (Node 24)", async () => {
    // better-sqlite3 12 built for Node ≥ 24.19 aborts the process (SIGABRT, `(env) != nullptr`)
    // when a collection outside JavaScript finalizes one of its objects; without keepUntilExit
    // this child died in most runs on Node 24.
    const child = startChild(
      `
      for (let i = 0; i < 200; i++) {
        const store = createSqliteStore({ path: i % 2 ? ":memory:" : process.env.DB });
        store.claim("k" + i, 1000);
        createSqliteFailureSink({ store });
        store.close();
      }
      let garbage = [];
      const timer = setInterval(() => {
        garbage.push(new Array(50000).fill(garbage.length));
        if (garbage.length > 40) garbage = [];
      }, 5);
      setTimeout(() => { clearInterval(timer); process.stdout.write("alive\\n"); }, 3000);
      `,
      { DB: path },
    );
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((done) => child.child.once("exit", (code, signal) => done([code, signal])));
    expect(await nextLine(child, "alive line")).toBe("alive");
    child.child.stdin!.end(); // its stdin reader was all that kept it running: it exits on its own
    const [code, signal] = await exited;
    expect({ code, signal }, child.stderr()).toEqual({ code: 0, signal: null });
  }, 60_000);

  it("waits busyTimeoutMs for another connection's write lock, then throws (the core answers 503); works once the lock is gone", () => {
    const store = openStore({ busyTimeoutMs: 100 });
    claimed(store.claim("before", 1000));
    const other = keepUntilExit(new Database(path));
    closers.push(() => other.close());
    other.exec("BEGIN IMMEDIATE");
    const started = performance.now();
    expect(() => store.claim("k", 1000)).toThrow(/locked|busy/i);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(store.inboxSize("lissi")).toBe(0); // reads are not blocked by a writer (WAL); claims are writes
    other.exec("COMMIT");
    claimed(store.claim("k", 1000));
  });

  it("keeps stores with different table prefixes in one file apart; a sink may use the store's file on its own connection", () => {
    const a = openStore({ tablePrefix: "app_a_" });
    const b = openStore({ tablePrefix: "app_b_" });
    claimed(a.claim("k", 1000));
    claimed(b.claim("k", 1000));
    expect(a.claim("k", 1000).status).toBe("in-flight");
    const sink = createSqliteFailureSink({ path, tablePrefix: "app_a_" });
    closers.push(() => sink.close());
    sink.put({ key: "f", provider: "p", tenantId: undefined, name: undefined, dedupeId: "f", payload: null, raw: null, reason: "unhandled", error: "e", attempts: 1, firstFailedAt: "2025-01-01T00:00:00.000Z", lastFailedAt: "2025-01-01T00:00:00.000Z" });
    expect(createSqliteFailureSink({ store: a }).get("f")?.reason).toBe("unhandled");
    expect(createSqliteFailureSink({ store: b }).get("f")).toBeUndefined();
  });

  it("refuses a file whose tables a newer version wrote", () => {
    openStore().close();
    const raw = keepUntilExit(new Database(path));
    raw.prepare("UPDATE credhooks_meta SET value = 99 WHERE name = 'schema_version'").run();
    raw.close();
    expect(() => openStore()).toThrow(/newer @credhooks\/sqlite/);
  });
});
