import { existsSync, readFileSync } from "node:fs";
import { buildDelivery, devCredential, eventsOf, isProviderId, PROVIDER_IDS, sendDelivery, type AnyDeliveryOptions, type ProviderId, type TestDelivery } from "@credhooks/testing";
import { CREDENTIAL_VARIABLES } from "./receivers.js";

/**
 * A mistake in the command line (unknown provider or event, bad option value): printed as
 * `error: <message>` without a stack, exit code 2.
 *
 * @example
 * ```ts
 * throw new UsageError(`unknown provider "provn". Valid providers: ${PROVIDER_IDS.join(", ")}.`);
 * ```
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * Options of `credhooks send`, as parsed.
 *
 * @example
 * ```ts
 * const options: SendOptions = { url: "http://127.0.0.1:3000", tenant: "acme" };
 * ```
 */
export interface SendOptions {
  url: string;
  tenant: string;
  secret?: string;
  data?: string;
  id?: string;
  sharedTopic?: boolean;
  walletId?: string;
  timeout?: string;
}

/**
 * What `credhooks send` did.
 *
 * @example
 * ```ts
 * const outcome = await sendSample("proven", "credentials:done", { url: "http://127.0.0.1:3000", tenant: "acme" }, process.env);
 * if (outcome.status >= 300) process.exitCode = 1;
 * ```
 */
export interface SendOutcome {
  delivery: TestDelivery;
  url: string;
  status: number;
  statusText: string;
  body: string;
}

/**
 * Checks a provider and event name, throwing a {@link UsageError} that lists the valid names.
 *
 * @example
 * ```ts
 * checkNames("proven", "credentials:done"); // ok
 * checkNames("provn", "x"); // UsageError: unknown provider "provn". Valid providers: proven, lissi, …
 * ```
 */
export function checkNames(provider: string, event: string): asserts provider is ProviderId {
  if (!isProviderId(provider)) throw new UsageError(`unknown provider ${JSON.stringify(provider)}. Valid providers: ${PROVIDER_IDS.join(", ")}.`);
  const events = eventsOf(provider);
  if (!events.includes(event)) throw new UsageError(`unknown ${provider} event ${JSON.stringify(event)}. Valid ${provider} events: ${events.join(", ")}.`);
}

/**
 * Builds the sample delivery `credhooks send` would send: the seed payload (or `--data`),
 * signed with `--secret`, else the example servers' environment variable, else the
 * development credential.
 *
 * @example
 * ```ts
 * const { delivery, origin } = sampleDelivery("lissi", "connections:delete", { url: "http://127.0.0.1:3000", tenant: "acme" }, {});
 * ```
 */
export function sampleDelivery(provider: string, event: string, options: SendOptions, env: Readonly<Record<string, string | undefined>>): { delivery: TestDelivery; origin: string } {
  checkNames(provider, event);
  let target: URL;
  try {
    target = new URL(options.url);
  } catch {
    throw new UsageError(`--url must be an absolute URL such as http://127.0.0.1:3000, got ${JSON.stringify(options.url)}.`);
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") throw new UsageError(`--url must be an http or https URL, got ${JSON.stringify(options.url)}.`);
  // A bare origin gets the example servers' mount path; a URL with a path is the mount URL itself.
  const mount = target.pathname === "/" ? {} : { mountPath: target.pathname };
  const built: AnyDeliveryOptions = { tenantId: options.tenant, ...mount, ...credentialOption(provider, options.secret, env) };
  if (options.id !== undefined) {
    if (provider === "crossmint") built.id = options.id;
    else if (provider === "sovrin") built.eventId = options.id;
    else throw new UsageError(`--id applies to crossmint (svix-id) and sovrin (event.id) only: ${provider} sends no event id.`);
  }
  if (options.sharedTopic) {
    if (provider !== "lissi") throw new UsageError("--shared-topic applies to lissi only.");
    built.sharedTopic = true;
  }
  if (options.walletId !== undefined) {
    if (provider !== "acapy") throw new UsageError("--wallet-id applies to acapy only (its x-wallet-id header).");
    built.walletId = options.walletId;
  }
  if (provider === "sovrin") built.url = target;
  const payload = options.data === undefined ? undefined : readData(options.data);
  try {
    return { delivery: buildDelivery(provider, event, payload, built), origin: target.origin };
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * Sends the sample delivery and returns the receiver's answer.
 *
 * @example
 * ```ts
 * const outcome = await sendSample("crossmint", "credential.creation.failed", { url: "http://127.0.0.1:3000", tenant: "acme" }, process.env);
 * console.log(outcome.status, outcome.body);
 * ```
 */
export async function sendSample(provider: string, event: string, options: SendOptions, env: Readonly<Record<string, string | undefined>>): Promise<SendOutcome> {
  const { delivery, origin } = sampleDelivery(provider, event, options, env);
  const url = new URL(delivery.path, origin).href;
  const timeoutMs = parseTimeout(options.timeout);
  let response: Response;
  try {
    response = await sendDelivery(delivery, origin, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new Error(`could not deliver to ${url}: ${describeFetchError(error, timeoutMs)}. Is a receiver running there (credhooks listen, or your app)?`, { cause: error });
  }
  return { delivery, url, status: response.status, statusText: response.statusText, body: await response.text() };
}

export function credentialOption(provider: ProviderId, secret: string | undefined, env: Readonly<Record<string, string | undefined>>): AnyDeliveryOptions {
  if (provider === "sovrin") {
    // Sovrin's environment variable is its public JWKS: signing needs the private key, from --secret or the development key.
    return secret === undefined ? {} : { privateKey: readPrivateJwk(secret) };
  }
  const value = secret ?? devCredential(env, CREDENTIAL_VARIABLES[provider]);
  switch (provider) {
    case "proven":
    case "lissi":
    case "acapy":
      return { apiKey: value };
    case "truvera":
      return { token: value };
    case "crossmint":
      return { secret: value };
  }
}

function readPrivateJwk(secret: string): NonNullable<AnyDeliveryOptions["privateKey"]> {
  const inline = secret.trim().startsWith("{");
  if (!inline && !existsSync(secret)) throw new UsageError("--secret for sovrin is a private Ed25519 JWK (with d and kid): JSON text or the path of a file holding it.");
  let jwk: unknown;
  try {
    jwk = JSON.parse(inline ? secret : readFileSync(secret, "utf8"));
  } catch {
    throw new UsageError(`--secret for sovrin ${inline ? "is" : "names a file that is"} not valid JSON: expected a private Ed25519 JWK {"kty":"OKP","crv":"Ed25519","x":…,"d":…,"kid":…}.`);
  }
  if (typeof jwk !== "object" || jwk === null || typeof (jwk as { d?: unknown }).d !== "string" || typeof (jwk as { kid?: unknown }).kid !== "string") {
    throw new UsageError('--secret for sovrin must be a private Ed25519 JWK with "d" and "kid".');
  }
  return jwk as NonNullable<AnyDeliveryOptions["privateKey"]>;
}

function readData(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    throw new UsageError(`--data: cannot read ${file === "-" ? "stdin" : JSON.stringify(file)} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`--data: ${file === "-" ? "stdin" : file} is not valid JSON (${error instanceof Error ? error.message : String(error)}). It holds the event's payload, e.g. {"cred_ex_id": "…"}.`);
  }
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return 30_000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got ${JSON.stringify(value)}.`);
  return seconds * 1000;
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `no answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
