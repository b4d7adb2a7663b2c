import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { ClaimResult, DedupeStore, DueEntry, InboxWrite } from "@credhooks/core";

type Claimed = Extract<ClaimResult, { status: "claimed" }>;

/**
 * The two functions of a test framework the conformance suites register their tests with:
 * vitest's, jest's, mocha's and `node:test`'s `describe` and `it` all fit. The suites never
 * import a test framework; they assert with `node:assert/strict`.
 *
 * @example
 * ```ts
 * import { describe, it } from "node:test"; // or "vitest", or jest's globals
 * const api: ConformanceTestApi = { describe, it };
 * storeConformance(api, { name: "my store", create: () => ({ store: new MyStore() }), inbox: false });
 * ```
 */
export interface ConformanceTestApi {
  /** Groups tests: called with a name and a body that registers tests synchronously. */
  describe(name: string, body: () => void): unknown;
  /** Registers one test: its body resolves when it passed and rejects when it failed. */
  it(name: string, body: () => Promise<void>): unknown;
}

/**
 * What `create` of {@link StoreConformanceOptions} returns for each test: the store, and
 * how to move its clock and to close it.
 *
 * @example
 * ```ts
 * let now = 1_000_000;
 * const sut: StoreUnderTest = { store: new LruDedupeStore({ now: () => now }), advance: (ms) => { now += ms; } };
 * ```
 */
export interface StoreUnderTest {
  readonly store: DedupeStore;
  /**
   * Moves the store's clock forward by `ms`, for a store with an injected clock: expiry tests
   * then move the clock instead of waiting. Leave it out when the store measures time itself
   * (Redis measures leases on the server's clock): expiry tests then use short real leases
   * and wait for them to run out.
   */
  readonly advance?: ((ms: number) => void | Promise<void>) | undefined;
  /** Called after the test, passed or failed (disconnect, delete a temporary file). */
  readonly close?: (() => void | Promise<void>) | undefined;
}

/**
 * Options of {@link storeConformance}.
 *
 * @example
 * ```ts
 * const options: StoreConformanceOptions = {
 *   name: "RedisDedupeStore",
 *   create: async () => {
 *     const store = createRedisStore({ url, keyPrefix: `test:${randomUUID()}:` });
 *     await store.ready();
 *     return { store, close: () => store.close() };
 *   },
 *   inbox: false,
 *   durable: true,
 * };
 * ```
 */
export interface StoreConformanceOptions {
  /** Names the suite: `DedupeStore conformance: <name>`. */
  readonly name: string;
  /**
   * Makes the store of one test (called once per test). It may return a shared store: every
   * test uses keys and queues of its own, so a store need not be empty.
   */
  readonly create: () => StoreUnderTest | Promise<StoreUnderTest>;
  /** Whether the store implements the inbox (`claimDue`, `inboxSize`): the inbox tests run only then. */
  readonly inbox: boolean;
  /** When given, a test checks that the store declares `durable` so (undefined counts as `false`). */
  readonly durable?: boolean | undefined;
  /**
   * Without `advance`: the real lease, TTL or retry delay, in ms, that tests wait to run out
   * (default 150). Raise it for a store whose clock is coarse.
   */
  readonly shortMs?: number | undefined;
  /**
   * Without `advance`: how long, in ms, a test polls for an expired lease (or TTL, or retry
   * delay) to show, after having waited for it (default 4000).
   */
  readonly eventuallyMs?: number | undefined;
}

/** A lease or TTL no test waits for: it never runs out during a test. */
const LONG = 60_000;
/** The done TTL of tests that keep the done marker. */
const DONE_TTL = 3_600_000;
/** The TTL of handler successes, where it does not matter. */
const TTL = 60_000;
const DAY = 86_400_000;

/** What each test gets: the store, its own keys and queues, and the time helpers. */
interface Context {
  readonly store: DedupeStore;
  /** Whether the clock is injected (`advance` given). */
  readonly injected: boolean;
  /** A lease (TTL, delay) that runs out during the test: 1000 on an injected clock, else `shortMs`. */
  readonly short: number;
  /**
   * A lease that must outlive a few store calls, then run out: 1000 on an injected clock,
   * else at least 2 s (real leases shorter than that may run out between two calls on a
   * loaded machine).
   */
  readonly brief: number;
  /** A fresh dedupe key, unique to this run and test. */
  key(label?: string): string;
  /** A fresh inbox queue. */
  queue(label?: string): string;
  /** Lets `ms` pass: moves the injected clock, or waits. */
  pass(ms: number): Promise<void>;
  /**
   * Calls `probe` until `ready` holds: once on an injected clock (time does not move
   * between calls), else every 20 ms until the deadline. `probe` must have no effect while
   * not ready (a claim that is not `claimed`, a `claimDue` that returns nothing).
   */
  eventually<T>(what: string, probe: () => T | Promise<T>, ready: (value: T) => boolean): Promise<T>;
}

