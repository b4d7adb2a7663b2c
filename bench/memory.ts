// The memory case: what each remembered delivery costs in the default store,
// LruDedupeStore, bounded to hold them all. Run with --expose-gc; prints one JSON line
// (MemoryResult) on stdout.
//
//   memory.js store 1000000   pushes N distinct deliveries through the store exactly as the
//                             core does for one handler (claim → handlerSucceeded →
//                             complete), with the keys the core builds for Proven events;
//   memory.js handle 100000   pushes N distinct deliveries through createWebhooks().handle()
//                             (authentication, zod, dedupe, a no-op handler): the check that
//                             the pipeline keeps nothing per delivery beyond the store;
//   memory.js inbox 100000    claims N distinct events into the inbox of the store, each with
//                             a ~1.2 KB serialized event (`claim(key, 30000, { queue, record })`)
//                             and leaves them in flight: the cost per event the inbox holds.
//                             Prints { mode: "inbox", unavailable } while the store has no
//                             inbox (no `claimDue`).
import { createWebhooks, LruDedupeStore, type ClaimResult } from "@credhooks/core";
import { proven } from "@credhooks/core/providers/proven";
import { BENCH_API_KEY, BENCH_TENANT } from "./bench-credentials.js";
import { deliveryFactory, pathOf } from "./deliveries.js";

/** What the memory case measured. */
export interface MemoryResult {
  mode: "store" | "handle" | "inbox";
  deliveries: number;
  remembered: number;
  /** V8 heap growth per remembered delivery, after full GCs. */
  heapBytesPerEntry: number;
  /** Heap plus ArrayBuffer growth (the LRU's typed arrays live outside the heap) per remembered delivery. */
  heapAndBuffersBytesPerEntry: number;
  heapUsedBefore: number;
  heapUsedAfter: number;
  rssBefore: number;
  rssAfter: number;
  /** Length of the dedupe keys the core built (provider:tenant:dedupe id). */
  keyLength: number;
  /** Inbox case: the mean length of the records written with the claims (one-byte characters). */
  recordBytes?: number;
  seconds: number;
}

/** The inbox case on a store without an inbox. */
export interface MemoryUnavailable {
  mode: "inbox";
  unavailable: string;
}

/**
 * The store as the inbox contract (DedupeStore's `claim` with an InboxWrite, `claimDue`)
 * describes it, declared here so that the benchmark compiles whether or not the store has it.
 */
