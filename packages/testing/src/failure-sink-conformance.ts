import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { FailedDelivery, FailureSink } from "@credhooks/core";
import type { ConformanceTestApi } from "./store-conformance.js";

/**
 * What `create` of {@link FailureSinkConformanceOptions} returns for each test.
 *
 * @example
 * ```ts
 * const sut: SinkUnderTest = { sink: new MemoryFailureSink() };
 * ```
 */
export interface SinkUnderTest {
  readonly sink: FailureSink;
  /** Called after the test, passed or failed. */
  readonly close?: (() => void | Promise<void>) | undefined;
}

/**
 * Options of {@link failureSinkConformance}.
 *
 * @example
 * ```ts
 * const options: FailureSinkConformanceOptions = { name: "MemoryFailureSink", create: () => ({ sink: new MemoryFailureSink() }) };
 * ```
 */
export interface FailureSinkConformanceOptions {
  /** Names the suite: `FailureSink conformance: <name>`. */
  readonly name: string;
  /**
   * Makes the sink of one test (called once per test). It may return a shared sink: every
   * test uses keys of its own and looks only at its own entries in `list()`.
   */
  readonly create: () => SinkUnderTest | Promise<SinkUnderTest>;
}

/**
 * Registers the conformance tests of a {@link FailureSink} (where credhooks keeps
 * deliveries it could not handle) with your test framework: `put` replaces by key, `get`,
 * `list`, `delete`, and an entry comes back whole — every field, unicode text, nested
 * payloads. A sink that serializes may return an `undefined` field as absent. Results may
 * be sync or async: every call is awaited.
 *
 * @example
 * ```ts
 * import { describe, it } from "vitest";
 * import { failureSinkConformance } from "@credhooks/testing";
 *
 * failureSinkConformance({ describe, it }, {
 *   name: "MySink",
 *   create: () => {
 *     const sink = new MySink({ namespace: `test-${crypto.randomUUID()}` });
 *     return { sink, close: () => sink.close() };
 *   },
 * });
 * ```
 */
export function failureSinkConformance(t: ConformanceTestApi, options: FailureSinkConformanceOptions): void {
  const run = randomUUID().slice(0, 8);
  let tests = 0;

  const test = (name: string, body: (sink: FailureSink, key: (label?: string) => string) => Promise<void>): void => {
    t.it(name, async () => {
      const sut = await options.create();
      const n = ++tests;
      let labels = 0;
      try {
        await body(sut.sink, (label = "k") => `conformance:${run}:${n}:${++labels}:${label}`);
      } finally {
        await sut.close?.();
      }
    });
  };

  t.describe(`FailureSink conformance: ${options.name}`, () => {
    test("answers undefined for an unknown key, and deletes an unknown key without complaint", async (sink, key) => {
      const k = key();
      assert.equal(await sink.get(k), undefined);
      await sink.delete(k);
      assert.deepEqual(mine(await sink.list(), [k]), []);
    });

    test("pages list({ limit, after }) in key order: every entry once, no page longer than the limit", async (sink, key) => {
      const keys = ["c", "a", "e", "b", "d"].map((label) => key(label));
      for (const k of keys) await sink.put(failedDelivery(k));
      const prefix = keys[0]!.slice(0, keys[0]!.lastIndexOf(":", keys[0]!.lastIndexOf(":") - 1));
      const seen: string[] = [];
      let after: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const page = await sink.list(after === undefined ? { limit: 2 } : { limit: 2, after });
        assert.ok(page.length <= 2, `a page of ${page.length} entries for limit 2`);
        if (page.length === 0) break;
        for (const entry of page) if (entry.key.startsWith(prefix)) seen.push(entry.key);
        after = page[page.length - 1]!.key;
      }
      assert.deepEqual(seen, [...keys].sort());
    });

    test("keeps an entry whole: every field, unicode text, nested payloads", async (sink, key) => {
      const entry = failedDelivery(key("caf\u00e9-🚀"));
      await sink.put(entry);
      assertSameEntry(await sink.get(entry.key), entry);
      const listed = mine(await sink.list(), [entry.key]);
      assert.equal(listed.length, 1);
      assertSameEntry(listed[0], entry);
    });

    test("keeps an entry without tenant or event name", async (sink, key) => {
      const entry: FailedDelivery = { ...failedDelivery(key()), tenantId: undefined, name: undefined, payload: null, reason: "unhandled" };
      await sink.put(entry);
      assertSameEntry(await sink.get(entry.key), entry);
    });

    test("replaces the entry of the same key on put", async (sink, key) => {
      const k = key();
      const first = failedDelivery(k);
      await sink.put(first);
      const second: FailedDelivery = { ...first, attempts: 2, reason: "failed-after-response", error: "Error: second — 二度目", lastFailedAt: "2025-01-02T03:04:05.678Z" };
      await sink.put(second);
      assertSameEntry(await sink.get(k), second);
      const listed = mine(await sink.list(), [k]);
      assert.equal(listed.length, 1, "one entry per key");
      assertSameEntry(listed[0], second);
    });

    test("lists every entry and deletes one only", async (sink, key) => {
      const keys = [key("a"), key("b"), key("c")];
      const entries = keys.map((k, i) => ({ ...failedDelivery(k), attempts: i + 1 }));
      for (const entry of entries) await sink.put(entry);
      const listed = mine(await sink.list(), keys);
      assert.deepEqual(listed.map((entry) => entry.key).sort(), [...keys].sort());
      for (const entry of entries) assertSameEntry(listed.find((candidate) => candidate.key === entry.key), entry);
      await sink.delete(keys[1]!);
      assert.equal(await sink.get(keys[1]!), undefined);
      assertSameEntry(await sink.get(keys[0]!), entries[0]!);
      assert.deepEqual(mine(await sink.list(), keys).map((entry) => entry.key).sort(), [keys[0], keys[2]].sort());
    });

    test("tells keys apart exactly: long keys sharing a prefix, composed and decomposed forms", async (sink, key) => {
      const long = key("x".repeat(300));
      const composed = key("caf\u00e9");
      const keys = [`${long}a`, `${long}b`, composed, composed.normalize("NFD")];
      for (const [i, k] of keys.entries()) await sink.put({ ...failedDelivery(k), attempts: i + 1 });
      for (const [i, k] of keys.entries()) assert.equal((await sink.get(k))?.attempts, i + 1, `entry ${i}`);
      assert.equal(mine(await sink.list(), keys).length, keys.length);
    });

    test("keeps 50 entries put concurrently", async (sink, key) => {
      const entries = Array.from({ length: 50 }, (_, i) => failedDelivery(key(`e${i}`)));
      await Promise.all(entries.map((entry) => sink.put(entry)));
      const listed = mine(
        await sink.list(),
        entries.map((entry) => entry.key),
      );
      assert.equal(listed.length, entries.length);
    });
  });
}