/**
 * Registers the conformance tests of a {@link DedupeStore} (the contract every store of
 * credhooks follows) with your test framework: claims, leases, renewal, settlement by stale
 * owners, release and handler successes, expiry, done TTLs, concurrent claims and, for stores
 * with an inbox, `claimDue` / `inboxSize` / `release` with a retry delay. It also checks
 * {@link faultyStore} around your store. Results may be sync or async: every call is awaited.
 *
 * With `advance` (an injected clock) expiry tests move the clock; without it they use short
 * real leases (`shortMs`) and poll with a deadline, and never assert that a lease shorter
 * than 2 s is still alive. Run time: well under a second with an injected clock, about 15 s
 * against a real clock (no passing test over about 2.5 s; a per-test timeout above
 * `eventuallyMs` + 3 s lets a failing test report the suite's own message).
 *
 * @example
 * ```ts
 * import { describe, it } from "vitest";
 * import { storeConformance } from "@credhooks/testing";
 *
 * storeConformance({ describe, it }, {
 *   name: "MyStore",
 *   create: async () => {
 *     const store = await MyStore.open(":memory:");
 *     return { store, close: () => store.close() };
 *   },
 *   inbox: true,
 *   durable: true,
 * });
 * ```
 */
export function storeConformance(t: ConformanceTestApi, options: StoreConformanceOptions): void {
  const run = randomUUID().slice(0, 8);
  let tests = 0;
  const shortMs = options.shortMs ?? 150;
  const eventuallyMs = options.eventuallyMs ?? 4000;

  const test = (name: string, body: (c: Context) => Promise<void>): void => {
    t.it(name, async () => {
      const sut = await options.create();
      const n = ++tests;
      let labels = 0;
      const advance = sut.advance;
      const c: Context = {
        store: sut.store,
        injected: advance !== undefined,
        short: advance ? 1000 : shortMs,
        brief: advance ? 1000 : Math.max(2000, shortMs),
        key: (label = "k") => `conformance:${run}:${n}:${++labels}:${label}`,
        queue: (label = "q") => `conformance-${run}-${n}-${++labels}-${label}`,
        pass: async (ms) => {
          if (advance) await advance(ms);
          else await sleep(ms);
        },
        eventually: async (what, probe, ready) => {
          const deadline = Date.now() + eventuallyMs;
          for (;;) {
            const value = await probe();
            if (ready(value)) return value;
            if (advance) assert.fail(`expected ${what} (clock moved, but it did not happen)`);
            if (Date.now() > deadline) assert.fail(`expected ${what} within ${eventuallyMs} ms`);
            await sleep(20);
          }
        },
      };
      try {
        await body(c);
      } finally {
        await sut.close?.();
      }
    });
  };

  t.describe(`DedupeStore conformance: ${options.name}`, () => {
    t.describe("claims", () => {
      test("claims a new event; another claim of it is in flight while the lease lives", async ({ store, key }) => {
        const k = key();
        const first = claimed(await store.claim(k, LONG), "the first claim");
        assert.equal(typeof first.token, "string");
        assert.ok(first.token.length > 0, "the token is not empty");
        assert.deepEqual(ids(first.succeeded), [], "a new event has no handler successes");
        assert.equal(first.attempts ?? 0, 0, "a claim without an inbox record counts no attempt");
        assert.equal((await store.claim(k, LONG)).status, "in-flight");
        assert.equal((await store.claim(k, 1)).status, "in-flight", "a new claim's lease does not matter");
      });

      test("makes every later claim done once the event is complete", async ({ store, key }) => {
        const k = key();
        const first = claimed(await store.claim(k, LONG));
        await store.complete(k, first.token, DONE_TTL);
        assert.equal((await store.claim(k, LONG)).status, "done");
        assert.equal((await store.claim(k, LONG)).status, "done");
        // Settling again with the same token changes nothing.
        await store.renew(k, first.token, LONG);
        await store.handlerSucceeded(k, first.token, "late#0", TTL);
        await store.release(k, first.token, TTL);
        assert.equal((await store.claim(k, LONG)).status, "done", "a done event stays done whatever its old owner does");
      });

      test("tells keys apart exactly: long keys sharing a prefix, unicode keys, composed and decomposed forms", async ({ store, key }) => {
        const long = key("x".repeat(300));
        const composed = key("caf\u00e9-🚀-鍵");
        const decomposed = composed.normalize("NFD");
        assert.notEqual(composed, decomposed);
        const a = claimed(await store.claim(`${long}a`, LONG));
        await store.complete(`${long}a`, a.token, DONE_TTL);
        claimed(await store.claim(`${long}b`, LONG), "a long key differing from a done one in its last character");
        claimed(await store.claim(composed, LONG), "a unicode key");
        claimed(await store.claim(decomposed, LONG), "the same text decomposed (another key)");
        assert.equal((await store.claim(`${long}a`, LONG)).status, "done");
        assert.equal((await store.claim(composed, LONG)).status, "in-flight");
      });

      test("gives exactly one of 100 concurrent claims of one event", async ({ store, key }) => {
        const k = key();
        const results = await Promise.all(Array.from({ length: 100 }, () => store.claim(k, LONG)));
        assert.equal(results.filter((result) => result.status === "claimed").length, 1, "exactly one claim wins");
        assert.equal(results.filter((result) => result.status === "in-flight").length, 99, "every other claim is in flight");
      });

      test("claims 50 events concurrently, each with its own token", async ({ store, key }) => {
        const keys = Array.from({ length: 50 }, (_, i) => key(`e${i}`));
        const results = await Promise.all(keys.map((k) => store.claim(k, LONG)));
        const tokens = results.map((result, i) => claimed(result, `the claim of event ${i}`).token);
        assert.equal(new Set(tokens).size, tokens.length, "tokens are unique");
      });
    });

    t.describe("ownership", () => {
      test("renews the lease of its owner only", async ({ store, key }) => {
        const k = key();
        const owner = claimed(await store.claim(k, LONG));
        assert.equal(await store.renew(k, owner.token, LONG), true, "the owner renews");
        assert.equal(await store.renew(k, `${owner.token}-not`, LONG), false, "another token does not");
        assert.equal(await store.renew(key("never-claimed"), owner.token, LONG), false, "nor does a key nobody claimed");
        assert.equal((await store.claim(k, LONG)).status, "in-flight");
        assert.equal(await store.renew(k, owner.token, LONG), true, "the owner still owns it");
      });

      test("keeps a renewed lease past its first term", async ({ store, key, brief, pass }) => {
        const k = key();
        const owner = claimed(await store.claim(k, brief));
        assert.equal(await store.renew(k, owner.token, LONG), true);
        await pass(brief + 1);
        assert.equal((await store.claim(k, LONG)).status, "in-flight", "the renewed lease lives on");
        assert.equal(await store.renew(k, owner.token, LONG), true);
      });

      test("settles nothing with a token that does not own the event", async ({ store, key }) => {
        const k = key();
        const owner = claimed(await store.claim(k, LONG));
        const other = `${owner.token}-not`;
        await store.handlerSucceeded(k, other, "intruder#0", TTL);
        await store.complete(k, other, DONE_TTL);
        assert.equal((await store.claim(k, LONG)).status, "in-flight", "complete by a non-owner is ignored");
        await store.release(k, other, TTL);
        assert.equal((await store.claim(k, LONG)).status, "in-flight", "release by a non-owner is ignored");
        await store.release(k, owner.token, TTL);
        const next = claimed(await store.claim(k, LONG));
        assert.deepEqual(ids(next.succeeded), [], "handlerSucceeded by a non-owner is ignored");
      });

      test("ignores a stale owner (its lease ran out and was taken over): renew, handlerSucceeded, complete, release", async (c) => {
        const { store } = c;
        const k = c.key();
        const stale = claimed(await store.claim(k, c.short));
        await c.pass(c.short + 1);
        const fresh = claimed(await c.eventually("the expired lease to be claimable", () => store.claim(k, LONG), claimedStatus));
        assert.notEqual(fresh.token, stale.token, "a new claim gets a new token");
        assert.equal(await store.renew(k, stale.token, LONG), false, "the stale owner's renew fails");
        await store.handlerSucceeded(k, stale.token, "stale#0", TTL);
        await store.complete(k, stale.token, DONE_TTL);
        assert.equal((await store.claim(k, LONG)).status, "in-flight", "the stale owner's complete is ignored");
        await store.release(k, stale.token, TTL);
        assert.equal((await store.claim(k, LONG)).status, "in-flight", "the stale owner's release is ignored");
        assert.equal(await store.renew(k, fresh.token, LONG), true, "the new owner still owns it");
        await store.release(k, fresh.token, TTL);
        const next = claimed(await store.claim(k, LONG));
        assert.deepEqual(ids(next.succeeded), [], "the stale owner's handler success was not recorded");
      });
    });

    t.describe("release and handler successes", () => {
      test("keeps handler successes across a release: the next claim gets them", async ({ store, key }) => {
        const k = key();
        const first = claimed(await store.claim(k, LONG));
        await store.handlerSucceeded(k, first.token, "a#0", TTL);
        await store.handlerSucceeded(k, first.token, "b#1", TTL);
        await store.handlerSucceeded(k, first.token, "a#0", TTL);
        await store.release(k, first.token, TTL);
        const second = claimed(await store.claim(k, LONG), "the claim after a release");
        assert.notEqual(second.token, first.token);
        assert.deepEqual(ids(second.succeeded), ["a#0", "b#1"]);
        await store.handlerSucceeded(k, second.token, "c#2", TTL);
        await store.release(k, second.token, TTL);
        const third = claimed(await store.claim(k, LONG));
        assert.deepEqual(ids(third.succeeded), ["a#0", "b#1", "c#2"]);
        await store.complete(k, third.token, DONE_TTL);
        assert.equal((await store.claim(k, LONG)).status, "done");
      });

      test("forgets an event released without any handler success", async ({ store, key }) => {
        const k = key();
        const first = claimed(await store.claim(k, LONG));
        await store.release(k, first.token, TTL);
        const second = claimed(await store.claim(k, LONG), "a redelivery right after the release");
        assert.deepEqual(ids(second.succeeded), []);
        assert.equal(second.attempts ?? 0, 0);
      });
    });

    t.describe("expiry", () => {
      test("makes an event whose lease ran out claimable again, with its handler successes", async (c) => {
        const { store } = c;
        const k = c.key();
        const first = claimed(await store.claim(k, c.brief));
        await store.handlerSucceeded(k, first.token, "a#0", TTL);
        await c.pass(c.brief + 1);
        const again = claimed(await c.eventually("the expired lease to be claimable", () => store.claim(k, LONG), claimedStatus));
        assert.notEqual(again.token, first.token);
        assert.deepEqual(ids(again.succeeded), ["a#0"], "successes outlive the lease");
      });

      test("keeps a done event for the done TTL, then forgets it", async (c) => {
        const { store } = c;
        const kept = c.key("kept");
        const keptClaim = claimed(await store.claim(kept, LONG));
        await store.complete(kept, keptClaim.token, DONE_TTL);
        const gone = c.key("gone");
        const goneClaim = claimed(await store.claim(gone, LONG));
        await store.complete(gone, goneClaim.token, c.short);
        if (c.injected) {
          await c.pass(c.short - 1);
          assert.equal((await store.claim(gone, LONG)).status, "done", "done within the done TTL");
          await c.pass(2);
        } else {
          await c.pass(c.short + 1);
        }
        claimed(await c.eventually("the done marker to expire after the done TTL", () => store.claim(gone, LONG), claimedStatus));
        assert.equal((await store.claim(kept, LONG)).status, "done");
      });
    });

    if (options.durable !== undefined) {
      const durable = options.durable;
      t.describe("durability", () => {
        test(`declares durable: ${durable}`, async ({ store }) => {
          assert.equal(store.durable ?? false, durable);
        });
      });
    }

    if (options.inbox) inboxTests(t, test);
    faultyStoreTests(t, test);
  });
}

