import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import type { CloseResult, Provider, WebhookEvent } from "@credhooks/core";
import { lissi } from "@credhooks/core/providers/lissi";
import { proven } from "@credhooks/core/providers/proven";
import { truvera } from "@credhooks/core/providers/truvera";
import { crossmint } from "@credhooks/core/providers/crossmint";
import { sovrin } from "@credhooks/core/providers/sovrin";
import { acapy } from "@credhooks/core/providers/acapy";
import { credential } from "./dev-credentials.js";
import type { ExampleStore } from "./example-store.js";

/** One provider of the example servers, served at `/events/:tenantId/<id>`. */
export interface ExampleReceiver {
  id: string;
  path: string;
  provider: Provider;
}

/**
 * The providers every example server serves, by key: one `webhooks({ providers })` mounted
 * at `/events/:tenantId` serves each at `/events/:tenantId/<key>`. Every tenant id is
 * accepted with the same credential, read from the environment (see the README's
 * example-server contract).
 */
export function exampleProviders(env: NodeJS.ProcessEnv) {
  return {
    proven: proven({ apiKey: credential(env, "PROVEN_API_KEY") }),
    lissi: lissi({ apiKey: credential(env, "LISSI_API_KEY") }),
    truvera: truvera({ token: credential(env, "TRUVERA_TOKEN") }),
    crossmint: crossmint({ secret: credential(env, "CROSSMINT_SECRET") }),
    // SOVRIN_JWKS (inline JSON) wins over SOVRIN_JWKS_URL; neither set: the development JWKS.
    // SOVRIN_PUBLIC_ORIGIN: the URL Sovrin posts to, for a server behind a proxy (publicOrigin).
    sovrin: sovrin({ jwks: env["SOVRIN_JWKS"] || env["SOVRIN_JWKS_URL"] || credential(env, "SOVRIN_JWKS"), ...(env["SOVRIN_PUBLIC_ORIGIN"] ? { publicOrigin: env["SOVRIN_PUBLIC_ORIGIN"] } : {}) }),
    acapy: acapy({ apiKey: credential(env, "ACAPY_API_KEY") }),
  };
}

/** The same providers one by one, with the path each is served at (for mounting them separately). */
export function exampleReceivers(env: NodeJS.ProcessEnv): ExampleReceiver[] {
  return Object.entries(exampleProviders(env)).map(([id, provider]) => ({ id, path: `/events/:tenantId/${id}`, provider: provider as Provider }));
}

/** Where every example server mounts its one receiver. */
export const EXAMPLE_MOUNT = "/events/:tenantId";

/** What the example handlers register on: a receiver of one provider or of several. */
export interface HandlerTarget {
  onAny(handler: (event: WebhookEvent<string, unknown>) => unknown): unknown;
  onError(handler: (error: AggregateError, event: WebhookEvent<string, unknown>) => unknown): unknown;
}

/**
 * The example servers' handler: one JSON line on stdout per event whose handlers all
 * succeeded — `{"provider","tenant","event","id"}`, nothing secret. With
 * `EXAMPLE_HANDLER_DELAY_MS=<ms>` it waits that long before printing (the wait ends early,
 * as a failure, when `event.signal` aborts: `close()`, or a lost lease). With
 * `EXAMPLE_FAIL_EVENT=<event>` it throws the first time it sees each dedupe id of that
 * event, so the sender's redelivery can be seen succeeding.
 */
