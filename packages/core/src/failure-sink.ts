/**
 * Why a delivery was kept in the failure sink.
 *
 * @example
 * ```ts
 * const schemaFailures = (await hooks.failures.list()).filter((failed) => failed.reason === "invalid-payload");
 * ```
 */
export type FailureReason =
  /** Handlers failed and the sender will not redeliver (e.g. Lissi). */
  | "handler-failed"
  /** Handlers failed after credhooks had already answered (response deadline). */
  | "failed-after-response"
  /** The authenticated body did not match the event's schema. */
  | "invalid-payload"
  /** An event name the provider does not know, from a sender that will not redeliver. */
  | "unhandled"
  /** The dedupe store was unreachable and the sender will not redeliver. */
  | "store-unavailable";

/**
 * One authenticated delivery that was not handled to success, kept whole so it can be
 * inspected and replayed. One entry per event: a redelivery updates `attempts`.
 *
 * @example
 * ```ts
 * for (const failed of await hooks.failures.list()) {
 *   console.log(failed.key, failed.name, failed.reason, failed.attempts, failed.error);
 *   if (failed.reason === "handler-failed") await hooks.replay(failed.key);
 * }
 * ```
 */
export interface FailedDelivery {
  /** The dedupe key: provider, tenant and dedupe id. */
  readonly key: string;
  readonly provider: string;
  readonly tenantId: string | undefined;
  /** The event name, when the envelope named one. */
  readonly name: string | undefined;
  readonly dedupeId: string;
  /** The value the schema validates (the typed payload's input). */
  readonly payload: unknown;
  /** The whole decoded body, secrets of the provider removed. */
  readonly raw: unknown;
  readonly reason: FailureReason;
  /** What went wrong, for an operator. Handler error messages are the user's own. */
  readonly error: string;
  readonly attempts: number;
  readonly firstFailedAt: string;
  readonly lastFailedAt: string;
}

/**
 * One page of {@link FailureSink.list}: entries in key order, after a key (Stripe's
 * `starting_after`). A page shorter than `limit` is the last one.
 *
 * @example
 * ```ts
 * let page = await hooks.failures.list({ limit: 100 });
 * while (page.length > 0) {
 *   for (const failed of page) console.log(failed.key, failed.reason);
 *   if (page.length < 100) break;
 *   page = await hooks.failures.list({ limit: 100, after: page.at(-1)!.key });
 * }
 * ```
 */
export interface FailureListOptions {
  /** At most this many entries (at least 1). */
  limit: number;
  /** Only entries whose key sorts after this one: the last key of the previous page. */
  after?: string | undefined;
}

/**
 * Where deliveries that would otherwise be lost are kept (dead letters). Methods may be
 * sync or async.
 *
 * @example
 * ```ts
 * for (const failed of await hooks.failures.list()) console.log(failed.name, failed.error);
 * const firstPage = await hooks.failures.list({ limit: 100 }); // in key order; next: { limit: 100, after: firstPage.at(-1)!.key }
 * ```
 */
export interface FailureSink {
  /** Stores an entry; an existing entry with the same key is replaced (keep `attempts` counting). */
  put(entry: FailedDelivery): void | Promise<void>;
  get(key: string): FailedDelivery | undefined | Promise<FailedDelivery | undefined>;
  /**
   * Without options, every entry (oldest first where the sink knows). With `{ limit, after }`,
   * one page: at most `limit` entries in key order, keys after `after` — a large sink is read
   * a page at a time (`replayAll()` does). A sink that ignores the options returns everything,
   * which `replayAll()` copes with; {@link pageFailures} implements them over an array.
   */
  list(options?: FailureListOptions): readonly FailedDelivery[] | Promise<readonly FailedDelivery[]>;
  delete(key: string): void | Promise<void>;
  /**
   * How many entries the sink holds, if it can tell cheaply: a number (a getter, as
   * {@link MemoryFailureSink}'s and the SQLite sink's `size`) or a method resolving to one
   * (the Redis and PostgreSQL sinks' `size()`). Optional; the OpenTelemetry gauge
   * `credhooks.failures.size` reads it.
   */
  readonly size?: number | (() => number | Promise<number>);
}

/**
 * Bounds of a {@link MemoryFailureSink}.
 *
 * @example
 * ```ts
 * const failures = new MemoryFailureSink({ maxEntries: 1_000, maxBytes: 16 * 1024 * 1024 });
 * ```
 */
export interface MemoryFailureSinkOptions {
  /** Most entries kept (default 10 000). */
  maxEntries?: number;
  /**
   * Most bytes kept, counted as the JSON size of each entry's `payload`, `raw` and `error`
   * (an object shared by `payload` and `raw` counts once). Default 64 MiB.
   */
  maxBytes?: number;
}