function inboxTests(t: ConformanceTestApi, test: (name: string, body: (c: Context) => Promise<void>) => void): void {
  t.describe("inbox", () => {
    test("implements claimDue and inboxSize; an unknown queue is empty", async ({ store, queue }) => {
      assert.equal(typeof store.claimDue, "function", "claimDue");
      assert.equal(typeof store.inboxSize, "function", "inboxSize");
      const q = queue();
      assert.equal(await inboxSize(store, q), 0);
      assert.deepEqual(await claimDue(store, q, LONG, 10), []);
    });

    test("writes the event with its claim: one attempt, in the inbox, not due while the lease lives", async ({ store, key, queue }) => {
      const q = queue();
      const k = key();
      const first = claimed(await store.claim(k, LONG, inboxWrite(q, "first")));
      assert.equal(first.attempts, 1, "a claim with an inbox record is attempt 1");
      assert.deepEqual(ids(first.succeeded), []);
      assert.equal(await inboxSize(store, q), 1);
      assert.deepEqual(await claimDue(store, q, LONG, 10), [], "an entry whose lease lives is not due");
      assert.equal((await store.claim(k, LONG, inboxWrite(q, "second"))).status, "in-flight");
      assert.equal(await inboxSize(store, q), 1, "a claim that fails writes nothing");
      claimed(await store.claim(key("plain"), LONG));
      assert.equal(await inboxSize(store, q), 1, "a claim without an inbox record writes nothing to the inbox");
    });

    test("gives back an entry whose lease ran out: the record byte for byte, attempts counted, successes kept", async (c) => {
      const { store } = c;
      const q = c.queue();
      const alive = c.key("alive");
      const crashed = c.key("crashed");
      claimed(await store.claim(alive, LONG, inboxWrite(q, "alive")));
      const write = inboxWrite(q, "crashed");
      const first = claimed(await store.claim(crashed, c.brief, write));
      await store.handlerSucceeded(crashed, first.token, "a#0", c.short);
      await c.pass(c.brief + 1);
      const taken = await c.eventually("the entry to be due once its lease ran out", () => claimDue(store, q, LONG, 10), nonEmpty);
      assert.deepEqual(
        taken.map((entry) => entry.key),
        [crashed],
        "only the entry whose lease ran out is due",
      );
      const entry = taken[0]!;
      assert.ok(entry.record === write.record, "the record comes back byte for byte");
      assert.equal(entry.attempts, 2, "the second attempt");
      assert.deepEqual(ids(entry.succeeded), ["a#0"], "successes are kept while the entry is in the inbox, whatever their TTL");
      assert.equal(typeof entry.token, "string");
      assert.notEqual(entry.token, first.token, "claimDue claims with a new token");
      assert.deepEqual(await claimDue(store, q, LONG, 10), [], "the new lease holds the entry");
      assert.equal((await store.claim(crashed, LONG)).status, "in-flight", "a redelivery finds it in flight");
      assert.equal(await store.renew(crashed, first.token, LONG), false, "the crashed owner's token is stale");
      assert.equal(await store.renew(crashed, entry.token, LONG), true, "the new token owns it");
      assert.equal(await inboxSize(store, q), 2);
      await store.complete(crashed, entry.token, DONE_TTL);
      assert.equal((await store.claim(crashed, LONG)).status, "done");
      assert.equal(await inboxSize(store, q), 1);
    });

    test("counts every attempt of an entry taken back again and again", async (c) => {
      const { store } = c;
      const q = c.queue();
      const k = c.key();
      const write = inboxWrite(q, "again");
      claimed(await store.claim(k, c.short, write));
      await c.pass(c.short + 1);
      const second = await c.eventually("the entry to be due", () => claimDue(store, q, c.short, 10), nonEmpty);
      assert.deepEqual(
        second.map((entry) => [entry.key, entry.attempts]),
        [[k, 2]],
      );
      await c.pass(c.short + 1);
      const third = await c.eventually("the entry to be due again", () => claimDue(store, q, LONG, 10), nonEmpty);
      assert.deepEqual(
        third.map((entry) => [entry.key, entry.attempts]),
        [[k, 3]],
      );
      assert.ok(third[0]!.record === write.record, "the record comes back byte for byte");
      assert.notEqual(third[0]!.token, second[0]!.token);
    });

    test("release with retryInMs: the entry waits in the inbox and is due after the delay, not before", async (c) => {
      const { store } = c;
      const q = c.queue();
      const later = c.key("later");
      const soon = c.key("soon");
      const laterClaim = claimed(await store.claim(later, LONG, inboxWrite(q, "later")));
      const write = inboxWrite(q, "soon");
      const soonClaim = claimed(await store.claim(soon, LONG, write));
      await store.handlerSucceeded(soon, soonClaim.token, "a#0", TTL);
      await store.release(later, laterClaim.token, TTL, LONG);
      await store.release(soon, soonClaim.token, TTL, c.short);
      assert.equal(await inboxSize(store, q), 2, "released with a retry delay, both stay in the inbox");
      if (c.injected) {
        assert.deepEqual(await claimDue(store, q, LONG, 10), [], "not due before the retry delay");
        await c.pass(c.short - 1);
        assert.deepEqual(await claimDue(store, q, LONG, 10), [], "not due before the retry delay");
        await c.pass(2);
      } else {
        // Only the 60 s delay is checked: a real short delay may have passed already.
        await c.pass(c.short + 1);
      }
      const taken = await c.eventually("the entry to be due after its retry delay", () => claimDue(store, q, LONG, 10), nonEmpty);
      assert.deepEqual(
        taken.map((entry) => entry.key),
        [soon],
      );
      assert.ok(taken[0]!.record === write.record, "the record comes back byte for byte");
      assert.equal(taken[0]!.attempts, 2);
      assert.deepEqual(ids(taken[0]!.succeeded), ["a#0"]);
      assert.equal(await inboxSize(store, q), 2);
    });

    test("keeps the successes of an entry waiting for a retry longer than their TTL", async (c) => {
      const { store } = c;
      const q = c.queue();
      const k = c.key();
      const first = claimed(await store.claim(k, LONG, inboxWrite(q, "waits")));
      await store.handlerSucceeded(k, first.token, "a#0", c.short);
      const retry = c.injected ? 10 * DAY : 3 * c.short;
      await store.release(k, first.token, c.short, retry);
      await c.pass(retry + 1);
      const taken = await c.eventually("the entry to be due after its retry delay", () => claimDue(store, q, LONG, 10), nonEmpty);
      assert.deepEqual(
        taken.map((entry) => [entry.key, ids(entry.succeeded)]),
        [[k, ["a#0"]]],
        "an entry in the inbox never expires by itself",
      );
    });

    test("lets a redelivery claim an entry waiting for its retry; the entry stays in the inbox", async (c) => {
      const { store } = c;
      const q = c.queue();
      const k = c.key();
      const write = inboxWrite(q, "redelivered");
      const first = claimed(await store.claim(k, LONG, write));
      await store.handlerSucceeded(k, first.token, "a#0", TTL);
      await store.release(k, first.token, TTL, LONG);
      const redelivery = claimed(await store.claim(k, c.short), "a redelivery (a claim without an inbox record)");
      assert.deepEqual(ids(redelivery.succeeded), ["a#0"]);
      assert.equal(await inboxSize(store, q), 1, "the entry stays in the inbox");
      // The redelivery's process dies: its lease runs out and the entry comes back, record and all.
      await c.pass(c.short + 1);
      const taken = await c.eventually("the entry to be due once the redelivery's lease ran out", () => claimDue(store, q, LONG, 10), nonEmpty);
      assert.deepEqual(
        taken.map((entry) => entry.key),
        [k],
      );
      assert.ok(taken[0]!.record === write.record, "the record comes back byte for byte");
      assert.deepEqual(ids(taken[0]!.succeeded), ["a#0"]);
      assert.ok(taken[0]!.attempts >= 2, "attempts are counted");

      const other = c.key("completed-by-redelivery");
      const otherFirst = claimed(await store.claim(other, LONG, inboxWrite(q, "other")));
      await store.release(other, otherFirst.token, TTL, LONG);
      assert.equal(await inboxSize(store, q), 2);
      const otherRedelivery = claimed(await store.claim(other, LONG));
      await store.complete(other, otherRedelivery.token, DONE_TTL);
      assert.equal(await inboxSize(store, q), 1, "completed by the redelivery, the entry leaves the inbox");
      assert.equal((await store.claim(other, LONG)).status, "done");
    });

    test("takes an entry out of the inbox on a release without retryInMs; its successes stay for the next claim", async (c) => {
      const { store } = c;
      const q = c.queue();
      const partly = c.key("partly-failed");
      const failed = c.key("failed");
      const partlyClaim = claimed(await store.claim(partly, c.brief, inboxWrite(q, "partly")));
      const failedClaim = claimed(await store.claim(failed, c.brief, inboxWrite(q, "failed")));
      await store.handlerSucceeded(partly, partlyClaim.token, "a#0", TTL);
      await store.release(partly, partlyClaim.token, TTL);
      await store.release(failed, failedClaim.token, TTL);
      assert.equal(await inboxSize(store, q), 0);
      await c.pass(c.brief + 1);
      assert.deepEqual(await claimDue(store, q, LONG, 10), [], "a released entry never comes back through claimDue");
      const next = claimed(await store.claim(partly, LONG));
      assert.deepEqual(ids(next.succeeded), ["a#0"]);
      const fresh = claimed(await store.claim(failed, LONG));
      assert.deepEqual(ids(fresh.succeeded), []);
      assert.equal(await inboxSize(store, q), 0);
    });

    test("takes an entry out of the inbox on complete; the event is done", async (c) => {
      const { store } = c;
      const q = c.queue();
      const k = c.key();
      const first = claimed(await store.claim(k, c.brief, inboxWrite(q, "completed")));
      await store.complete(k, first.token, DONE_TTL);
      assert.equal(await inboxSize(store, q), 0);
      assert.equal((await store.claim(k, LONG)).status, "done");
      assert.equal((await store.claim(k, LONG, inboxWrite(q, "again"))).status, "done");
      assert.equal(await inboxSize(store, q), 0, "a claim of a done event writes nothing");
      await c.pass(c.brief + 1);
      assert.deepEqual(await claimDue(store, q, LONG, 10), [], "a completed entry never comes back through claimDue");
    });

    test("keeps queues apart", async (c) => {
      const { store } = c;
      const [q1, q2] = [c.queue("one"), c.queue("two")];
      const [k1, k2] = [c.key("one"), c.key("two")];
      claimed(await store.claim(k1, c.short, inboxWrite(q1, "one")));
      claimed(await store.claim(k2, c.short, inboxWrite(q2, "two")));
      assert.equal(await inboxSize(store, q1), 1);
      assert.equal(await inboxSize(store, q2), 1);
      await c.pass(c.short + 1);
      assert.deepEqual(await claimDue(store, c.queue("other"), LONG, 10), [], "another queue has nothing");
      const one = await c.eventually("the entry of queue one to be due", () => claimDue(store, q1, LONG, 10), nonEmpty);
      assert.deepEqual(
        one.map((entry) => entry.key),
        [k1],
      );
      const two = await c.eventually("the entry of queue two to be due", () => claimDue(store, q2, LONG, 10), nonEmpty);
      assert.deepEqual(
        two.map((entry) => entry.key),
        [k2],
      );
    });

    test("takes at most `limit` entries per claimDue, each once", async (c) => {
      const { store } = c;
      const q = c.queue();
      const keys = Array.from({ length: 5 }, (_, i) => c.key(`e${i}`));
      for (const k of keys) claimed(await store.claim(k, c.short, inboxWrite(q, k)));
      await c.pass(c.short + 1);
      const taken = await drain(c, q, 2, keys.length);
      assert.deepEqual(taken.map((entry) => entry.key).sort(), [...keys].sort());
      for (const entry of taken) assert.ok(entry.record === inboxWrite(q, entry.key).record, "each entry has its own record");
      assert.deepEqual(await claimDue(store, q, LONG, 10), []);
    });

    test("gives concurrent claimDue callers disjoint entries", async (c) => {
      const { store } = c;
      const q = c.queue();
      const keys = Array.from({ length: 20 }, (_, i) => c.key(`e${i}`));
      await Promise.all(keys.map(async (k) => claimed(await store.claim(k, c.short, inboxWrite(q, k)))));
      await c.pass(c.short + 1);
      const batches = await Promise.all(Array.from({ length: 10 }, () => claimDue(store, q, LONG, 4)));
      const concurrent = batches.flat().map((entry) => entry.key);
      assert.equal(new Set(concurrent).size, concurrent.length, "no entry goes to two callers");
      for (const batch of batches) assert.ok(batch.length <= 4, "at most limit entries per call");
      const rest = await drain(c, q, 10, keys.length - concurrent.length);
      const all = [...concurrent, ...rest.map((entry) => entry.key)];
      assert.deepEqual([...all].sort(), [...keys].sort(), "every entry was taken exactly once");
    });

    test("never lets a redelivery and claimDue both own an entry", async (c) => {
      const { store } = c;
      const q = c.queue();
      const keys = Array.from({ length: 10 }, (_, i) => c.key(`e${i}`));
      await Promise.all(keys.map(async (k) => claimed(await store.claim(k, c.short, inboxWrite(q, k)))));
      await c.pass(c.short + 1);
      const [due, claims] = await Promise.all([
        Promise.all(Array.from({ length: 3 }, () => claimDue(store, q, LONG, 10))),
        Promise.all(keys.map((k) => store.claim(k, LONG))),
      ]);
      const owners = new Map<string, number>();
      for (const entry of due.flat()) owners.set(entry.key, (owners.get(entry.key) ?? 0) + 1);
      claims.forEach((result, i) => {
        if (result.status === "claimed") owners.set(keys[i]!, (owners.get(keys[i]!) ?? 0) + 1);
      });
      for (const k of keys) assert.ok((owners.get(k) ?? 0) <= 1, `${k} has one owner at most`);
    });
  });
}

