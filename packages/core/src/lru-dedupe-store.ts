import { randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { ClaimResult, DedupeStore } from "./dedupe-store.js";

/** An event being processed, or released after a partial failure. */
interface OpenEntry {
  token: string | undefined;
  leaseUntil: number;
  succeeded: Set<string>;
}
/** Done events are stored as the number 1: the smallest value, so a done event costs little memory. */
type Entry = OpenEntry | 1;

/** Options of {@link LruDedupeStore}. */
export interface LruDedupeStoreOptions {
  /** How many events to remember at most (default 100 000). The oldest are forgotten first. */
  max?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/**
 * The default, in-process dedupe store on `lru-cache`. It remembers at most `max` events:
 * at an arrival rate of R events per second it covers `max ÷ R` seconds of redeliveries.
 * Several processes behind a load balancer each have their own: use `@credhooks/redis`.
 *
 * @example
 * ```ts
 * const store = new LruDedupeStore({ max: 1_000_000 });
 * ```
 */
export class LruDedupeStore implements DedupeStore {
  readonly #cache: LRUCache<string, Entry>;
  readonly #now: () => number;

  constructor(options: LruDedupeStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#cache = new LRUCache<string, Entry>({ max: options.max ?? 100_000, ttlAutopurge: false, ttlResolution: 0, perf: { now: this.#now } });
  }

  /** How many events are remembered. */
  get size(): number {
    return this.#cache.size;
  }

  claim(key: string, leaseMs: number): ClaimResult {
    const entry = this.#cache.get(key);
    if (entry === 1) return DONE;
    const now = this.#now();
    if (entry !== undefined && entry.token !== undefined && entry.leaseUntil > now) return IN_FLIGHT;
    const token = randomBytes(9).toString("base64url");
    const succeeded = entry?.succeeded ?? new Set<string>();
    // The lease is also the entry's TTL: a crash leaves an entry that expires by itself.
    this.#cache.set(key, { token, leaseUntil: now + leaseMs, succeeded }, { ttl: Math.max(leaseMs, this.#remainingTtl(key)) });
    return { status: "claimed", token, succeeded: new Set(succeeded) };
  }

  renew(key: string, token: string, leaseMs: number): boolean {
    const entry = this.#owned(key, token);
    if (!entry) return false;
    entry.leaseUntil = this.#now() + leaseMs;
    this.#cache.set(key, entry, { ttl: Math.max(leaseMs, this.#remainingTtl(key)) });
    return true;
  }

  handlerSucceeded(key: string, token: string, handlerId: string, ttlMs: number): void {
    const entry = this.#owned(key, token);
    if (!entry) return;
    entry.succeeded.add(handlerId);
    this.#cache.set(key, entry, { ttl: Math.max(ttlMs, this.#remainingTtl(key)) });
  }

  complete(key: string, token: string, doneTtlMs: number): void {
    if (!this.#owned(key, token)) return;
    this.#cache.set(key, 1, { ttl: doneTtlMs });
  }

  release(key: string, token: string, ttlMs: number): void {
    const entry = this.#owned(key, token);
    if (!entry) return;
    if (entry.succeeded.size === 0) {
      this.#cache.delete(key);
      return;
    }
    entry.token = undefined;
    this.#cache.set(key, entry, { ttl: ttlMs });
  }

  #owned(key: string, token: string): OpenEntry | undefined {
    const entry = this.#cache.get(key);
    return entry !== undefined && entry !== 1 && entry.token === token ? entry : undefined;
  }

  #remainingTtl(key: string): number {
    const remaining = this.#cache.getRemainingTTL(key);
    return Number.isFinite(remaining) && remaining > 0 ? remaining : 0;
  }
}

const DONE: ClaimResult = Object.freeze({ status: "done" });
const IN_FLIGHT: ClaimResult = Object.freeze({ status: "in-flight" });
