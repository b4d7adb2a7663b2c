// What the READMEs' snippets use without defining it: the app, the receiver, the values the
// text around a snippet introduced, and "your code" (save, audit, db…).
// test/readme-code-blocks.test.ts type-checks every ```ts block against these declarations
// (plus, in a package's README, that package's exports). The packages' own names are never
// declared here: a snippet gets them from its imports, so a wrong import fails.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type expressModule from "express";
import type { Express } from "express";
import type Koa from "koa";
import type RouterClass from "@koa/router";
import type { z as zod } from "zod";
import type { DeliveryContext, EventMapOf, FailureSink, Logger, Provider, Secret, WebhookEvent, WebhookRequest, Webhooks } from "@credhooks/core";
import type { CrossmintPayloads, SovrinKeyPair, SovrinPayloads } from "@credhooks/testing";
import type { CrossmintProvider } from "@credhooks/core/providers/crossmint";
import type { LissiProvider, lissi as lissiFactory } from "@credhooks/core/providers/lissi";
import type { ProvenProvider, proven as provenFactory } from "@credhooks/core/providers/proven";
import type { ExpressWebhooks, webhooks as expressWebhooks } from "@credhooks/express";
import type { KoaWebhooks } from "@credhooks/koa";
import type { RedisClient, RedisDedupeStore, RedisFailureSink } from "@credhooks/redis";

declare global {
  // --- Imported by the root README's Quick start, used by the sections after it ---------
  const express: typeof expressModule;
  const webhooks: typeof expressWebhooks;
  const proven: typeof provenFactory;
  const lissi: typeof lissiFactory;
  const Router: typeof RouterClass;
  const z: typeof zod;

  // --- The app and the receiver ------------------------------------------------------------
  /** An Express app, or a Koa app: snippets about either mount on `app`. */
  const app: Express & Koa;
  const server: Server;
  const router: RouterClass;
  /** The section's receiver: a Proven receiver, mountable on Express and Koa. */
  const hooks: ExpressWebhooks<EventMapOf<ProvenProvider>> & KoaWebhooks<EventMapOf<ProvenProvider>>;
  /** A core receiver (`createWebhooks`). */
  const core: Webhooks<EventMapOf<ProvenProvider>>;
  const crossmintHooks: Webhooks<EventMapOf<CrossmintProvider>>;
  const lissiHooks: Webhooks<EventMapOf<LissiProvider>>;
  const provider: ProvenProvider;
  /** The common part of a hand-written provider. */
  const base: Omit<Provider, "events" | "normalize" | "normalizes">;
  const store: RedisDedupeStore;
  const failures: RedisFailureSink;
  const durableSink: FailureSink;
  const client: RedisClient;
  const logger: Logger;
  function pino(): Logger;

  // --- Values a snippet's text introduced ----------------------------------------------------
  const apiKey: string;
  const secret: string;
  /** Your tenants' keys. */
  const keys: Map<string, string>;
  /** Your lookup of a tenant's key: undefined for an unknown tenant (or when mounted without :tenantId). */
  function lookupKey(tenantId: string | undefined): string | undefined;
  const tenants: Set<string>;
  /** A failure sink key, a dedupe key. */
  const key: string;
  const dedupeKey: string;
  const url: string;
  /** A plain-data request for `hooks.handle`, and its parts. */
  const request: WebhookRequest;
  const method: string;
  const originalUrl: string;
  const headers: Record<string, string>;
  const tenantId: string;
  const rawBytes: Buffer;
  const rawBody: Buffer;
  const body: Buffer;
  /** A Node request (with the raw bytes a body parser kept) and response. */
  const req: IncomingMessage & { rawBody?: Buffer };
  const res: ServerResponse;
  /** A message from a queue. */
  const message: { headers: Record<string, string>; body: Buffer; rawBody: Buffer };
  const error: unknown;
  const event: WebhookEvent;
  const delivery: DeliveryContext;
  const options: { apiKey: Secret };
  const expected: string;
  const canonicalData: string;
  const out: string[];
  const lines: string[];
  const data: CrossmintPayloads["credential.creation.succeeded"];
  const payload: SovrinPayloads["OpenIdCredentialIssued"];
  const pair: SovrinKeyPair;
  /** Bun's server, for the fetch handler's snippet. */
  const Bun: { serve(options: { fetch(request: Request): Response | Promise<Response>; port?: number }): unknown };

  // --- Your code ---------------------------------------------------------------------------
  function save(...args: unknown[]): Promise<void>;
  function saveCredential(...args: unknown[]): Promise<void>;
  function saveConnection(...args: unknown[]): Promise<void>;
  function markConnected(...args: unknown[]): Promise<void>;
  function markVerified(...args: unknown[]): Promise<void>;
  function recordIssued(...args: unknown[]): Promise<void>;
  function grantAccess(...args: unknown[]): Promise<void>;
  function forget(...args: unknown[]): Promise<void>;
  function finish(...args: unknown[]): Promise<void>;
  function audit(...args: unknown[]): void;
  function track(...args: unknown[]): void;
  function report(...args: unknown[]): void;
  function alertIssuer(...args: unknown[]): void;
  function myAdapter(core: Webhooks, req: IncomingMessage, res: ServerResponse): void;
  const vault: { put(...args: unknown[]): Promise<void> };
  const db: {
    insert(...args: unknown[]): Promise<void>;
    apiKeyFor(tenantId: string): Promise<string | undefined>;
    credentials: { find(id: string): Promise<unknown> };
  };
  const authFailures: { inc(labels: Record<string, string>): void };
  const statsd: { increment(name: string): void };
  /** A failure sink of your own, under test. */
  const MySink: { open(options: { table: string }): Promise<FailureSink & { close(): Promise<void> }> };
}
