import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { FailedDelivery } from "@credhooks/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { keepUntilExit } from "./database.js";
import { createSqliteFailureSink, createSqliteStore, type SqliteFailureSink } from "./index.js";

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

function failed(key: string, overrides: Partial<FailedDelivery> = {}): FailedDelivery {
  return {
    key,
    provider: "lissi",
    tenantId: "ténant-🏢",
    name: "connection:update",
    dedupeId: key.split(":").pop()!,
    payload: { id: key, nested: [{ a: [1, -2.5, 1e21, null, true] }], text: "caf\u00e9 cafe\u0301 鍵 \u2028 \"q\" \\", lone: "\ud800" },
    raw: { id: key, secret: "s3cr3t" },
    reason: "handler-failed",
    error: "Error: boom\n    at handler (file:///app.js:1:1)",
    attempts: 1,
    firstFailedAt: "2025-01-01T00:00:00.000Z",
    lastFailedAt: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
}

let dir: string;
const closers: Array<() => void> = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "credhooks-sqlite-sink-"));
});
afterEach(() => {
  for (const close of closers.splice(0)) close();
  rmSync(dir, { recursive: true, force: true });
});
function sinkOn(path: string, maxEntries?: number): SqliteFailureSink {
  const sink = createSqliteFailureSink(maxEntries === undefined ? { path } : { path, maxEntries });
  closers.push(() => sink.close());
  return sink;
}

describe.skipIf(skip)(suite("SqliteFailureSink"), () => {
  it("round-trips an entry whole; put replaces by key; get, list and delete", () => {
    const sink = sinkOn(":memory:");
    expect(sink.get("lissi:t:e1")).toBeUndefined();
    sink.delete("lissi:t:e1"); // unknown: no complaint
    const first = failed("lissi:t:e1");
    sink.put(first);
    expect(sink.get("lissi:t:e1")).toEqual(first);
    const second = { ...first, attempts: 2, error: "again", lastFailedAt: "2025-01-02T00:00:00.000Z" };
    sink.put(second);
    expect(sink.get("lissi:t:e1")).toEqual(second);
    sink.put(failed("lissi:t:e2", { tenantId: undefined, name: undefined, payload: null, reason: "unhandled" }));
    expect(sink.list().map((entry) => [entry.key, entry.attempts])).toEqual([
      ["lissi:t:e1", 2],
      ["lissi:t:e2", 1],
    ]);
    expect(sink.get("lissi:t:e2")).toEqual({ ...failed("lissi:t:e2", { payload: null, reason: "unhandled" }), tenantId: undefined, name: undefined });
    expect(sink.size).toBe(2);
    sink.delete("lissi:t:e1");
    expect(sink.get("lissi:t:e1")).toBeUndefined();
    expect(sink.list().map((entry) => entry.key)).toEqual(["lissi:t:e2"]);
  });

  it("lists oldest first (firstFailedAt, then key) and tells keys apart exactly", () => {
    const sink = sinkOn(":memory:");
    const keys = ["b", "a", "caf\u00e9", "cafe\u0301", "k\ud800", "k\ud801"];
    keys.forEach((key, i) => sink.put(failed(key, { attempts: i + 1, firstFailedAt: i < 2 ? "2025-02-01T00:00:00.000Z" : "2025-01-01T00:00:00.000Z" })));
    for (const [i, key] of keys.entries()) expect(sink.get(key)?.attempts).toBe(i + 1);
    expect(sink.list().slice(-2).map((entry) => entry.key)).toEqual(["a", "b"]);
    expect(sink.list()).toHaveLength(keys.length);
  });

  it("bounds the entries with maxEntries, dropping the oldest first; a replacement does not count twice", () => {
    const sink = sinkOn(":memory:", 3);
    for (let day = 1; day <= 5; day++) sink.put(failed(`e${day}`, { firstFailedAt: `2025-01-0${day}T00:00:00.000Z` }));
    expect(sink.list().map((entry) => entry.key)).toEqual(["e3", "e4", "e5"]);
    sink.put(failed("e3", { firstFailedAt: "2025-01-03T00:00:00.000Z", attempts: 2 }));
    expect(sink.list().map((entry) => [entry.key, entry.attempts])).toEqual([
      ["e3", 2],
      ["e4", 1],
      ["e5", 1],
    ]);
    expect(sink.maxEntries).toBe(3);
    expect(() => createSqliteFailureSink({ path: ":memory:", maxEntries: 0 })).toThrow(RangeError);
  });

  it("persists entries across a close and a reopen of its own file, created private (0600)", () => {
    const path = join(dir, "failures.db");
    const first = sinkOn(path);
    const entry = failed("lissi:t:e1");
    first.put(entry);
    first.close();
    first.close(); // idempotent
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = sinkOn(path);
    expect(second.get("lissi:t:e1")).toEqual(entry);
    expect(second.list()).toEqual([entry]);
  });

  it("shares a store's connection: the store's file and tables; closing the sink leaves the store open", () => {
    const path = join(dir, "credhooks.db");
    const store = createSqliteStore({ path });
    closers.push(() => store.close());
    const sink = createSqliteFailureSink({ store, maxEntries: 100 });
    sink.put(failed("lissi:t:e1"));
    sink.close();
    expect(store.claim("k", 1000).status).toBe("claimed");
    expect(sink.get("lissi:t:e1")?.key).toBe("lissi:t:e1");
    store.close();
    expect(() => sink.get("lissi:t:e1")).toThrow(/not open/);
    const reopened = sinkOn(path);
    expect(reopened.get("lissi:t:e1")?.key).toBe("lissi:t:e1");
    expect(() => createSqliteFailureSink({ store: {} as never })).toThrow(/SqliteStore/);
  });
});