/**
 * The methods of a {@link DedupeStore}, as {@link faultyStore} names them.
 *
 * @example
 * ```ts
 * const down: DedupeStoreMethod[] = ["claim", "renew", "handlerSucceeded", "complete", "release"];
 * const store = faultyStore(new LruDedupeStore(), { fail: down });
 * ```
 */
export type DedupeStoreMethod = "claim" | "renew" | "handlerSucceeded" | "complete" | "release" | "claimDue" | "inboxSize";

/**
 * Which methods of a {@link faultyStore} misbehave, and how: `fail` rejects (an async store
 * whose backend is down), `throw` throws synchronously (a sync store that fails), `hang`
 * returns a promise that never settles (a stalled backend). A method named in several lists
 * throws, else hangs, else fails.
 *
 * @example
 * ```ts
 * const faults: StoreFaults = { hang: ["claim"], error: (method) => new Error(`ECONNRESET in ${method}`) };
 * ```
 */
export interface StoreFaults {
  readonly fail?: readonly DedupeStoreMethod[] | undefined;
  readonly throw?: readonly DedupeStoreMethod[] | undefined;
  readonly hang?: readonly DedupeStoreMethod[] | undefined;
  /** The error to fail or throw with (default: an `Error` naming the method). */
  readonly error?: ((method: DedupeStoreMethod) => Error) | undefined;
}

