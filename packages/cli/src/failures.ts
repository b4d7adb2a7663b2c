import type { FailedDelivery, FailureSink } from "@credhooks/core";
import { buildDelivery, eventsOf, isProviderId, sendDelivery, type AnyDeliveryOptions, type TestDelivery } from "@credhooks/testing";
import { credentialOption, UsageError } from "./send.js";

/**
 * Where `credhooks replay` sends a kept event: an origin (the delivery goes to
 * `/events/<tenant>/<provider>`, as the example servers and `credhooks listen` mount each
 * provider), or the full URL a receiver is mounted at, where `{tenant}` and `{provider}` are
 * replaced by the entry's (`https://app.example/webhooks/{provider}/{tenant}`).
 *
 * @example
 * ```ts
 * const target = parseReplayTarget("http://127.0.0.1:3000");
 * ```
 */
export function parseReplayTarget(value: string): URL {
  let target: URL;
  try {
    target = new URL(value);
  } catch {
    throw new UsageError(`--url must be an absolute URL such as http://127.0.0.1:3000, got ${JSON.stringify(value)}.`);
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") throw new UsageError(`--url must be an http or https URL, got ${JSON.stringify(value)}.`);
  return target;
}

/**
 * Why a kept entry cannot be sent again as its sender would (no event name, an event
 * credhooks does not know, a payload the sender's format cannot carry).
 *
 * @example
 * ```ts
 * try {
 *   failureDelivery(entry, parseReplayTarget("http://127.0.0.1:3000"), process.env);
 * } catch (error) {
 *   if (error instanceof NotReplayableError) console.warn(`${entry.key}: ${error.message}`);
 * }
 * ```
 */
export class NotReplayableError extends Error {
  override readonly name = "NotReplayableError";
}

/**
 * Rebuilds the delivery a failure-sink entry came from, authenticated as its sender would
 * (`credhooks send`'s credentials: `--secret`, else the provider's environment variable,
 * else the development credential), addressed to `target`. The event keeps its dedupe id
 * where the sender sets one (Crossmint's `svix-id`, Sovrin's `event.id`); the others derive
 * it from the payload, which is sent as kept. Throws a {@link NotReplayableError} for an
 * entry without an event name, an event credhooks does not know, or a payload that cannot
 * be sent in the sender's format.
 *
 * @example
 * ```ts
 * const { delivery, origin } = failureDelivery(entry, new URL("http://127.0.0.1:3000"), process.env);
 * await sendDelivery(delivery, origin);
 * ```
 */
export function failureDelivery(entry: FailedDelivery, target: URL, env: Readonly<Record<string, string | undefined>>, secret?: string): { delivery: TestDelivery; origin: string } {
  const provider = entry.provider;
  if (!isProviderId(provider)) throw new NotReplayableError(`its provider ${JSON.stringify(provider)} is not one credhooks can send as (${"proven, lissi, truvera, crossmint, sovrin, acapy"}).`);
  const name = entry.name;
  if (name === undefined) throw new NotReplayableError(`it has no event name (${entry.reason}: the body did not say which event it is), so it cannot be sent as ${provider} would.`);
  if (!eventsOf(provider).includes(name)) {
    throw new NotReplayableError(`${JSON.stringify(name)} is not an event credhooks knows for ${provider} (${entry.reason}); a receiver would keep it again. Inspect it with credhooks failures --json.`);
  }
  let mountPath: string | undefined;
  if (target.pathname === "/" || target.pathname === "") {
    if (entry.tenantId === undefined) throw new NotReplayableError("it has no tenant: give --url the full URL its receiver is mounted at (e.g. https://app.example/webhooks/{provider}).");
  } else {
    const tenant = entry.tenantId === undefined ? undefined : encodeURIComponent(entry.tenantId);
    mountPath = target.pathname.replace(/\{provider\}|%7Bprovider%7D/gi, provider).replace(/\{tenant\}|%7Btenant%7D/gi, () => {
      if (tenant === undefined) throw new NotReplayableError("it has no tenant to put in {tenant}.");
      return tenant;
    });
  }
  const payload = entry.payload;
  const options: AnyDeliveryOptions = { ...(entry.tenantId === undefined ? {} : { tenantId: entry.tenantId }), ...(mountPath === undefined ? {} : { mountPath }), ...credentialOption(provider, secret, env) };
  let content: unknown = payload;
  switch (provider) {
    case "crossmint":
      options.id = entry.dedupeId;
      break;
    case "sovrin":
      options.eventId = entry.dedupeId;
      // Sovrin signs the authority and path it posts to.
      options.url = new URL(mountPath ?? `/events/${encodeURIComponent(entry.tenantId ?? "")}/sovrin`, target.origin);
      break;
    case "acapy": {
      // Kept as { topic, state, walletId, record }: ACA-Py posts the record, x-wallet-id beside it.
      if (!isRecord(payload) || !isRecord(payload["record"])) throw new NotReplayableError("its ACA-Py payload has no record to post.");
      content = payload["record"];
      if (typeof payload["walletId"] === "string") options.walletId = payload["walletId"];
      break;
    }
    default:
      break;
  }
  try {
    return { delivery: buildDelivery(provider, name, content, options), origin: target.origin };
  } catch (error) {
    throw new NotReplayableError(`it cannot be sent as ${provider} would: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * How one `credhooks replay` of a kept entry ended.
 *
 * - `replayed`: the receiver answered 2xx; the entry was removed from the failure sink
 *   (`duplicate: true` when it answered that the event was already handled).
 * - `failed`: the receiver answered something else; the entry stays.
 * - `unreachable`: no answer (connection refused, timeout); the entry stays.
 * - `not-replayable`: it cannot be sent as its sender would ({@link failureDelivery}); the entry stays.
 * - `not-found`: no entry has this key.
 *
 * @example
 * ```ts
 * const outcome: RedeliveryOutcome = await redeliverFailure(sink, key, { target, env: process.env });
 * if (outcome.status !== "replayed") process.exitCode = 1;
 * ```
 */
export type RedeliveryOutcome =
  | { key: string; status: "replayed"; url: string; httpStatus: number; duplicate: boolean; entry: FailedDelivery }
  | { key: string; status: "failed"; url: string; httpStatus: number; code?: string; message: string; entry: FailedDelivery }
  | { key: string; status: "unreachable"; url: string; message: string; entry: FailedDelivery }
  | { key: string; status: "not-replayable"; message: string; entry: FailedDelivery }
  | { key: string; status: "not-found" };

/**
 * Options of {@link redeliverFailure}.
 *
 * @example
 * ```ts
 * const options: RedeliverOptions = { target: new URL("http://127.0.0.1:3000"), env: process.env, timeoutMs: 30_000 };
 * ```
 */
export interface RedeliverOptions {
  /** Where to send (see {@link parseReplayTarget}). */
  target: URL;
  /** Where provider credentials are read, as `credhooks send` reads them. */
  env: Readonly<Record<string, string | undefined>>;
  /** A credential to sign with instead (one provider's). */
  secret?: string;
  /** How long to wait for the answer, in ms (default 30 s). */
  timeoutMs?: number;
}

/**
 * What `credhooks replay <key>` does for one key: reads the entry from the failure sink,
 * sends it again to the receiver at `target` as its sender would ({@link failureDelivery}),
 * and removes it from the sink once the receiver answered 2xx — the app's handlers ran it
 * (or it had already: a duplicate). Any other answer leaves the entry where it is.
 *
 * @example
 * ```ts
 * const opened = await openFailureStore("redis://127.0.0.1:6379", process.env);
 * const outcome = await redeliverFailure(opened.failures, key, { target: parseReplayTarget("http://127.0.0.1:3000"), env: process.env });
 * console.log(outcome.status);
 * ```
 */
export async function redeliverFailure(sink: FailureSink, key: string, options: RedeliverOptions): Promise<RedeliveryOutcome> {
  const entry = await sink.get(key);
  if (entry === undefined) return { key, status: "not-found" };
  let built: { delivery: TestDelivery; origin: string };
  try {
    built = failureDelivery(entry, options.target, options.env, options.secret);
  } catch (error) {
    if (error instanceof NotReplayableError) return { key, status: "not-replayable", message: error.message, entry };
    throw error;
  }
  const url = new URL(built.delivery.path, built.origin).href;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let response: Response;
  let body: string;
  try {
    response = await sendDelivery(built.delivery, built.origin, { signal: AbortSignal.timeout(timeoutMs) });
    body = await response.text();
  } catch (error) {
    return { key, status: "unreachable", url, message: describeFetchError(error, timeoutMs), entry };
  }
  if (response.status >= 200 && response.status < 300) {
    await sink.delete(key);
    const parsed = parseJson(body);
    return { key, status: "replayed", url, httpStatus: response.status, duplicate: isRecord(parsed) && parsed["duplicate"] === true, entry };
  }
  const parsed = parseJson(body);
  const error = isRecord(parsed) && isRecord(parsed["error"]) ? parsed["error"] : {};
  const code = typeof error["code"] === "string" ? error["code"] : undefined;
  const message = typeof error["message"] === "string" ? error["message"] : body.slice(0, 500) || response.statusText;
  return { key, status: "failed", url, httpStatus: response.status, ...(code === undefined ? {} : { code }), message, entry };
}

/**
 * Reads up to `limit` entries of a sink in key order, after `after`, keeping those that
 * match the filters; `more` tells whether the sink holds further matching entries.
 */
export async function readFailures(
  sink: FailureSink,
  options: { limit: number; after?: string | undefined; provider?: string | undefined; tenant?: string | undefined },
): Promise<{ entries: FailedDelivery[]; more: boolean }> {
  const matches = (entry: FailedDelivery) => (options.provider === undefined || entry.provider === options.provider) && (options.tenant === undefined || entry.tenantId === options.tenant);
  const entries: FailedDelivery[] = [];
  let after = options.after;
  const pageSize = Math.min(500, Math.max(options.limit + 1, 50));
  for (;;) {
    const page = await sink.list({ limit: pageSize, after });
    for (const entry of page) {
      if (!matches(entry) || (after !== undefined && entry.key <= after)) continue;
      if (entries.length === options.limit) return { entries, more: true };
      entries.push(entry);
    }
    // A sink that ignores the options returns everything at once.
    if (page.length < pageSize || page.length > pageSize || page.at(-1)!.key === after) return { entries, more: false };
    after = page.at(-1)!.key;
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `no answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { message?: string } | undefined) : undefined;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
