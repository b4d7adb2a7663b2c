/**
 * ACA-Py: bare records posted to `/topic/{topic}/`, authenticated by `x-api-key`, with the
 * sub-wallet in `x-wallet-id`.
 *
 * @module @credhooks/core/providers/acapy
 */
import { verifyWith } from "../../verify-with.js";
import { verifyApiKeyHeader } from "../../api-key-auth.js";
import { headerValue, matchesAnySecret, resolveSecrets, type Secret } from "../../credentials.js";
import { WebhookError } from "../../errors.js";
import { contentHash } from "../../hash.js";
import type { DeliveryContext, IdentifiedEvent, Provider, RouteMatch } from "../../types.js";
import { acapyNormalizer, acapyNormalizes } from "./normalize.js";
import { randomUUID } from "node:crypto";
import { ACAPY_EVENT_DISCRIMINATORS, ACAPY_RECORD_ID_FIELD, ACAPY_STATELESS_TOPICS, acapyEventName, acapyEvents } from "./schemas.js";

export * from "./schemas.js";
export { acapyNormalizer, acapyNormalizes } from "./normalize.js";

/**
 * Options of {@link acapy}.
 *
 * @example
 * ```ts
 * const options: AcapyOptions = { apiKey: (tenantId) => keys.get(tenantId), requireWalletId: true };
 * ```
 */
export interface AcapyOptions {
  /**
   * The key ACA-Py sends in `x-api-key`: the part after `#` of the webhook URL given to
   * ACA-Py (`--webhook-url https://host/events/acme/acapy#<key>`, or a sub-wallet's
   * `wallet_webhook_urls`). A string, a list during a rotation, or a resolver
   * `(tenantId) => key`. Required on every delivery.
   */
  apiKey: Secret;
  /**
   * Require the `x-wallet-id` header (ACA-Py sends it for sub-wallets under multitenancy)
   * and check it: `true` compares it with the tenant id of the mount path
   * (`/events/:tenantId/acapy`); a string, a list or a resolver `(tenantId) => walletId(s)`
   * gives the expected wallet id(s). Off by default: the header is then only exposed as
   * `event.payload.walletId`.
   */
  requireWalletId?: boolean | Secret;
}

/**
 * The ACA-Py provider: its id, events and schemas.
 *
 * @example
 * ```ts
 * const provider: AcapyProvider = acapy({ apiKey: "dev-key" });
 * ```
 */
export type AcapyProvider = Provider<typeof acapyEvents, typeof acapyNormalizes>;

// ACA-Py posts to `${webhook_url}/topic/${topic}/`; a webhook URL configured with a
// trailing slash gives `//topic/`, so extra leading slashes are tolerated, and the
// trailing slash is optional. Topics are words (`issue_credential_v2_0`, `get-active-menu`);
// a dot would make event names ambiguous.
const TOPIC_PATH = /^\/+topic\/([A-Za-z0-9][A-Za-z0-9_-]{0,127})\/?$/;
const STATE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const STATELESS: ReadonlySet<string> = new Set(ACAPY_STATELESS_TOPICS);
// Unknown topics: the most specific record id a record may carry; connection_id and
// thread_id are left out, they are shared by many events (pings, exchanges).
const FALLBACK_ID_FIELDS = ["cred_ex_id", "credential_exchange_id", "pres_ex_id", "presentation_exchange_id", "oob_id", "record_id", "message_id", "@id"] as const;

/**
 * ACA-Py (the open-source Aries agent, `openwallet-foundation/acapy`): the bare record is
 * posted to `<mount>/topic/<topic>/`, authenticated by `x-api-key`; under multitenancy the
 * sub-wallet is named by `x-wallet-id`. Events are `<topic>.<state>`
 * (`issue_credential_v2_0.done`, `connections.active`) or the bare topic for records
 * without a state (`problem_report`). Payload: `{ topic, state, walletId, record }`.
 * Dedupe id: topic + record id + state + `updated_at` (prefixed by the wallet id when sent).
 *
 * @example
 * ```ts
 * import { createWebhooks } from "@credhooks/core";
 * import { acapy } from "@credhooks/core/providers/acapy";
 *
 * const hooks = createWebhooks({ provider: acapy({ apiKey: process.env.ACAPY_API_KEY! }) });
 * hooks.on("issue_credential_v2_0.done", (event) => save(event.payload.walletId, event.payload.record.cred_ex_id));
 * ```
 */
export function acapy(options: AcapyOptions): AcapyProvider {
  const requireWalletId = options.requireWalletId ?? false;
  return {
    id: "acapy",
    events: acapyEvents,
    // ACA-Py redelivers a webhook 4 times, 10 s apart, after a non-2xx answer or an error.
    retries: true,
    route: routeAcapy,
    authenticate: async (delivery) => {
      await verifyApiKeyHeader(delivery, options.apiKey, "x-api-key");
      if (requireWalletId !== false) await checkWalletId(delivery, requireWalletId);
    },
    identify: identifyAcapy,
    normalize: acapyNormalizer,
    normalizes: acapyNormalizes,
  };
}

function routeAcapy(path: string): RouteMatch | undefined {
  const match = TOPIC_PATH.exec(path);
  return match ? { params: { topic: match[1]! } } : undefined;
}