/**
 * A {@link DedupeStore} made by {@link faultyStore}: every method answers with a promise
 * (or throws, when told to), and the wrapper can be re-configured and inspected.
 *
 * @example
 * ```ts
 * const store = faultyStore(new LruDedupeStore(), { fail: ["claim"] });
 * // … a delivery gets 503 STORE_UNAVAILABLE …
 * store.setFaults({}); // the backend is back
 * console.log(store.calls.claim);
 * ```
 */
export interface FaultyStore extends DedupeStore {
  /** The wrapped store. */
  readonly inner: DedupeStore;
  /** How many times each method was called (faulty calls included). */
  readonly calls: Readonly<Record<DedupeStoreMethod, number>>;
  /** Replaces the faults: `setFaults({})` heals every method (calls already hanging keep hanging). */
  setFaults(faults: StoreFaults): void;
  claim(key: string, leaseMs: number, inbox?: InboxWrite): Promise<ClaimResult>;
  renew(key: string, token: string, leaseMs: number): Promise<boolean>;
  handlerSucceeded(key: string, token: string, handlerId: string, ttlMs: number): Promise<void>;
  complete(key: string, token: string, doneTtlMs: number): Promise<void>;
  release(key: string, token: string, ttlMs: number, retryInMs?: number): Promise<void>;
  claimDue?(queue: string, leaseMs: number, limit: number): Promise<readonly DueEntry[]>;
  inboxSize?(queue: string): Promise<number>;
}

