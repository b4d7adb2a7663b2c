import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Provider, Webhooks } from "@credhooks/core";
import { lissi } from "@credhooks/core/providers/lissi";
import { proven } from "@credhooks/core/providers/proven";
import { truvera } from "@credhooks/core/providers/truvera";
import { crossmint } from "@credhooks/core/providers/crossmint";
import { sovrin } from "@credhooks/core/providers/sovrin";
import { acapy } from "@credhooks/core/providers/acapy";
import { credential } from "./dev-credentials.js";

/** One provider of the example servers, mounted at `/events/:tenantId/<id>`. */
export interface ExampleReceiver {
  id: string;
  path: string;
  provider: Provider;
}

/**
 * The providers every example server mounts. Every tenant id is accepted with the same
 * credential, read from the environment (see the README's example-server contract).
 */
export function exampleReceivers(env: NodeJS.ProcessEnv): ExampleReceiver[] {
  const receivers: Array<[string, Provider]> = [
    ["proven", proven({ apiKey: credential(env, "PROVEN_API_KEY") })],
    ["lissi", lissi({ apiKey: credential(env, "LISSI_API_KEY") })],
    ["truvera", truvera({ token: credential(env, "TRUVERA_TOKEN") })],
    ["crossmint", crossmint({ secret: credential(env, "CROSSMINT_SECRET") })],
    // SOVRIN_JWKS (inline JSON) wins over SOVRIN_JWKS_URL; neither set: the development JWKS.
    // SOVRIN_PUBLIC_ORIGIN: the URL Sovrin posts to, for a server behind a proxy (publicOrigin).
    ["sovrin", sovrin({ jwks: env["SOVRIN_JWKS"] || env["SOVRIN_JWKS_URL"] || credential(env, "SOVRIN_JWKS"), ...(env["SOVRIN_PUBLIC_ORIGIN"] ? { publicOrigin: env["SOVRIN_PUBLIC_ORIGIN"] } : {}) })],
    ["acapy", acapy({ apiKey: credential(env, "ACAPY_API_KEY") })],
  ];
  return receivers.map(([id, provider]) => ({ id, path: `/events/:tenantId/${id}`, provider }));
}

/**
 * The example servers' handler: one JSON line on stdout per event whose handlers all
 * succeeded — `{"provider","tenant","event","id"}`, nothing secret. With
 * `EXAMPLE_FAIL_EVENT=<event>` it throws the first time it sees each dedupe id of that
 * event, so the sender's redelivery can be seen succeeding.
 */
export function addExampleHandlers(hooks: Webhooks<Record<string, unknown>>, env: NodeJS.ProcessEnv, write: (line: string) => void = (line) => process.stdout.write(line + "\n")): void {
  const failEvent = env["EXAMPLE_FAIL_EVENT"];
  const failedOnce = new Set<string>();
  hooks.onAny((event) => {
    if (failEvent !== undefined && event.name === failEvent && !failedOnce.has(event.id)) {
      failedOnce.add(event.id);
      throw new Error(`EXAMPLE_FAIL_EVENT: failing the first delivery of ${event.name} ${event.id}`);
    }
    write(JSON.stringify({ provider: event.provider, tenant: event.tenantId ?? null, event: event.name, id: event.id }));
  });
  hooks.onError((error, event) => {
    process.stderr.write(`[credhooks example] ${event.provider} ${event.name} ${event.id}: ${error.errors.map((e) => (e instanceof Error ? e.message : String(e))).join("; ")}\n`);
  });
}

/** `PORT` from the environment (default 3000). */
export function examplePort(env: NodeJS.ProcessEnv): number {
  const port = Number(env["PORT"] ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${JSON.stringify(env["PORT"])}`);
  return port;
}

/**
 * Starts an example server on 127.0.0.1:`PORT` and prints the listening line on stdout;
 * a port already taken is a clear message on stderr and exit code 1. SIGTERM and SIGINT
 * close it.
 */
export function serveExample(server: Server, env: NodeJS.ProcessEnv): Server {
  const port = examplePort(env);
  server.on("error", (error: NodeJS.ErrnoException) => {
    process.stderr.write(`[credhooks example] cannot listen on 127.0.0.1:${port}: ${error.code === "EADDRINUSE" ? "the port is in use (set PORT to another one)" : error.message}\n`);
    process.exit(1);
  });
  server.listen(port, "127.0.0.1", () => {
    process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  return server;
}
