import { hash, randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { ClaimResult, DedupeStore, DueEntry, InboxWrite } from "./dedupe-store.js";

/** An event being processed, or released after a partial failure. */
interface OpenEntry {
  token: string | undefined;
  leaseUntil: number;
  /** When the cache forgets the entry; tracked here so extending a TTL needs no second lookup. */
  expiresAt: number;
  /** Handlers that succeeded; created on the first success (most events never need it). */
  succeeded: Set<string> | undefined;
}
/** An event in the inbox: held outside the LRU, so it is never evicted or expired before it settles. */
interface InboxEntry {
  readonly key: string;
  queue: string;
  record: string;
  token: string | undefined;
  leaseUntil: number;
  /** When `claimDue` may take it back: the lease end, or the retry time after a failure. */
  dueAt: number;
  attempts: number;
  succeeded: Set<string> | undefined;
}

/** Done events are stored as the number 1: the smallest value, so a done event costs little memory. */
type Entry = OpenEntry | 1;

/** Keys this long or longer are stored as their SHA-256 (32 one-byte characters); shorter ones as they are. */
const HASHED_KEY_LENGTH = 32;

/**
 * Options of {@link LruDedupeStore}.
 *
 * @example
 * ```ts
 * const options: LruDedupeStoreOptions = { max: 1_000_000 }; // ≈ 28 h of redeliveries at 10 events/s
 * createWebhooks({ provider, store: new LruDedupeStore(options) });
 * ```
 */
export interface LruDedupeStoreOptions {
  /** How many events to remember at most (default 100 000). The oldest are forgotten first. */
  max?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/**
 * The default, in-process dedupe store on `lru-cache`. It remembers at most `max` events:
 * at an arrival rate of R events per second it covers `max ÷ R` seconds of redeliveries.
 * A remembered event costs about 120 bytes of heap whatever the length of its key (long
 * keys are kept as a fixed-length SHA-256), so 1 000 000 events take about 120 MB.
 * Several processes behind a load balancer each have their own: use `@credhooks/redis`.
 *
 * It implements the inbox in-process: events of senders that never redeliver are kept
 * until their handlers succeed, retried with a backoff, and recovered when a lease runs out
 * (a handler that hangs) — but it survives nothing: a restart loses its inbox. Use a durable
 * store (`@credhooks/sqlite`, `@credhooks/redis`) where that matters; `durable` is `false`.
 *
 * @example
 * ```ts
 * const store = new LruDedupeStore({ max: 1_000_000 });
 * ```
 */
export class LruDedupeStore implements DedupeStore {
  /** In-process only: the inbox dies with the process. */
  readonly durable = false;
  readonly #cache: LRUCache<string, Entry>;
  readonly #inbox = new Map<string, InboxEntry>();
  readonly #now: () => number;
  // Tokens only tell this store's claim holders apart, so a counter is enough (no entropy
  // needed per claim); the random prefix keeps tokens of two stores in one process apart.
  readonly #tokenPrefix = randomBytes(6).toString("base64url") + ".";
  #claims = 0;
  // The core passes the same key to claim, handlerSucceeded and complete of one event.
  #lastKey: string | undefined;
  #lastSlot = "";

  constructor(options: LruDedupeStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#cache = new LRUCache<string, Entry>({ max: options.max ?? 100_000, ttlAutopurge: false, ttlResolution: 0, perf: { now: this.#now } });
  }

  /** How many events are remembered. */
  get size(): number {
    return this.#cache.size;
  }

  claim(key: string, leaseMs: number, inbox?: InboxWrite): ClaimResult {
    const slot = this.#slot(key);
    const queued = this.#inbox.size === 0 ? undefined : this.#inbox.get(slot);
    if (queued !== undefined) {
      const now = this.#now();
      if (queued.token !== undefined && queued.leaseUntil > now) return IN_FLIGHT;
      if (inbox) {
        queued.queue = inbox.queue;
        queued.record = inbox.record;
      }
      return this.#claimQueued(queued, now, leaseMs);
    }
    const entry = this.#cache.get(slot);
    if (entry === 1) return DONE;
    const now = this.#now();
    if (entry !== undefined && entry.token !== undefined && entry.leaseUntil > now) return IN_FLIGHT;
    const token = this.#tokenPrefix + (++this.#claims).toString(36);
    const succeeded = entry?.succeeded;
    if (inbox) {
      // Into the inbox, out of the LRU: an inbox entry must not be evicted or expire.
      if (entry !== undefined) this.#cache.delete(slot);
      const queuedEntry: InboxEntry = { key, queue: inbox.queue, record: inbox.record, token, leaseUntil: now + leaseMs, dueAt: now + leaseMs, attempts: 1, succeeded };
      this.#inbox.set(slot, queuedEntry);
      return { status: "claimed", token, succeeded: new Set(succeeded), attempts: 1 };
    }
    // The lease is also the entry's TTL: a crash leaves an entry that expires by itself.
    const ttl = Math.max(leaseMs, entry === undefined ? 0 : entry.expiresAt - now);
    this.#cache.set(slot, { token, leaseUntil: now + leaseMs, expiresAt: now + ttl, succeeded }, { ttl });
    return { status: "claimed", token, succeeded: new Set(succeeded) };
  }

  renew(key: string, token: string, leaseMs: number): boolean {
    const slot = this.#slot(key);
    const queued = this.#queuedOwned(slot, token);
    if (queued) {
      queued.leaseUntil = queued.dueAt = this.#now() + leaseMs;
      return true;
    }
    const entry = this.#owned(slot, token);
    if (!entry) return false;
    entry.leaseUntil = this.#now() + leaseMs;
    this.#extend(slot, entry, leaseMs);
    return true;
  }

  handlerSucceeded(key: string, token: string, handlerId: string, ttlMs: number): void {
    const slot = this.#slot(key);
    const queued = this.#queuedOwned(slot, token);
    if (queued) {
      (queued.succeeded ??= new Set()).add(handlerId);
      return;
    }
    const entry = this.#owned(slot, token);
    if (!entry) return;
    (entry.succeeded ??= new Set()).add(handlerId);
    this.#extend(slot, entry, ttlMs);
  }

  complete(key: string, token: string, doneTtlMs: number): void {
    const slot = this.#slot(key);
    if (this.#queuedOwned(slot, token)) {
      this.#inbox.delete(slot);
      this.#cache.set(slot, 1, { ttl: doneTtlMs });
      return;
    }
    if (!this.#owned(slot, token)) return;
    this.#cache.set(slot, 1, { ttl: doneTtlMs });
  }

  release(key: string, token: string, ttlMs: number, retryInMs?: number): void {
    const slot = this.#slot(key);
    const queued = this.#queuedOwned(slot, token);
    if (queued) {
      const now = this.#now();
      if (retryInMs !== undefined) {
        queued.token = undefined;
        queued.dueAt = now + Math.max(0, retryInMs);
        return;
      }
      // Out of the inbox (moved to the failure sink): only the handler successes stay.
      this.#inbox.delete(slot);
      if (queued.succeeded !== undefined && queued.succeeded.size > 0) {
        this.#cache.set(slot, { token: undefined, leaseUntil: 0, expiresAt: now + ttlMs, succeeded: queued.succeeded }, { ttl: ttlMs });
      }
      return;
    }
    const entry = this.#owned(slot, token);
    if (!entry) return;
    if (entry.succeeded === undefined || entry.succeeded.size === 0) {
      this.#cache.delete(slot);
      return;
    }
    entry.token = undefined;
    entry.expiresAt = this.#now() + ttlMs;
    this.#cache.set(slot, entry, { ttl: ttlMs });
  }

  claimDue(queue: string, leaseMs: number, limit: number): DueEntry[] {
    const due: DueEntry[] = [];
    if (this.#inbox.size === 0) return due;
    const now = this.#now();
    for (const queued of this.#inbox.values()) {
      if (due.length >= limit) break;
      if (queued.queue !== queue || queued.dueAt > now || (queued.token !== undefined && queued.leaseUntil > now)) continue;
      const claimed = this.#claimQueued(queued, now, leaseMs);
      due.push({ key: queued.key, token: claimed.token, record: queued.record, succeeded: claimed.succeeded, attempts: claimed.attempts });
    }
    return due;
  }

  inboxSize(queue: string): number {
    let size = 0;
    for (const queued of this.#inbox.values()) if (queued.queue === queue) size++;
    return size;
  }

  #claimQueued(queued: InboxEntry, now: number, leaseMs: number): { status: "claimed"; token: string; succeeded: ReadonlySet<string>; attempts: number } {
    const token = this.#tokenPrefix + (++this.#claims).toString(36);
    queued.token = token;
    queued.leaseUntil = queued.dueAt = now + leaseMs;
    queued.attempts++;
    return { status: "claimed", token, succeeded: new Set(queued.succeeded), attempts: queued.attempts };
  }

  #queuedOwned(slot: string, token: string): InboxEntry | undefined {
    if (this.#inbox.size === 0) return undefined;
    const queued = this.#inbox.get(slot);
    return queued !== undefined && queued.token === token ? queued : undefined;
  }

  /** Keeps the entry at least `ttlMs` longer (never shortens it). */
  #extend(slot: string, entry: OpenEntry, ttlMs: number): void {
    const now = this.#now();
    const ttl = Math.max(ttlMs, entry.expiresAt - now);
    entry.expiresAt = now + ttl;
    this.#cache.set(slot, entry, { ttl });
  }

  #owned(slot: string, token: string): OpenEntry | undefined {
    const entry = this.#cache.get(slot);
    return entry !== undefined && entry !== 1 && entry.token === token ? entry : undefined;
  }

  /**
   * The cache key of an event key. Dedupe keys embed sender ids and timestamps (often
   * 60–120 characters); stored as a SHA-256 in 32 one-byte characters they cost the same
   * whatever their length. Shorter keys are kept as they are: they cannot collide with a
   * digest, whose length is exactly 32.
   */
  #slot(key: string): string {
    if (key.length < HASHED_KEY_LENGTH) return key;
    if (key !== this.#lastKey) {
      this.#lastSlot = hash("sha256", key, "binary"); // "binary" is latin1: one character per byte
      this.#lastKey = key;
    }
    return this.#lastSlot;
  }
}

const DONE: ClaimResult = Object.freeze({ status: "done" });
const IN_FLIGHT: ClaimResult = Object.freeze({ status: "in-flight" });