async function checkWalletId(delivery: DeliveryContext, expected: true | Secret): Promise<void> {
  const sent = headerValue(delivery.request.headers, "x-wallet-id");
  if (sent === undefined || sent === "") {
    throw new WebhookError(
      "MISSING_CREDENTIALS",
      "The x-wallet-id header is missing; ACA-Py sends it only for sub-wallets under multitenancy. Register this URL as the sub-wallet's webhook URL, or turn requireWalletId off for the base wallet.",
    );
  }
  let wallets: readonly string[];
  if (expected === true) {
    if (delivery.tenantId === undefined) {
      throw new WebhookError("INVALID_CREDENTIALS", "requireWalletId: true compares x-wallet-id with the tenant id of the mount path, but this receiver is mounted without :tenantId; mount it at /events/:tenantId/acapy or give the expected wallet id(s).");
    }
    wallets = [delivery.tenantId];
  } else {
    wallets = await resolveSecrets(expected, delivery.tenantId, "ACA-Py wallet id");
  }
  if (!matchesAnySecret(sent, wallets)) {
    throw new WebhookError("INVALID_CREDENTIALS", "The x-wallet-id header names another wallet than the one this tenant's URL expects; check the sub-wallet's webhook URL.");
  }
}

function identifyAcapy(delivery: DeliveryContext): IdentifiedEvent {
  const topic = delivery.route.params?.["topic"];
  if (topic === undefined) throw new WebhookError("INTERNAL_ERROR", "The ACA-Py route matched without a topic.");
  const record = delivery.body;
  if (!isRecord(record)) {
    throw new WebhookError("INVALID_PAYLOAD", `ACA-Py posts the ${topic} record as a JSON object to <mount>/topic/${topic}/; got ${describe(record)}.`);
  }
  const state = typeof record["state"] === "string" && STATE.test(record["state"]) ? record["state"] : undefined;
  const sentWallet = headerValue(delivery.request.headers, "x-wallet-id");
  const walletId = sentWallet === undefined || sentWallet === "" ? undefined : sentWallet;
  // A stateful topic's record without a (usable) state is named by its topic: not an event
  // credhooks knows, so it reaches onUnhandled rather than being rejected.
  // Named by acapyEventName: never a normalized name, also for topics credhooks does not type.
  const name = acapyEventName(topic, STATELESS.has(topic) ? undefined : state);
  return { name, payload: { topic, state, walletId, record }, raw: record, dedupeId: acapyDedupeId(topic, record, state, walletId, delivery.rawBody) };
}

/**
 * The dedupe id of an ACA-Py delivery: `<topic>:<record id>:<state>[:<updated_at>]`,
 * prefixed by `<wallet id>/` when `x-wallet-id` was sent (ACA-Py redelivers the same
 * bytes to the same URL, so these are stable across its retries, and a new state or a new
 * `updated_at` is a new event), followed by `|<connection_id>|<reuse_msg_id>` for
 * `out_of_band` (ACA-Py emits a multi-use invitation's `done` once per reuse without
 * saving the record). Without a record id: `<topic>:#<hash of the body>`; `forward`
 * (nothing tells two forwards apart) gets a fresh id per delivery.
 *
 * @example
 * ```ts
 * acapyDedupeId("connections", { connection_id: "c1", updated_at: "2025-01-01T00:00:00Z" }, "active", undefined, body);
 * // "connections:c1:active:2025-01-01T00:00:00Z"
 * ```
 */
export function acapyDedupeId(topic: string, record: Readonly<Record<string, unknown>>, state: string | undefined, walletId: string | undefined, rawBody: Buffer): string {
  const prefix = walletId === undefined ? "" : `${encodeURIComponent(walletId)}/`;
  // ACA-Py's forward notification carries nothing that tells two forwards from a retry
  // (connection, status, recipient key): every delivery is its own event.
  if (topic === "forward") return `${prefix}${topic}:!${randomUUID()}`;
  const field = Object.hasOwn(ACAPY_RECORD_ID_FIELD, topic) ? ACAPY_RECORD_ID_FIELD[topic as keyof typeof ACAPY_RECORD_ID_FIELD] : FALLBACK_ID_FIELDS.find((f) => nonEmpty(record[f]));
  const recordId = field === undefined ? undefined : record[field];
  if (!nonEmpty(recordId)) return `${prefix}${topic}:#${contentHash(rawBody)}`;
  const updatedAt = record["updated_at"];
  // The record id and state are encoded so that a colon in them cannot forge another id.
  const id = `${prefix}${topic}:${encodeURIComponent(recordId)}:${state === undefined ? "" : encodeURIComponent(state)}`;
  const withTime = nonEmpty(updatedAt) ? `${id}:${updatedAt}` : id;
  // A record ACA-Py emits without saving (a multi-use invitation's `done`, once per reuse)
  // keeps its `updated_at`: the fields that differ between those events join the id.
  const discriminators = Object.hasOwn(ACAPY_EVENT_DISCRIMINATORS, topic) ? ACAPY_EVENT_DISCRIMINATORS[topic as keyof typeof ACAPY_EVENT_DISCRIMINATORS] : undefined;
  if (discriminators === undefined) return withTime;
  return `${withTime}|${discriminators.map((f) => (nonEmpty(record[f]) ? encodeURIComponent(record[f]) : "")).join("|")}`;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "no body";
  if (value === null) return "null";
  return Array.isArray(value) ? "an array" : `a ${typeof value}`;
}

/**
 * Verifies one ACA-Py delivery without middleware (serverless functions, queue consumers):
 * authenticates and parses it, returning the typed event or a coded error. Pass the path
 * below the mount point (`/topic/<topic>/`): the topic is in the URL.
 *
 * @example
 * ```ts
 * const result = await verify({ path: "/topic/connections/", headers, body: rawBody, tenantId: "acme" }, options);
 * if (!result.ok) console.error(result.error.code, result.error.message);
 * ```
 */
export const verify = verifyWith(acapy);