/** The entries of `list` with one of `keys` (a shared sink holds others). */
function mine(list: readonly FailedDelivery[], keys: readonly string[]): FailedDelivery[] {
  assert.ok(Array.isArray(list), "list() returns an array");
  const wanted = new Set(keys);
  return list.filter((entry) => wanted.has(entry.key));
}

/** Equal as a serializing sink would return it: an `undefined` field may come back absent. */
function assertSameEntry(actual: FailedDelivery | undefined, expected: FailedDelivery): void {
  assert.ok(actual !== undefined, `an entry for ${expected.key}`);
  assert.deepStrictEqual(withoutUndefined(actual), withoutUndefined(expected));
}

function withoutUndefined(entry: FailedDelivery): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined));
}

function failedDelivery(key: string): FailedDelivery {
  return {
    key,
    provider: "acapy",
    tenantId: "ténant-🏢",
    name: "issue_credential_v2_0.done",
    dedupeId: "wallet-1:ex-1:done",
    payload: {
      topic: "issue_credential_v2_0",
      state: "done",
      walletId: "wallet-1",
      record: {
        cred_ex_id: "ex-1",
        comment: "caf\u00e9 cafe\u0301 鍵 👩🏽‍💻 مرحبا \u2028 \"quoted\" \\ \t\n",
        numbers: [0, -1, 2.5, 1e21, Number.MAX_SAFE_INTEGER],
        flags: { yes: true, no: false, nothing: null },
        deep: { a: { b: { c: { d: [[{ e: "🚀" }]] } } } },
        empty: { object: {}, array: [], string: "" },
      },
    },
    raw: { cred_ex_id: "ex-1", state: "done", by_format: { "ld_proof": { "@context": ["https://www.w3.org/2018/credentials/v1"] } } },
    reason: "handler-failed",
    error: "TypeError: Cannot read properties of undefined (reading 'ünïcödé')\n    at handler (file:///app/handlers.js:12:3)",
    attempts: 1,
    firstFailedAt: "2025-01-01T00:00:00.000Z",
    lastFailedAt: "2025-01-01T00:00:00.000Z",
  };
}