/**
 * The default failure sink: an in-memory map, bounded in entries and bytes. It lives as long
 * as the process; use a durable sink (`@credhooks/sqlite`, `@credhooks/redis`) when failed
 * deliveries must survive a restart.
 *
 * **When it is full it refuses, it never drops.** An entry that would pass `maxEntries` or
 * `maxBytes` makes `put` throw an error that says so; kept entries are never evicted (each
 * may be the only copy of an event). credhooks then logs the refusal at error level, reports
 * a `delivery.unkept` metric, and does not answer the sender 2xx for that delivery: an unknown
 * event of a sender that never redelivers is answered 503 `STORE_UNAVAILABLE`, an inbox event
 * whose attempts are used up stays in the inbox, a schema failure is answered its 400. A
 * redelivery of an event already kept replaces its entry and is accepted when the entry's
 * new size fits. Replay or delete entries (`hooks.replayAll()`, `hooks.failures.delete(key)`)
 * to make room.
 *
 * @example
 * ```ts
 * const failures = new MemoryFailureSink({ maxEntries: 1_000 });
 * const hooks = createWebhooks({ provider, failures });
 * console.log(failures.size, failures.bytes); // for a dashboard
 * ```
 */
export class MemoryFailureSink implements FailureSink {
  /** The most entries kept. */
  readonly maxEntries: number;
  /** The most bytes kept (JSON size of payload, raw and error). */
  readonly maxBytes: number;
  readonly #entries = new Map<string, { entry: FailedDelivery; bytes: number }>();
  #bytes = 0;
  constructor(options: MemoryFailureSinkOptions = {}) {
    this.maxEntries = bound(options.maxEntries, DEFAULT_MAX_ENTRIES, "maxEntries");
    this.maxBytes = bound(options.maxBytes, DEFAULT_MAX_BYTES, "maxBytes");
  }
  /** Entries kept now. */
  get size(): number {
    return this.#entries.size;
  }
  /** Bytes kept now (as counted against `maxBytes`). */
  get bytes(): number {
    return this.#bytes;
  }
  /** Stores an entry, or throws when it does not fit (nothing is evicted to make room). */
  put(entry: FailedDelivery): void {
    const bytes = entrySize(entry);
    const previous = this.#entries.get(entry.key);
    const entries = this.#entries.size + (previous ? 0 : 1);
    const total = this.#bytes - (previous?.bytes ?? 0) + bytes;
    if (entries > this.maxEntries || total > this.maxBytes) {
      const what = entries > this.maxEntries ? `${this.maxEntries} entries` : `${this.maxBytes} bytes (this entry: ${bytes})`;
      throw new Error(
        `credhooks: the in-memory failure sink is full (${what}), so the ${entry.reason} delivery ${JSON.stringify(entry.key.slice(0, 200))} was not kept. ` +
          "Replay or delete kept entries (hooks.replayAll(), hooks.failures.delete(key)), raise new MemoryFailureSink({ maxEntries, maxBytes }), or use a durable sink (@credhooks/sqlite, @credhooks/redis).",
      );
    }
    this.#entries.set(entry.key, { entry, bytes });
    this.#bytes = total;
  }
  get(key: string): FailedDelivery | undefined {
    return this.#entries.get(key)?.entry;
  }
  list(options?: FailureListOptions): readonly FailedDelivery[] {
    const all = Array.from(this.#entries.values(), (kept) => kept.entry);
    return options === undefined ? all : pageFailures(all, options);
  }
  delete(key: string): void {
    const kept = this.#entries.get(key);
    if (!kept) return;
    this.#entries.delete(key);
    this.#bytes -= kept.bytes;
  }
}

const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

function bound(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value >= 1) || !Number.isFinite(value)) throw new TypeError(`MemoryFailureSink: ${name} must be a number of at least 1, got ${String(value)}.`);
  return Math.floor(value);
}

/**
 * The JSON size of an entry's payload, raw body and error, walked without recursion (kept
 * bodies may nest tens of thousands of levels deep); objects reached twice (the payload
 * inside the raw body) count once.
 */
function entrySize(entry: FailedDelivery): number {
  let size = 256 + entry.key.length + entry.error.length + (entry.name?.length ?? 0) + entry.dedupeId.length;
  const seen = new Set<object>();
  const stack: unknown[] = [entry.payload, entry.raw];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") size += value.length + 2;
    else if (typeof value === "number" || typeof value === "bigint") size += 8;
    else if (typeof value === "boolean" || value === null || value === undefined) size += 4;
    else if (typeof value === "object") {
      if (seen.has(value)) continue;
      seen.add(value);
      size += 2;
      if (Array.isArray(value)) {
        size += value.length;
        for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]);
      } else {
        for (const key of Object.keys(value)) {
          size += key.length + 4;
          stack.push((value as Record<string, unknown>)[key]);
        }
      }
    }
  }
  return size;
}

/**
 * One page of entries, as {@link FailureSink.list} returns it for `{ limit, after }`: sorted
 * by key, keys after `after`, at most `limit`. For sinks that hold their entries in an array
 * or a map.
 *
 * @example
 * ```ts
 * const entries = new Map<string, FailedDelivery>();
 * const sink: FailureSink = {
 *   put: (entry) => void entries.set(entry.key, entry),
 *   get: (key) => entries.get(key),
 *   list: (options) => (options === undefined ? [...entries.values()] : pageFailures(entries.values(), options)),
 *   delete: (key) => void entries.delete(key),
 * };
 * ```
 */
export function pageFailures(entries: Iterable<FailedDelivery>, options: FailureListOptions): FailedDelivery[] {
  const limit = Math.max(1, Math.floor(options.limit));
  const after = options.after;
  const sorted = [...entries].filter((entry) => after === undefined || entry.key > after).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return sorted.slice(0, limit);
}
