/**
 * The outcome of claiming an event.
 * - `claimed`: this delivery owns the event until it completes, releases, or the lease expires.
 *   `succeeded` lists handler ids that already succeeded in an earlier, partly failed attempt.
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
  | { readonly status: "claimed"; readonly token: string; readonly succeeded: ReadonlySet<string> }
  | { readonly status: "in-flight" }
  | { readonly status: "done" };

/**
 * Where credhooks remembers events: a claim with a short in-flight lease, renewed while
 * handlers run, then either `complete` (kept for the long done TTL) or `release`. Handler
 * successes are recorded per event so a redelivery runs only the handlers that failed.
 * Every method may be sync or async; a method that throws makes the core answer 503
 * `STORE_UNAVAILABLE` (before handlers run) so the sender retries.
 *
 * @example
 * ```ts
 * const hooks = createWebhooks({ provider, store: new LruDedupeStore({ max: 500_000 }) });
 * ```
 */
export interface DedupeStore {
  /** Claims `key` for `leaseMs`, unless it is done or another live lease holds it. */
  claim(key: string, leaseMs: number): ClaimResult | Promise<ClaimResult>;
  /** Extends the lease; false when the claim was lost (expired and taken by someone else). */
  renew(key: string, token: string, leaseMs: number): boolean | Promise<boolean>;
  /** Records that one handler succeeded for the event (kept at least `ttlMs`). */
  handlerSucceeded(key: string, token: string, handlerId: string, ttlMs: number): void | Promise<void>;
  /** Marks the event done; duplicates within `doneTtlMs` run nothing. */
  complete(key: string, token: string, doneTtlMs: number): void | Promise<void>;
  /** Drops the lease so a redelivery is processed; handler successes are kept for `ttlMs`. */
  release(key: string, token: string, ttlMs: number): void | Promise<void>;
}
