import type { WebhookEvent } from "./event.js";
import { NORMALIZED_EVENT_NAMES, normalizedEventsOf } from "./normalized-events.js";

const NORMALIZED = new Set<string>(NORMALIZED_EVENT_NAMES);
import type { Provider } from "./types.js";

/** A registered handler and its stable id (under which its success is recorded). */
export interface Registered {
  readonly id: string;
  readonly fn: (event: WebhookEvent<string, unknown>) => unknown;
  /** Runs inside the store's transaction, its success recorded in it (`{ transactional: true }`). */
  readonly transactional: boolean;
}

/** A handler bound to the event it receives (the provider's own, or a normalized one). */
export interface Pending {
  readonly handler: Registered;
  readonly event: WebhookEvent<string, unknown>;
}

/** The handlers of one receiver: `on`, `onAny`, `onUnhandled`, `onError`. */
export class HandlerRegistry {
  readonly #byName = new Map<string, Registered[]>();
  readonly #any: Registered[] = [];
  readonly #unhandled: Registered[] = [];
  readonly errorHandlers: Array<(error: AggregateError, event: WebhookEvent<string, unknown>) => unknown> = [];
  #count = 0;
  /** Handlers registered under normalized names: without any, no event is normalized at all. */
  #normalized = 0;

  /** How many handlers are registered (error handlers aside). */
  get count(): number {
    return this.#count;
  }

  on(name: string, fn: Registered["fn"], id: string | undefined, transactional = false): void {
    let list = this.#byName.get(name);
    if (!list) this.#byName.set(name, (list = []));
    this.#add(list, name, fn, id, transactional);
    if (NORMALIZED.has(name)) this.#normalized++;
  }

  onAny(fn: Registered["fn"], id: string | undefined, transactional = false): void {
    this.#add(this.#any, "*", fn, id, transactional);
  }

  onUnhandled(fn: Registered["fn"], id: string | undefined, transactional = false): void {
    this.#add(this.#unhandled, "?", fn, id, transactional);
  }

  /** The handlers an event runs: its own (or `onUnhandled` for unknown names), `onAny`, and its normalized events'. */
  for(provider: Provider, event: WebhookEvent<string, unknown>, known: boolean): Pending[] {
    const own = known ? (this.#byName.get(event.name) ?? EMPTY) : this.#unhandled;
    const pending: Pending[] = [];
    for (const handler of own) pending.push({ handler, event });
    for (const handler of this.#any) pending.push({ handler, event });
    if (known && provider.normalize && this.#normalized > 0) {
      for (const normalized of normalizedEventsOf(event, provider.normalize)) {
        for (const handler of this.#byName.get(normalized.name) ?? EMPTY) pending.push({ handler, event: normalized });
      }
    }
    return pending;
  }

  #add(list: Registered[], fallbackId: string, fn: Registered["fn"], id: string | undefined, transactional: boolean): void {
    list.push({ id: id ?? `${fallbackId}#${list.length}`, fn, transactional });
    this.#count++;
  }
}

const EMPTY: readonly Registered[] = [];