interface InboxStore {
  claim(key: string, leaseMs: number, inbox?: { readonly queue: string; readonly record: string }): unknown;
  claimDue?: unknown;
  inboxSize?(queue: string): number | Promise<number>;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const mode = process.argv[2] === "handle" ? "handle" : process.argv[2] === "inbox" ? "inbox" : "store";
const count = Number(process.argv[3] ?? (mode === "store" ? 1_000_000 : 100_000));
const fullGc = (): void => {
  for (let i = 0; i < 4; i++) gc();
};

const HANDLER_ID = "credentials:done#0"; // the core's id of the first handler of credentials:done
const DAY_MS = 24 * 60 * 60 * 1000;
const next = deliveryFactory("proven", "127.0.0.1");
// Proven's dedupe id for credentials:done is event:cred_ex_id:state:updated_at; the core
// prefixes provider and tenant. The body template gives state and updated_at.
const sample = JSON.parse(next().body) as { event: string; webhook: { cred_ex_id: string; state: string; updated_at: string } };
const keyOf = (id: string): string => `proven:${BENCH_TENANT}:${sample.event}:${id}:${sample.webhook.state}:${sample.webhook.updated_at}`;
const ids = (): (() => string) => {
  const prefix = sample.webhook.cred_ex_id.slice(0, 9);
  let n = 0;
  return () => `${prefix}${(n++).toString(16).padStart(27, "0")}`;
};

// The inbox case: a record as the core writes it (provider, tenant, event name, dedupe id,
// the payload input: the Proven event's fields, here without the offer's key-correctness
// proof, ~1.2 KB in all), one per event, each its own flat string (JSON.stringify), so the
// heap holds what a real inbox would.
const QUEUE = "bench";
const webhook = sample.webhook as typeof sample.webhook & { by_format: { cred_offer: { indy: Record<string, unknown> } } };
const { key_correctness_proof: _proof, ...offer } = webhook.by_format.cred_offer.indy;
const input = { ...webhook, by_format: { cred_offer: { indy: offer } } };
const recordOf = (id: string): string =>
  JSON.stringify({
    v: 1,
    provider: "proven",
    tenant: BENCH_TENANT,
    name: sample.event,
    dedupeId: `${sample.event}:${id}:${webhook.state}:${webhook.updated_at}`,
    receivedAt: "2026-11-22T03:18:49.775Z",
    input: { ...input, cred_ex_id: id },
  });

{
  const probe = new LruDedupeStore({ max: 1 }) as unknown as InboxStore;
  if (mode === "inbox" && typeof probe.claimDue !== "function") {
    const unavailable: MemoryUnavailable = { mode: "inbox", unavailable: "not available: LruDedupeStore has no inbox yet (no claimDue)" };
    process.stdout.write(JSON.stringify(unavailable) + "\n");
    process.exit(0);
  }
}

fullGc();
const before = process.memoryUsage();
const started = process.hrtime.bigint();
const store = new LruDedupeStore({ max: count });
let recordChars = 0;

if (mode === "store") {
  const nextId = ids();
  for (let i = 0; i < count; i++) {
    const key = keyOf(nextId());
    const claim = store.claim(key, 30_000);
    if (claim.status !== "claimed") throw new Error(`delivery ${i} was not new: ${claim.status}`);
    store.handlerSucceeded(key, claim.token, HANDLER_ID, 2 * DAY_MS);
    store.complete(key, claim.token, 2 * DAY_MS);
  }
} else if (mode === "inbox") {
  const inbox = store as unknown as InboxStore;
  const nextId = ids();
  for (let i = 0; i < count; i++) {
    const id = nextId();
    const record = recordOf(id);
    recordChars += record.length;
    let claim = inbox.claim(keyOf(id), 30_000, { queue: QUEUE, record }) as ClaimResult | Promise<ClaimResult>;
    if (claim instanceof Promise) claim = await claim;
    if (claim.status !== "claimed") throw new Error(`event ${i} was not new: ${claim.status}`);
  }
  const held = await inbox.inboxSize?.(QUEUE);
  if (held !== undefined && held !== count) throw new Error(`${count} events claimed but the inbox holds ${held}`);
} else {
  const hooks = createWebhooks({ provider: proven({ apiKey: BENCH_API_KEY }), store });
  hooks.on("credentials:done", () => {});
  const originalUrl = pathOf("proven");
  for (let i = 0; i < count; i++) {
    const delivery = next();
    const response = await hooks.handle({ method: "POST", path: "/", originalUrl, headers: delivery.headers, params: { tenantId: BENCH_TENANT }, body: Buffer.from(delivery.body) });
    if (response.status !== 200 || response.body !== '{"received":true}') throw new Error(`delivery ${i} answered ${response.status} ${response.body}`);
  }
}

const seconds = Number(process.hrtime.bigint() - started) / 1e9;
fullGc();
const after = process.memoryUsage();
// Inbox entries are held beside the LRU (never evicted before they settle): count them there.
const remembered = mode === "inbox" ? ((await (store as unknown as InboxStore).inboxSize?.(QUEUE)) ?? count) : store.size;
if (remembered !== count) throw new Error(`${count} deliveries but ${remembered} remembered: the bound must hold them all`);
const result: MemoryResult = {
  mode,
  deliveries: count,
  remembered,
  heapBytesPerEntry: (after.heapUsed - before.heapUsed) / remembered,
  heapAndBuffersBytesPerEntry: (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / remembered,
  heapUsedBefore: before.heapUsed,
  heapUsedAfter: after.heapUsed,
  rssBefore: before.rss,
  rssAfter: after.rss,
  keyLength: keyOf(ids()()).length,
  ...(mode === "inbox" ? { recordBytes: recordChars / count } : {}),
  seconds,
};
process.stdout.write(JSON.stringify(result) + "\n");