/**
 * Wraps a {@link DedupeStore} so chosen methods throw, reject, or never settle: for tests
 * of what a receiver does when its store is down (503 `STORE_UNAVAILABLE`, the sender
 * retries, no handler runs) or stalled (the request does not hang). Methods not named pass
 * through to `store`, their results as promises (so the wrapper also turns a sync store
 * into an async one). `claimDue` and `inboxSize` exist only when `store` has them, and
 * `durable` is `store`'s.
 *
 * @example
 * ```ts
 * const store = faultyStore(new LruDedupeStore(), { fail: ["claim"] });
 * const hooks = createWebhooks({ provider, store });
 * const res = await hooks.handle(request);
 * expect(res.status).toBe(503); // STORE_UNAVAILABLE
 * ```
 */
export function faultyStore(store: DedupeStore, faults: StoreFaults = {}): FaultyStore {
  let current = faults;
  const calls: Record<DedupeStoreMethod, number> = { claim: 0, renew: 0, handlerSucceeded: 0, complete: 0, release: 0, claimDue: 0, inboxSize: 0 };
  const errorOf = (method: DedupeStoreMethod): Error => current.error?.(method) ?? new Error(`credhooks/testing faultyStore: ${method} failed (an injected fault)`);
  const run = <T>(method: DedupeStoreMethod, call: () => T | Promise<T>): Promise<T> => {
    calls[method] += 1;
    if (current.throw?.includes(method)) throw errorOf(method);
    if (current.hang?.includes(method)) return new Promise<T>(() => undefined);
    if (current.fail?.includes(method)) return Promise.reject(errorOf(method));
    try {
      return Promise.resolve(call());
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return {
    inner: store,
    calls,
    setFaults(next: StoreFaults): void {
      current = next;
    },
    ...(store.durable === undefined ? {} : { durable: store.durable }),
    claim: (key, leaseMs, inbox) => run("claim", () => (inbox === undefined ? store.claim(key, leaseMs) : store.claim(key, leaseMs, inbox))),
    renew: (key, token, leaseMs) => run("renew", () => store.renew(key, token, leaseMs)),
    handlerSucceeded: (key, token, handlerId, ttlMs) => run("handlerSucceeded", () => store.handlerSucceeded(key, token, handlerId, ttlMs)),
    complete: (key, token, doneTtlMs) => run("complete", () => store.complete(key, token, doneTtlMs)),
    release: (key, token, ttlMs, retryInMs) => run("release", () => (retryInMs === undefined ? store.release(key, token, ttlMs) : store.release(key, token, ttlMs, retryInMs))),
    ...(typeof store.claimDue === "function" ? { claimDue: (queue: string, leaseMs: number, limit: number) => run("claimDue", () => store.claimDue!(queue, leaseMs, limit)) } : {}),
    ...(typeof store.inboxSize === "function" ? { inboxSize: (queue: string) => run("inboxSize", () => store.inboxSize!(queue)) } : {}),
  };
}

function faultyStoreTests(t: ConformanceTestApi, test: (name: string, body: (c: Context) => Promise<void>) => void): void {
  t.describe("faultyStore around this store", () => {
    test("passes every call through, as promises, and keeps the store's shape", async ({ store, key }) => {
      const faulty = faultyStore(store);
      assert.equal(faulty.inner, store);
      assert.equal(faulty.durable, store.durable);
      assert.equal(typeof faulty.claimDue, typeof store.claimDue);
      assert.equal(typeof faulty.inboxSize, typeof store.inboxSize);
      const k = key();
      const claiming = faulty.claim(k, LONG);
      assert.ok(claiming instanceof Promise, "claim answers with a promise");
      const owner = claimed(await claiming);
      assert.equal(await faulty.renew(k, owner.token, LONG), true);
      await faulty.handlerSucceeded(k, owner.token, "a#0", TTL);
      await faulty.release(k, owner.token, TTL);
      const again = claimed(await faulty.claim(k, LONG));
      assert.deepEqual(ids(again.succeeded), ["a#0"]);
      await faulty.complete(k, again.token, DONE_TTL);
      assert.equal((await store.claim(k, LONG)).status, "done", "the wrapped store saw every call");
      assert.deepEqual({ ...faulty.calls }, { claim: 2, renew: 1, handlerSucceeded: 1, complete: 1, release: 1, claimDue: 0, inboxSize: 0 });
    });

    test("rejects, throws or hangs the chosen methods without calling the store, and heals", async ({ store, key }) => {
      const faulty = faultyStore(store, { fail: ["claim", "complete"], throw: ["renew"], hang: ["release", "handlerSucceeded"] });
      const k = key();
      await assert.rejects(faulty.claim(k, LONG), /claim/);
      assert.throws(() => faulty.renew(k, "token", LONG), /renew/);
      assert.equal(await settlesWithin(faulty.release(k, "token", TTL), 50), false, "release hangs");
      assert.equal(await settlesWithin(faulty.handlerSucceeded(k, "token", "a#0", TTL), 50), false, "handlerSucceeded hangs");
      assert.deepEqual([faulty.calls.claim, faulty.calls.renew, faulty.calls.release], [1, 1, 1]);
      const owner = claimed(await store.claim(k, LONG), "the store never saw the failed claim");
      await assert.rejects(faulty.complete(k, owner.token, DONE_TTL), /complete/);
      assert.equal((await store.claim(k, LONG)).status, "in-flight", "the store never saw the failed complete");
      const custom = new Error("ECONNRESET");
      faulty.setFaults({ fail: ["claim"], error: () => custom });
      await assert.rejects(faulty.claim(key(), LONG), (error) => error === custom);
      faulty.setFaults({});
      assert.equal(await faulty.renew(k, owner.token, LONG), true, "healed");
      await faulty.complete(k, owner.token, DONE_TTL);
      assert.equal((await faulty.claim(k, LONG)).status, "done");
    });
  });
}

/** Claims every due entry of `queue`, `limit` at a time, until `count` are taken (or the deadline passes). */
async function drain(c: Context, queue: string, limit: number, count: number): Promise<DueEntry[]> {
  const taken: DueEntry[] = [];
  while (taken.length < count) {
    const batch = await c.eventually(`${count - taken.length} more entries to be due`, () => claimDue(c.store, queue, LONG, limit), nonEmpty);
    assert.ok(batch.length <= limit, `at most ${limit} entries per call, got ${batch.length}`);
    taken.push(...batch);
  }
  const keys = taken.map((entry) => entry.key);
  assert.equal(new Set(keys).size, keys.length, "no entry is taken twice");
  return taken;
}

/** A record as the core writes one (JSON), with text that breaks naive encodings, about 40 KB. */
function inboxWrite(queue: string, label: string): InboxWrite {
  const record = JSON.stringify({
    provider: "lissi",
    tenantId: "ténant-🏢",
    name: "connection:update",
    dedupeId: label,
    payload: { id: label, state: "COMPLETED", label: "caf\u00e9 cafe\u0301 鍵 👩🏽‍💻 \u2028\u2029 \"quoted\" \\ \t\n", nested: [{ a: [1, -2.5, 1e21, null, true] }] },
    raw: { padding: "x".repeat(40_000), nul: "\u0000", lone: "\ud800" },
  });
  return { queue, record };
}

function claimed(result: ClaimResult, what = "the claim"): Claimed {
  if (result.status !== "claimed") assert.fail(`${what}: expected "claimed", got "${result.status}"`);
  return result;
}

const claimedStatus = (result: ClaimResult): boolean => result.status === "claimed";
const nonEmpty = (entries: readonly DueEntry[]): boolean => entries.length > 0;
const ids = (set: ReadonlySet<string>): string[] => [...set].sort();

async function claimDue(store: DedupeStore, queue: string, leaseMs: number, limit: number): Promise<readonly DueEntry[]> {
  if (typeof store.claimDue !== "function") assert.fail("the store has no claimDue");
  return store.claimDue(queue, leaseMs, limit);
}

async function inboxSize(store: DedupeStore, queue: string): Promise<number> {
  if (typeof store.inboxSize !== "function") assert.fail("the store has no inboxSize");
  return store.inboxSize(queue);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false))),
  ]);
  clearTimeout(timer);
  return settled;
}
