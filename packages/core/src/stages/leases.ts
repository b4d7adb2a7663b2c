import { WebhookError } from "../errors.js";
import type { ReceiverContext } from "./context.js";
import { describe } from "./responses.js";

/** A claim whose handlers are running: its lease is renewed until it is dropped or lost. */
export interface HeldLease {
  readonly key: string;
  /** The claim whose lease this is: its token moves with an adoption. */
  readonly claim: { token: string };
  /** When the lease ends if no renewal succeeds (this process' clock). */
  leaseEnd: number;
  /** True once the lease is known lost: the event must not be settled by this owner. */
  lost: boolean;
  readonly onLost: (reason: WebhookError) => void;
}

/**
 * The in-flight leases of one receiver, renewed every `leaseMs / 2` by one timer while any
 * handler runs (one timer per receiver, not one per event). A lease is lost when the store
 * says another owner has it, or when renewals keep failing until it has run out: then the
 * event's `AbortSignal` fires and the owner settles nothing — another instance may already
 * be running the event.
 */
export class LeaseKeeper {
  readonly #ctx: ReceiverContext;
  readonly #held = new Map<string, HeldLease>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(ctx: ReceiverContext) {
    this.#ctx = ctx;
  }

  get size(): number {
    return this.#held.size;
  }

  hold(key: string, claim: { token: string }, onLost: (reason: WebhookError) => void): HeldLease {
    const held: HeldLease = { key, claim, leaseEnd: Date.now() + this.#ctx.leaseMs, lost: false, onLost };
    this.#held.set(key, held);
    if (!this.#timer && !this.#stopped) {
      this.#timer = setInterval(() => this.#renewAll(), Math.max(1, Math.floor(this.#ctx.leaseMs / 2)));
      this.#timer.unref();
    }
    return held;
  }

  drop(held: HeldLease): void {
    if (this.#held.get(held.key) === held) this.#held.delete(held.key);
    // The timer is stopped by its next tick when nothing is held any more: under steady
    // traffic one timer serves every event instead of one created and cleared per event.
  }

  /**
   * When this process' recoverer has just re-claimed `key` while this process still runs
   * its handlers (the event loop stalled past the lease, so the store let it go), the
   * running handlers keep going under the new claim instead of being run a second time.
   * Returns false when this process holds no live lease on `key`.
   */
  adopt(key: string, token: string): boolean {
    const held = this.#held.get(key);
    if (!held || held.lost) return false;
    held.claim.token = token;
    held.leaseEnd = Date.now() + this.#ctx.leaseMs;
    return true;
  }

  /** Stops renewing (on close): leases still held run out, and their events go to recovery. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #renewAll(): void {
    if (this.#held.size === 0) {
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    const { store, leaseMs, logger, provider } = this.#ctx;
    for (const held of this.#held.values()) {
      if (held.lost) continue;
      // Renewed even when this timer fired late: the store, not this clock, says who owns it.
      const startedAt = Date.now();
      Promise.resolve()
        .then(() => {
          const token = held.claim.token;
          return Promise.resolve(store.renew(held.key, token, leaseMs)).then((kept) => ({ kept, token }));
        })
        .then(
          ({ kept, token }) => {
            if (kept) held.leaseEnd = startedAt + leaseMs;
            // An adoption may have changed the token while this renewal was under way.
            else if (token === held.claim.token) this.#lose(held, "the in-flight lease was taken over by another owner");
          },
          (error: unknown) => {
            logger.warn({ provider: provider.id, err: describe(error) }, "credhooks: renewing the in-flight lease failed; retrying until it runs out");
            if (Date.now() >= held.leaseEnd) this.#lose(held, "the in-flight lease ran out while renewals failed");
          },
        );
    }
  }

  #lose(held: HeldLease, why: string): void {
    if (held.lost) return;
    held.lost = true;
    this.#ctx.logger.error({ provider: this.#ctx.provider.id }, `credhooks: ${why}; its handlers are aborted and the event is not marked done here`);
    held.onLost(new WebhookError("LEASE_LOST", `The event's in-flight lease was lost (${why}); another instance may run it, so this one stopped.`));
  }
}
