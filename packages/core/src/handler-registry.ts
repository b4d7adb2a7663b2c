import type { WebhookEvent } from "./event.js";
import { NORMALIZED_EVENT_NAMES, normalizedEventsOf } from "./normalized-events.js";
import type { Provider } from "./types.js";

const NORMALIZED = new Set<string>(NORMALIZED_EVENT_NAMES);

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

/** The handlers of one receiver: `on`, `off`, `onAny`, `onUnhandled`, `onError`. */
export class HandlerRegistry {
  readonly #provider: Provider;
  readonly #byName = new Map<string, Registered[]>();
  /** Registrations so far per name: default ids never repeat, even after `off()`. */
  readonly #registered = new Map<string, number>();
  readonly #any: Registered[] = [];
  readonly #unhandled: Registered[] = [];
  readonly errorHandlers: Array<(error: AggregateError, event: WebhookEvent<string, unknown>) => unknown> = [];
  #count = 0;
  /** Handlers registered under normalized names: without any, no event is normalized at all. */
  #normalized = 0;
  #valid: { own: ReadonlySet<string>; normalized: ReadonlySet<string> } | undefined;

  constructor(provider: Provider) {
    this.#provider = provider;
  }

  /** How many handlers are registered (error handlers aside). */
  get count(): number {
    return this.#count;
  }

  /** Registers `fn` under one name or several; every name is checked before any is registered. */
  on(names: string | readonly string[], fn: Registered["fn"], id: string | undefined, transactional = false): void {
    const list = typeof names === "string" ? [names] : names;
    for (const name of list) this.#check(name, "on");
    for (const name of list) {
      // A new array: deliveries already dispatching keep the list they started with.
      this.#byName.set(name, [...(this.#byName.get(name) ?? EMPTY), { id: id ?? this.#nextId(name), fn, transactional }]);
      this.#count++;
      if (NORMALIZED.has(name)) this.#normalized++;
    }
  }

  /** Removes every registration of `fn` under these names; deliveries already running are not affected. */
  off(names: string | readonly string[], fn: Registered["fn"]): void {
    const list = typeof names === "string" ? [names] : names;
    for (const name of list) this.#check(name, "off");
    for (const name of list) {
      const registered = this.#byName.get(name);
      if (!registered) continue;
      const kept = registered.filter((handler) => handler.fn !== fn);
      const removed = registered.length - kept.length;
      if (kept.length === 0) this.#byName.delete(name);
      else this.#byName.set(name, kept);
      this.#count -= removed;
      if (NORMALIZED.has(name)) this.#normalized -= removed;
    }
  }

  onAny(fn: Registered["fn"], id: string | undefined, transactional = false): void {
    this.#any.push({ id: id ?? this.#nextId("*"), fn, transactional });
    this.#count++;
  }

  onUnhandled(fn: Registered["fn"], id: string | undefined, transactional = false): void {
    this.#unhandled.push({ id: id ?? this.#nextId("?"), fn, transactional });
    this.#count++;
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

  /** Default ids: the name and the registration's position among that name's registrations (`"credentials:done#0"`). */
  #nextId(name: string): string {
    const n = this.#registered.get(name) ?? 0;
    this.#registered.set(name, n + 1);
    return `${name}#${n}`;
  }

  /**
   * A name no delivery can ever carry is a mistake made at registration (a typo, an
   * alternative spelling, a normalized event another provider emits): say so there, with
   * the names that work, rather than never calling the handler.
   */
  #check(name: unknown, method: "on" | "off"): void {
    const valid = (this.#valid ??= validNames(this.#provider));
    if (typeof name === "string" && (valid.own.has(name) || valid.normalized.has(name))) return;
    const id = this.#provider.id;
    const normalized = valid.normalized.size === 0 ? `; it emits no normalized events` : `; normalized events it emits: ${[...valid.normalized].join(", ")}`;
    throw new TypeError(
      `credhooks: hooks.${method}(${JSON.stringify(name)}): ${JSON.stringify(name)} is not an event ${id} sends. ${id} events: ${[...valid.own].join(", ")}${normalized}. ` +
        `For events the provider does not know yet, use hooks.onUnhandled(); for every event, hooks.onAny().`,
    );
  }
}

function validNames(provider: Provider): { own: ReadonlySet<string>; normalized: ReadonlySet<string> } {
  const own = new Set(Object.keys(provider.events));
  // Declared normalized names; a provider that normalizes without declaring may emit any.
  const normalized = provider.normalizes
    ? new Set(Object.values(provider.normalizes).flat())
    : provider.normalize
      ? new Set<string>(NORMALIZED_EVENT_NAMES)
      : new Set<string>();
  return { own, normalized };
}

const EMPTY: readonly Registered[] = [];
