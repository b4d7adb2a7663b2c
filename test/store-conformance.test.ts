import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LruDedupeStore, MemoryFailureSink, pageFailures, type ClaimResult, type DedupeStore, type DueEntry, type FailedDelivery, type FailureListOptions, type FailureSink, type InboxWrite } from "@credhooks/core";
import { failureSinkConformance, faultyStore, storeConformance, type ConformanceTestApi, type StoreUnderTest } from "@credhooks/testing";

// The store and failure-sink conformance suites of @credhooks/testing, run against the
// in-process defaults (the inbox tests whenever the LRU implements claimDue), and against a
// reference store written from the contract, which also shows that the suite fails stores
// that break it.

const lruHasInbox = typeof new LruDedupeStore().claimDue === "function";

/** An LRU store on a clock the suite moves (lru-cache treats a start time of 0 as "never stale"). */
function lruOnInjectedClock(): StoreUnderTest & { store: LruDedupeStore } {
  let now = 1_000_000;
  return {
    store: new LruDedupeStore({ now: () => now }),
    advance: (ms) => {
      now += ms;
    },
  };
}

storeConformance({ describe, it }, { name: "LruDedupeStore (injected clock)", create: lruOnInjectedClock, inbox: lruHasInbox, durable: false });

storeConformance({ describe, it }, { name: "LruDedupeStore (real clock)", create: () => ({ store: new LruDedupeStore() }), inbox: lruHasInbox });

storeConformance(
  { describe, it },
  {
    name: "LruDedupeStore behind faultyStore without faults (every result a promise)",
    create: () => {
      const sut = lruOnInjectedClock();
      return { ...sut, store: faultyStore(sut.store) };
    },
    inbox: lruHasInbox,
  },
);

/**
 * A straightforward in-memory store with the inbox, written from the contract's doc
 * comments: it runs the suite's inbox tests today and, with one `flaw`, shows that they fail
 * a store that breaks the contract.
 */
