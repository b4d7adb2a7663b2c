// The benchmark cases, in run order: each credhooks case runs right after its bare
// counterpart, so the two see the same machine state.
import type { Scheme } from "./deliveries.js";
import type { StoreKind } from "./stores.js";

/** One receiver under load. */
export interface BenchCase {
  readonly id: string;
  readonly label: string;
  readonly framework: "node:http" | "Express 5" | "Koa 3";
  readonly scheme: Scheme;
  readonly kind: "bare" | "credhooks" | "peer";
  /** The provider folder this case needs (`packages/core/src/providers/<id>/index.ts`). */
  readonly provider?: "proven" | "truvera" | "crossmint" | "sovrin";
  /** The case this one is compared with (the same framework and scheme without credhooks). */
  readonly counterpart?: string;
  /** A durable store instead of the default in-memory one: the runner starts its server (store-servers.ts). */
  readonly store?: StoreKind;
  /** For a store case: the same receiver on the in-memory store, compared with it. */
  readonly inMemory?: string;
}

/** The floor every case is also compared with. */
export const FLOOR = "node-bare";

export const CASES: readonly BenchCase[] = [
  { id: "node-bare", label: "bare node:http (read, JSON.parse, 204)", framework: "node:http", scheme: "proven", kind: "bare" },
  { id: "node-apikey-hand", label: "X-API-Key, hand-written", framework: "node:http", scheme: "proven", kind: "bare", counterpart: "node-bare" },
  {
    id: "node-credhooks-proven",
    label: "credhooks core, Proven (X-API-Key)",
    framework: "node:http",
    scheme: "proven",
    kind: "credhooks",
    provider: "proven",
    counterpart: "node-apikey-hand",
  },
  // The case above with an OpenTelemetry SDK installed (spans batched to an in-memory
  // exporter, metrics read every 10 s): what tracing and metrics cost per delivery. The case
  // above is the same receiver with no SDK (the API's no-ops).
  {
    id: "node-credhooks-proven-otel",
    label: "credhooks core, Proven, OTel SDK (in-memory exporters)",
    framework: "node:http",
    scheme: "proven",
    kind: "credhooks",
    provider: "proven",
    counterpart: "node-apikey-hand",
  },
  // The case above on a durable store (same provider, scheme and handler): what a shared
  // store costs per delivery, against the in-memory LruDedupeStore.
  {
    id: "node-credhooks-proven-redis",
    label: "credhooks core, Proven, Redis store",
    framework: "node:http",
    scheme: "proven",
    kind: "credhooks",
    provider: "proven",
    counterpart: "node-apikey-hand",
    store: "redis",
    inMemory: "node-credhooks-proven",
  },
  {
    id: "node-credhooks-proven-postgres",
    label: "credhooks core, Proven, PostgreSQL store",
    framework: "node:http",
    scheme: "proven",
    kind: "credhooks",
    provider: "proven",
    counterpart: "node-apikey-hand",
    store: "postgres",
    inMemory: "node-credhooks-proven",
  },
  { id: "express-bare", label: "bare Express 5 (express.json())", framework: "Express 5", scheme: "proven", kind: "bare", counterpart: "node-bare" },
  {
    id: "express-credhooks-proven",
    label: "credhooks Express adapter, Proven",
    framework: "Express 5",
    scheme: "proven",
    kind: "credhooks",
    provider: "proven",
    counterpart: "express-bare",
  },
  { id: "koa-bare", label: "bare Koa 3 (raw-body + JSON.parse)", framework: "Koa 3", scheme: "proven", kind: "bare", counterpart: "node-bare" },
  {
    id: "koa-credhooks-proven",
    label: "credhooks Koa adapter, Proven",
    framework: "Koa 3",
    scheme: "proven",
    kind: "credhooks",
    provider: "proven",
    counterpart: "koa-bare",
  },
  { id: "node-github-hmac-hand", label: "GitHub HMAC, hand-written", framework: "node:http", scheme: "github", kind: "bare", counterpart: "node-bare" },
  { id: "node-octokit", label: "@octokit/webhooks createNodeMiddleware (peer)", framework: "node:http", scheme: "github", kind: "peer", counterpart: "node-github-hmac-hand" },
  { id: "node-token-hand", label: "body token, hand-written", framework: "node:http", scheme: "truvera", kind: "bare", counterpart: "node-bare" },
  {
    id: "node-credhooks-truvera",
    label: "credhooks core, Truvera (body token)",
    framework: "node:http",
    scheme: "truvera",
    kind: "credhooks",
    provider: "truvera",
    counterpart: "node-token-hand",
  },
  { id: "node-svix-hand", label: "Svix HMAC, hand-written", framework: "node:http", scheme: "crossmint", kind: "bare", counterpart: "node-bare" },
  {
    id: "node-credhooks-crossmint",
    label: "credhooks core, Crossmint (Svix HMAC)",
    framework: "node:http",
    scheme: "crossmint",
    kind: "credhooks",
    provider: "crossmint",
    counterpart: "node-svix-hand",
  },
  { id: "node-ed25519-hand", label: "RFC 9421 Ed25519, hand-written", framework: "node:http", scheme: "sovrin", kind: "bare", counterpart: "node-bare" },
  {
    id: "node-credhooks-sovrin",
    label: "credhooks core, Sovrin (RFC 9421 Ed25519)",
    framework: "node:http",
    scheme: "sovrin",
    kind: "credhooks",
    provider: "sovrin",
    counterpart: "node-ed25519-hand",
  },
];

