// The benchmark cases, in run order: each credhooks case runs right after its bare
// counterpart, so the two see the same machine state.
import type { Scheme } from "./deliveries.js";

/** A budget: the case's req/s must be at least `ratio` × that of `against`. */
export interface Budget {
  readonly ratio: number;
  readonly against: string;
  /** The README's wording of the target. */
  readonly text: string;
}

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
  readonly budget?: Budget;
  /** Whether p99 must stay within 1.5× the counterpart's. */
  readonly p99Budget?: boolean;
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
    budget: { ratio: 0.8, against: "node-bare", text: "core on node:http with X-API-Key ≥ 0.80× bare node:http" },
    p99Budget: true,
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
    budget: { ratio: 0.95, against: "express-bare", text: "Express adapter ≥ 0.95× bare Express" },
    p99Budget: true,
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
    budget: { ratio: 0.9, against: "koa-bare", text: "Koa adapter ≥ 0.90× bare Koa" },
    p99Budget: true,
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
    budget: { ratio: 0.8, against: "node-bare", text: "shared-secret scheme on node:http ≥ 0.80× bare node:http (as X-API-Key)" },
    p99Budget: true,
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
    budget: { ratio: 0.9, against: "node-svix-hand", text: "signing scheme ≥ 0.90× the same scheme hand-written" },
    p99Budget: true,
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
    budget: { ratio: 0.9, against: "node-ed25519-hand", text: "signing scheme ≥ 0.90× the same scheme hand-written" },
    p99Budget: true,
  },
];