class ReferenceStore implements DedupeStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #flaw: Flaw | undefined;

  constructor(now: () => number, flaw?: Flaw) {
    this.#now = now;
    this.#flaw = flaw;
  }

  claim(key: string, leaseMs: number, inbox?: InboxWrite): ClaimResult | Promise<ClaimResult> {
    if (this.#flaw === "racy-claim") {
      // Checks, waits, then writes: concurrent claims all see the event free.
      const free = this.#claimable(key);
      return Promise.resolve().then(() => (free === true ? this.#take(key, leaseMs, inbox) : free));
    }
    const free = this.#claimable(key);
    return free === true ? this.#take(key, leaseMs, inbox) : free;
  }

  renew(key: string, token: string, leaseMs: number): boolean {
    const entry = this.#owned(key, token);
    if (!entry) return false;
    entry.leaseUntil = this.#now() + leaseMs;
    entry.expiresAt = Math.max(entry.expiresAt, entry.leaseUntil);
    if (entry.inbox) entry.inbox.dueAt = entry.leaseUntil;
    return true;
  }

  handlerSucceeded(key: string, token: string, handlerId: string, ttlMs: number): void {
    const entry = this.#owned(key, token);
    if (!entry) return;
    entry.succeeded.add(handlerId);
    entry.expiresAt = Math.max(entry.expiresAt, this.#now() + ttlMs);
  }

  complete(key: string, token: string, doneTtlMs: number): void {
    if (!this.#owned(key, token)) return;
    this.#entries.set(key, { done: true, token: undefined, leaseUntil: 0, expiresAt: this.#now() + doneTtlMs, succeeded: new Set(), inbox: undefined });
  }

  release(key: string, token: string, ttlMs: number, retryInMs?: number): void {
    const entry = this.#owned(key, token);
    if (!entry) return;
    entry.token = undefined;
    if (entry.inbox && retryInMs !== undefined) {
      entry.inbox.dueAt = this.#now() + retryInMs;
      return;
    }
    entry.inbox = undefined;
    if (entry.succeeded.size === 0) this.#entries.delete(key);
    else entry.expiresAt = this.#now() + ttlMs;
  }

  claimDue(queue: string, leaseMs: number, limit: number): DueEntry[] | Promise<DueEntry[]> {
    const now = this.#now();
    const due = [...this.#entries].filter(([, entry]) => entry.inbox?.queue === queue && entry.inbox.dueAt <= now && (entry.token === undefined || entry.leaseUntil <= now)).slice(0, limit);
    const take = (): DueEntry[] =>
      due.map(([key, entry]) => {
        const token = randomUUID();
        entry.token = token;
        entry.leaseUntil = this.#now() + leaseMs;
        entry.inbox!.dueAt = entry.leaseUntil;
        entry.inbox!.attempts += 1;
        const record = this.#flaw === "normalizes-records" ? entry.inbox!.record.normalize("NFC") : entry.inbox!.record;
        return { key, token, record, succeeded: new Set(entry.succeeded), attempts: entry.inbox!.attempts };
      });
    // Racy: finds the due entries, then claims them after a tick (concurrent callers take the same ones).
    return this.#flaw === "racy-claim-due" ? Promise.resolve().then(take) : take();
  }

  inboxSize(queue: string): number {
    return [...this.#entries.values()].filter((entry) => entry.inbox?.queue === queue).length;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && !entry.inbox && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #claimable(key: string): true | ClaimResult {
    const entry = this.#live(key);
    if (entry?.done) return { status: "done" };
    const leaseUntil = this.#flaw === "leases-never-expire" ? Infinity : (entry?.leaseUntil ?? 0);
    if (entry?.token !== undefined && leaseUntil > this.#now()) return { status: "in-flight" };
    return true;
  }

  #take(key: string, leaseMs: number, inbox: InboxWrite | undefined): ClaimResult {
    const now = this.#now();
    const entry: Entry = this.#live(key) ?? { done: false, token: undefined, leaseUntil: 0, expiresAt: 0, succeeded: new Set(), inbox: undefined };
    const token = randomUUID();
    entry.token = token;
    entry.leaseUntil = now + leaseMs;
    entry.expiresAt = Math.max(entry.expiresAt, entry.leaseUntil);
    if (entry.inbox) {
      entry.inbox.dueAt = entry.leaseUntil;
      entry.inbox.attempts += 1;
    } else if (inbox) {
      entry.inbox = { queue: inbox.queue, record: inbox.record, dueAt: entry.leaseUntil, attempts: 1 };
    }
    this.#entries.set(key, entry);
    return { status: "claimed", token, succeeded: new Set(entry.succeeded), attempts: entry.inbox?.attempts ?? 0 };
  }

  #owned(key: string, token: string): Entry | undefined {
    const entry = this.#live(key);
    if (!entry || entry.done) return undefined;
    return this.#flaw === "ignores-tokens" || entry.token === token ? entry : undefined;
  }
}

interface Entry {
  done: boolean;
  token: string | undefined;
  leaseUntil: number;
  expiresAt: number;
  succeeded: Set<string>;
  inbox: { queue: string; record: string; dueAt: number; attempts: number } | undefined;
}

type Flaw = "racy-claim" | "racy-claim-due" | "ignores-tokens" | "leases-never-expire" | "normalizes-records";

function referenceOnInjectedClock(flaw?: Flaw): StoreUnderTest {
  let now = 1_000_000;
  return {
    store: new ReferenceStore(() => now, flaw),
    advance: (ms) => {
      now += ms;
    },
  };
}

storeConformance({ describe, it }, { name: "reference store with an inbox (injected clock)", create: () => referenceOnInjectedClock(), inbox: true });

/** Registers a suite with a test API that collects its tests, then runs them all and names those that failed. */
async function failingTests(register: (t: ConformanceTestApi) => void): Promise<string[]> {
  const tests: Array<[string, () => Promise<void>]> = [];
  const path: string[] = [];
  register({
    describe: (name, body) => {
      path.push(name);
      body();
      path.pop();
    },
    it: (name, body) => tests.push([[...path, name].join(" > "), body]),
  });
  expect(tests.length).toBeGreaterThan(20);
  const failed: string[] = [];
  for (const [name, body] of tests) await body().catch(() => failed.push(name.replace(/^[^>]*> /, "")));
  return failed;
}

describe("the store conformance suite", () => {
  it("passes the reference store, registered through another test API", async () => {
    expect(await failingTests((t) => storeConformance(t, { name: "reference", create: () => referenceOnInjectedClock(), inbox: true }))).toEqual([]);
  });

  it.each<[Flaw, string]>([
    ["racy-claim", "claims > gives exactly one of 100 concurrent claims of one event"],
    ["racy-claim-due", "inbox > gives concurrent claimDue callers disjoint entries"],
    ["ignores-tokens", "ownership > settles nothing with a token that does not own the event"],
    ["ignores-tokens", "ownership > ignores a stale owner (its lease ran out and was taken over): renew, handlerSucceeded, complete, release"],
    ["leases-never-expire", "expiry > makes an event whose lease ran out claimable again, with its handler successes"],
    ["normalizes-records", "inbox > gives back an entry whose lease ran out: the record byte for byte, attempts counted, successes kept"],
  ])("fails a store that is %s: %s", async (flaw, test) => {
    expect(await failingTests((t) => storeConformance(t, { name: flaw, create: () => referenceOnInjectedClock(flaw), inbox: true }))).toContain(test);
  });
});

failureSinkConformance({ describe, it }, { name: "MemoryFailureSink", create: () => ({ sink: new MemoryFailureSink() }) });

/** A sink that keeps entries as JSON text, as a database or Redis does: undefined fields come back absent. */
class JsonFailureSink implements FailureSink {
  readonly #rows = new Map<string, string>();
  async put(entry: FailedDelivery): Promise<void> {
    this.#rows.set(entry.key, JSON.stringify(entry));
  }
  async get(key: string): Promise<FailedDelivery | undefined> {
    const row = this.#rows.get(key);
    return row === undefined ? undefined : (JSON.parse(row) as FailedDelivery);
  }
  async list(options?: FailureListOptions): Promise<FailedDelivery[]> {
    const all = [...this.#rows.values()].map((row) => JSON.parse(row) as FailedDelivery);
    return options === undefined ? all : pageFailures(all, options);
  }
  async delete(key: string): Promise<void> {
    this.#rows.delete(key);
  }
}

const sharedJsonSink = new JsonFailureSink();
failureSinkConformance({ describe, it }, { name: "a JSON sink shared by every test", create: () => ({ sink: sharedJsonSink }) });
