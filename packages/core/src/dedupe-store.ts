/**
 * The outcome of claiming an event.
 * - `claimed`: this delivery owns the event until it completes, releases, or the lease expires.
 *   `succeeded` lists handler ids that already succeeded in an earlier, partly failed attempt.
 *   `attempts` counts the claims of this event while it was in the inbox, this one included
 *   (0 for an event claimed without an inbox record).
 * - `in-flight`: another delivery of the same event holds a live lease.
 * - `done`: the event completed earlier; nothing runs again.
 *
 * @example
 * ```ts
 * const claim = await store.claim("proven:acme:credentials:done:c1", DEFAULT_LEASE_MS);
 * if (claim.status === "claimed") {
 *   await store.complete("proven:acme:credentials:done:c1", claim.token, DEFAULT_DONE_TTL_MS);
 * }
 * ```
 */
export type ClaimResult =
  | { readonly status: "claimed"; readonly token: string; readonly succeeded: ReadonlySet<string>; readonly attempts?: number }
  | { readonly status: "in-flight" }
  | { readonly status: "done" };

/**
 * The event written to the inbox together with its claim: the queue it belongs to (the
 * provider id, so receivers of several providers can share one store) and the event itself,
 * serialized by the core (an opaque string to the store: it never needs to read it).
 *
 * @example
 * ```ts
 * await store.claim(key, leaseMs, { queue: "lissi", record: JSON.stringify(event) });
 * ```
 */
export interface InboxWrite {
  /** Which recoverer may take the event back: `claimDue(queue, …)` returns only its own queue's entries. */
  readonly queue: string;
  /** The event, serialized (provider, tenant, name, dedupe id, payload input, redacted body). */
  readonly record: string;
}

/**
 * An inbox entry taken by {@link DedupeStore.claimDue}: the store has claimed it (a new
 * token, a fresh lease) exactly as `claim` would, so it is settled with the same
 * `renew` / `handlerSucceeded` / `complete` / `release` calls.
 *
 * @example
 * ```ts
 * for (const due of await store.claimDue!("lissi", leaseMs, 10)) console.log(due.key, due.attempts);
 * ```
 */
export interface DueEntry {
  readonly key: string;
  readonly token: string;
  readonly record: string;
  readonly succeeded: ReadonlySet<string>;
  /** Claims of this entry so far, this one included. */
  readonly attempts: number;
}

/**
 * Where credhooks remembers events: a claim with a short in-flight lease, renewed while
 * handlers run, then either `complete` (kept for the long done TTL) or `release`. Handler
 * successes are recorded per event so a redelivery runs only the handlers that failed.
 * Every method may be sync or async; a method that throws makes the core answer 503
 * `STORE_UNAVAILABLE` (before handlers run) so the sender retries.
 *
 * **The inbox.** A store that implements `claimDue` (and says so with `durable` or not)
 * keeps events the core must not lose: `claim` with an {@link InboxWrite} writes the event
 * together with the claim, atomically. While the entry is in the inbox it never expires by
 * itself; it leaves the inbox on `complete` (the body is dropped, the done marker stays) or
 * on a `release` without `retryInMs`. An entry whose lease expired (its process died) or
 * whose retry time has come is taken back by `claimDue`, on any instance, one at a time.
 *
 * @example
 * ```ts
 * const hooks = createWebhooks({ provider, store: new LruDedupeStore({ max: 500_000 }) });
 * ```
 */
export interface DedupeStore {
  /**
   * Whether the store survives the process (Redis, SQLite, PostgreSQL: `true`; the in-process
   * default: `false`). Undefined counts as `false`.
   */
  readonly durable?: boolean;
  /**
   * Claims `key` for `leaseMs`, unless it is done or another live lease holds it. With
   * `inbox`, a successful claim also writes the event to the inbox (in the same atomic
   * step) and counts one attempt; a failed claim writes nothing.
   */
  claim(key: string, leaseMs: number, inbox?: InboxWrite): ClaimResult | Promise<ClaimResult>;
  /** Extends the lease; false when the claim was lost (expired and taken by someone else). */
  renew(key: string, token: string, leaseMs: number): boolean | Promise<boolean>;
  /** Records that one handler succeeded for the event (kept at least `ttlMs`). */
  handlerSucceeded(key: string, token: string, handlerId: string, ttlMs: number): void | Promise<void>;
  /** Marks the event done; duplicates within `doneTtlMs` run nothing. An inbox entry leaves the inbox and its record is dropped. */
  complete(key: string, token: string, doneTtlMs: number): void | Promise<void>;
  /**
   * Drops the lease so a redelivery is processed; handler successes are kept for `ttlMs`.
   * For an entry in the inbox: with `retryInMs` it stays in the inbox and `claimDue` takes
   * it back after that delay; without it, it leaves the inbox (moved to the failure sink).
   */
  release(key: string, token: string, ttlMs: number, retryInMs?: number): void | Promise<void>;
  /**
   * Claims up to `limit` inbox entries of `queue` that are due (lease expired, or retry time
   * reached) and not held by a live lease: each gets a new token, a lease of `leaseMs` and
   * one more attempt. Concurrent callers (many instances) never receive the same entry
   * while its lease lives. Absent on stores without an inbox.
   */
  claimDue?(queue: string, leaseMs: number, limit: number): readonly DueEntry[] | Promise<readonly DueEntry[]>;
  /** How many entries of `queue` are in the inbox (in flight or waiting for a retry). */
  inboxSize?(queue: string): number | Promise<number>;
  /**
   * Runs one handler inside a transaction of the store's database and records the handler's
   * success in that same transaction, so the handler's own writes and its success record
   * commit together or not at all. Rejects, rolling everything back, when `fn` rejects or
   * when the claim is no longer `token`'s. Only stores that share a database with the app
   * implement it (`@credhooks/postgres`); handlers registered with `{ transactional: true }`
   * need it. `signal` is the event's: once it aborts (lease lost, `close()`), nothing commits.
   */
  runInTransaction?(key: string, token: string, handlerId: string, ttlMs: number, fn: (transaction: unknown) => Promise<void>, signal?: AbortSignal): Promise<void>;
}