/**
 * A target of the README's budget: `subject` compared with `reference`, per round (the two
 * run seconds apart), then the median of the rounds. Met when every limit it sets is kept.
 */
export interface Budget {
  readonly id: string;
  /** The README's wording of the target. */
  readonly text: string;
  readonly subject: string;
  readonly reference: string;
  /** req/s of the subject over the reference's: at least this. */
  readonly minRps?: number;
  /** CPU per request of the subject over the reference's: at most this (strictly below with `cheaper`). */
  readonly maxCpu?: number;
  readonly cheaper?: boolean;
  /** p99 of the subject over its counterpart's (the same framework and scheme without credhooks): at most this. */
  readonly maxP99?: number;
}

/** p99 limit of every credhooks case against its hand-written counterpart. */
export const P99_LIMIT = 1.5;

export const BUDGETS: readonly Budget[] = [
  {
    id: "core-apikey",
    text: "core on node:http with X-API-Key ≥ 0.80× bare node:http (req/s), ≤ 1.3× its CPU per request",
    subject: "node-credhooks-proven",
    reference: "node-bare",
    minRps: 0.8,
    maxCpu: 1.3,
    maxP99: P99_LIMIT,
  },
  { id: "koa-adapter", text: "Koa adapter ≥ 0.90× bare Koa", subject: "koa-credhooks-proven", reference: "koa-bare", minRps: 0.9, maxP99: P99_LIMIT },
  { id: "express-adapter", text: "Express adapter ≥ 0.95× bare Express", subject: "express-credhooks-proven", reference: "express-bare", minRps: 0.95, maxP99: P99_LIMIT },
  {
    id: "shared-secret",
    text: "shared-secret scheme on node:http ≥ 0.80× bare node:http (as X-API-Key)",
    subject: "node-credhooks-truvera",
    reference: "node-bare",
    minRps: 0.8,
    maxP99: P99_LIMIT,
  },
  { id: "svix", text: "Svix HMAC ≥ 0.90× the same scheme hand-written on node:http", subject: "node-credhooks-crossmint", reference: "node-svix-hand", minRps: 0.9, maxP99: P99_LIMIT },
  { id: "ed25519", text: "RFC 9421 Ed25519 ≥ 0.90× the same scheme hand-written on node:http", subject: "node-credhooks-sovrin", reference: "node-ed25519-hand", minRps: 0.9, maxP99: P99_LIMIT },
  {
    // The closest pair: an HMAC-SHA256 over a ~1.1 KB body on node:http on both sides (Svix
    // for credhooks' Crossmint, GitHub's scheme for @octokit/webhooks).
    id: "octokit",
    text: "core cheaper per request than @octokit/webhooks (HMAC-SHA256 on both sides: Crossmint/Svix vs GitHub)",
    subject: "node-credhooks-crossmint",
    reference: "node-octokit",
    maxCpu: 1,
    cheaper: true,
  },
];