export function addExampleHandlers(hooks: HandlerTarget, env: NodeJS.ProcessEnv, write: (line: string) => void = (line) => process.stdout.write(line + "\n")): void {
  const failEvent = env["EXAMPLE_FAIL_EVENT"];
  const delayMs = exampleHandlerDelayMs(env);
  const failedOnce = new Set<string>();
  const finish = (event: WebhookEvent<string, unknown>): void => {
    if (failEvent !== undefined && event.name === failEvent && !failedOnce.has(event.id)) {
      failedOnce.add(event.id);
      throw new Error(`EXAMPLE_FAIL_EVENT: failing the first delivery of ${event.name} ${event.id}`);
    }
    write(JSON.stringify({ provider: event.provider, tenant: event.tenantId ?? null, event: event.name, id: event.id }));
  };
  hooks.onAny((event) => (delayMs > 0 ? delay(delayMs, undefined, { signal: event.signal }).then(() => finish(event)) : finish(event)));
  hooks.onError((error, event) => {
    process.stderr.write(`[credhooks example] ${event.provider} ${event.name} ${event.id}: ${error.errors.map((e) => (e instanceof Error ? e.message : String(e))).join("; ")}\n`);
  });
}

/** `EXAMPLE_HANDLER_DELAY_MS` from the environment (default 0: no wait). */
export function exampleHandlerDelayMs(env: NodeJS.ProcessEnv): number {
  const raw = env["EXAMPLE_HANDLER_DELAY_MS"];
  if (raw === undefined || raw === "") return 0;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`EXAMPLE_HANDLER_DELAY_MS must be a whole number of ms, got ${JSON.stringify(raw)}`);
  return ms;
}

/** `PORT` from the environment (default 3000). */
export function examplePort(env: NodeJS.ProcessEnv): number {
  const port = Number(env["PORT"] ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${JSON.stringify(env["PORT"])}`);
  return port;
}

/** What an example server closes on SIGTERM or SIGINT, besides its HTTP server. */
export interface ExampleShutdown {
  /** The receivers the server mounted (`webhooks()` of the adapter: each has `close()`). */
  receivers: ReadonlyArray<{ close(options?: { timeoutMs?: number }): Promise<CloseResult> }>;
  /** The store the receivers share, closed last. */
  store: Pick<ExampleStore, "close">;
}

/** How long the receivers' `close()` waits for running handlers (their `signal` is aborted at once). */
const CLOSE_TIMEOUT_MS = 5000;

/**
 * Starts an example server on 127.0.0.1:`PORT` and prints the listening line on stdout;
 * a port already taken is a clear message on stderr and exit code 1. SIGTERM and SIGINT
 * close every receiver (no new deliveries: 503 `SHUTTING_DOWN`; running handlers are
 * aborted and their events stay in the inbox for the next start), then the HTTP server and
 * the store, and exit 0.
 */
export function serveExample(server: Server, env: NodeJS.ProcessEnv, shutdown?: ExampleShutdown): Server {
  const port = examplePort(env);
  server.on("error", (error: NodeJS.ErrnoException) => {
    process.stderr.write(`[credhooks example] cannot listen on 127.0.0.1:${port}: ${error.code === "EADDRINUSE" ? "the port is in use (set PORT to another one)" : error.message}\n`);
    process.exit(1);
  });
  server.listen(port, "127.0.0.1", () => {
    process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      let code = 0;
      try {
        const results = await Promise.all((shutdown?.receivers ?? []).map((receiver) => receiver.close({ timeoutMs: CLOSE_TIMEOUT_MS })));
        const unfinished = results.reduce((sum, result) => sum + result.unfinished, 0);
        const stopped = results.reduce((sum, result) => sum + result.settled, 0);
        process.stderr.write(`[credhooks example] ${signal}: receivers closed (${stopped} running event(s) stopped or settled, ${unfinished} left for recovery)\n`);
        await new Promise<void>((resolve) => {
          // Keep-alive connections would hold close() open: close each as soon as its last
          // response is out (the receivers answered every running delivery), all after 1 s.
          const idle = setInterval(() => server.closeIdleConnections(), 20);
          const all = setTimeout(() => server.closeAllConnections(), 1000);
          server.close(() => (clearInterval(idle), clearTimeout(all), resolve()));
          server.closeIdleConnections();
        });
        await shutdown?.store.close();
      } catch (error) {
        code = 1;
        process.stderr.write(`[credhooks example] ${signal}: shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
      process.exit(code);
    })();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  return server;
}
