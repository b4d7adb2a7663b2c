import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FailedDelivery, FailureSink, ReplayOutcome } from "@credhooks/core";
import { eventsOf, PROVIDER_IDS } from "@credhooks/testing";
import { redactForDisplay } from "./format.js";
import { inspectorPage } from "./inspector-page.js";

/**
 * One row of the inspector: a delivery that reached `/events/…`, a replay started from the
 * page, or an event the recoverer ran in the background. What the page receives as JSON.
 */
export interface DeliveryRecord {
  seq: number;
  kind: "delivery" | "replay" | "recovery";
  /** ISO time it arrived. */
  at: string;
  method: string | null;
  path: string | null;
  provider: string | null;
  tenant: string | null;
  event: string | null;
  /** The event's dedupe id. */
  id: string | null;
  /** The HTTP status answered (deliveries); null while running and for replays. */
  status: number | null;
  /** credhooks' error code (`INVALID_SIGNATURE`, `HANDLER_FAILED`, …) or, for a replay, its outcome (`handled`, `failed`, …). */
  code: string | null;
  message: string | null;
  /** `new` (claimed, handlers ran), `duplicate` (done before), `in-flight` (running elsewhere); null when refused before dedupe. */
  verdict: "new" | "duplicate" | "in-flight" | null;
  /** Whether every handler succeeded; null when none ran. */
  handled: boolean | null;
  /** Whether credhooks knows the event name (an unknown one reaches onUnhandled). */
  known: boolean | null;
  durationMs: number | null;
  /** The decoded payload, provider secrets redacted; absent when no handler saw it. */
  payload?: unknown;
  /** True while the request (or replay) is running. */
  pending: boolean;
}

/** What the inspector needs from `credhooks listen`. */
export interface InspectorHost {
  /** `http://127.0.0.1:<port>`, known once listening. */
  url(): string;
  readonly failures: FailureSink;
  /** Replays a failure-sink entry through the receiver of its provider. */
  replay(entry: FailedDelivery): Promise<ReplayOutcome>;
  /** Sends a signed sample delivery of `provider`'s `event` to this listener. */
  send(provider: string, event: string, tenant: string): Promise<{ status: number; body: string; path: string }>;
  /** Called when the failing rules change (the terminal says so). */
  onFailingChanged?(rules: readonly string[]): void;
}

const MAX_RECORDS = 500;
const MAX_PAYLOAD_CHARS = 64 * 1024;
const MAX_FAILURES_SHOWN = 200;
const MAX_BODY_BYTES = 64 * 1024;
/** Where the inspector's page and API live; deliveries keep `/events/…`. */
export const INSPECTOR_PREFIX = "/__credhooks";

/**
 * The local inspector of `credhooks listen`: the records of recent deliveries, the failing
 * rules (`--fail`), and the HTTP routes of the page (`GET /`), its live stream (Server-Sent
 * Events) and its JSON API, served on loopback only and guarded by a per-run token.
 */
export class Inspector {
  readonly token = randomBytes(24).toString("hex");
  readonly #host: InspectorHost;
  readonly #records: DeliveryRecord[] = [];
  readonly #clients = new Set<ServerResponse>();
  readonly #failing: Set<string>;
  #seq = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  #failuresChanged: NodeJS.Timeout | undefined;

  constructor(host: InspectorHost, failing: readonly string[] = []) {
    this.#host = host;
    this.#failing = new Set(failing);
  }

  /** The failing rules: event names (of any provider) whose handler throws, `*` for every event. */
  get failing(): readonly string[] {
    return [...this.#failing];
  }

  /** Whether the handler of this event should throw now. */
  shouldFail(event: string): boolean {
    return this.#failing.has("*") || this.#failing.has(event);
  }

  /** Starts a record (shown once {@link Inspector.publish}ed). */
  begin(fields: Partial<DeliveryRecord> & Pick<DeliveryRecord, "kind">): DeliveryRecord {
    const record: DeliveryRecord = {
      seq: ++this.#seq,
      at: new Date().toISOString(),
      method: null,
      path: null,
      provider: null,
      tenant: null,
      event: null,
      id: null,
      status: null,
      code: null,
      message: null,
      verdict: null,
      handled: null,
      known: null,
      durationMs: null,
      pending: true,
      ...fields,
    };
    this.#records.push(record);
    if (this.#records.length > MAX_RECORDS) this.#records.splice(0, this.#records.length - MAX_RECORDS);
    return record;
  }

  /** The payload of an earlier record of the same event (a duplicate shows what was handled). */
  payloadOf(provider: string, id: string): unknown {
    for (let i = this.#records.length - 1; i >= 0; i--) {
      const record = this.#records[i]!;
      if (record.provider === provider && record.id === id && record.payload !== undefined) return record.payload;
    }
    return undefined;
  }

  /** Attaches a payload for display: secrets redacted, very large ones cut. */
  setPayload(record: DeliveryRecord, provider: string, payload: unknown): void {
    record.payload = displayPayload(provider, payload);
  }

  /** Sends the record's current state to every open page. */
  publish(record: DeliveryRecord): void {
    this.#broadcast("delivery", record);
  }

  /** Tells open pages to read the failure sink again (debounced). */
  failuresChanged(): void {
    if (this.#failuresChanged) return;
    this.#failuresChanged = setTimeout(() => {
      this.#failuresChanged = undefined;
      this.#broadcast("failures", {});
    }, 50);
    this.#failuresChanged.unref();
  }

  /** Ends the open streams. */
  close(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    if (this.#failuresChanged) clearTimeout(this.#failuresChanged);
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }

  /**
   * Answers the inspector's routes: `GET /` (the page) and everything under `/__credhooks/`.
   * Returns false for any other request (a delivery), and for `GET /` asked from anywhere
   * but this machine (the receiver's 404 answers it then, as before).
   */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const method = req.method ?? "GET";
    const isPage = path === "/" || path === INSPECTOR_PREFIX || path === `${INSPECTOR_PREFIX}/`;
    if (path === "/" && (method !== "GET" || !isLocal(req))) return false;
    if (!isPage && !path.startsWith(`${INSPECTOR_PREFIX}/`)) return false;
    if (!isLocal(req)) {
      json(res, 403, { error: { code: "FORBIDDEN", message: "The credhooks inspector answers requests made on this machine to 127.0.0.1 or localhost only (not through a proxy or tunnel, nor for another host name)." } });
      return true;
    }
    if (isPage) {
      if (method !== "GET" && method !== "HEAD") return methodNotAllowed(res, "GET"), true;
      this.#page(res);
      return true;
    }
    void this.#api(req, res, method, path.slice(INSPECTOR_PREFIX.length)).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { code: "INTERNAL_ERROR", message: error instanceof Error ? error.message : String(error) } });
      else res.end();
    });
    return true;
  }

  #page(res: ServerResponse): void {
    const nonce = randomBytes(16).toString("base64");
    const catalog = { url: this.#host.url(), providers: Object.fromEntries(PROVIDER_IDS.map((id) => [id, eventsOf(id)])) };
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      "x-frame-options": "DENY",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-resource-policy": "same-origin",
    });
    res.end(inspectorPage({ nonce, token: this.token, catalog }));
  }

  async #api(req: IncomingMessage, res: ServerResponse, method: string, route: string): Promise<void> {
    const url = new URL(req.url ?? "/", "http://inspector.invalid");
    // The live stream: EventSource sends no headers of its own, so the token is in the query.
    if (route === "/stream") {
      if (method !== "GET") return methodNotAllowed(res, "GET");
      if (!this.#authorized(req, url.searchParams.get("token"))) return forbidden(res);
      return this.#stream(req, res);
    }
    if (!this.#authorized(req, headerOf(req, "x-credhooks-token"))) return forbidden(res);
    if (method !== "GET" && method !== "HEAD" && !isJsonRequest(req)) {
      return json(res, 415, { error: { code: "UNSUPPORTED_MEDIA_TYPE", message: "Send JSON: content-type application/json." } });
    }

    if (route === "/deliveries") {
      if (method !== "GET") return methodNotAllowed(res, "GET");
      return json(res, 200, { deliveries: this.#records });
    }
    if (route === "/failures") {
      if (method !== "GET") return methodNotAllowed(res, "GET");
      const page = await this.#host.failures.list({ limit: MAX_FAILURES_SHOWN + 1 });
      return json(res, 200, { failures: page.slice(0, MAX_FAILURES_SHOWN).map(displayEntry), more: page.length > MAX_FAILURES_SHOWN });
    }
    const failure = /^\/failures\/([^/]+)(\/replay)?$/.exec(route);
    if (failure) {
      let key: string;
      try {
        key = decodeURIComponent(failure[1]!);
      } catch {
        return json(res, 400, { error: { code: "BAD_REQUEST", message: "The key in the path is not valid percent-encoding." } });
      }
      const entry = await this.#host.failures.get(key);
      if (failure[2] === "/replay") {
        if (method !== "POST") return methodNotAllowed(res, "POST");
        if (!entry) return json(res, 404, { error: { code: "NOT_FOUND", message: `No failure-sink entry has the key ${JSON.stringify(key)} (replayed or deleted already?).` } });
        const outcome = await this.#host.replay(entry);
        this.failuresChanged();
        return json(res, 200, { outcome });
      }
      if (method === "GET") return entry ? json(res, 200, { failure: displayEntry(entry) }) : json(res, 404, { error: { code: "NOT_FOUND", message: `No failure-sink entry has the key ${JSON.stringify(key)}.` } });
      if (method !== "DELETE") return methodNotAllowed(res, "GET, DELETE");
      if (!entry) return json(res, 404, { error: { code: "NOT_FOUND", message: `No failure-sink entry has the key ${JSON.stringify(key)}.` } });
      await this.#host.failures.delete(key);
      this.failuresChanged();
      return json(res, 200, { deleted: key });
    }
    if (route === "/send") {
      if (method !== "POST") return methodNotAllowed(res, "POST");
      const body = await readJson(req);
      const provider = body?.["provider"];
      const event = body?.["event"];
      const tenant = body?.["tenant"] ?? "acme";
      if (typeof provider !== "string" || typeof event !== "string" || typeof tenant !== "string" || tenant === "") {
        return json(res, 400, { error: { code: "BAD_REQUEST", message: 'Send {"provider": "lissi", "event": "connection:update", "tenant": "acme"}.' } });
      }
      if (!(PROVIDER_IDS as readonly string[]).includes(provider) || !eventsOf(provider as (typeof PROVIDER_IDS)[number]).includes(event)) {
        return json(res, 400, { error: { code: "BAD_REQUEST", message: `Unknown provider or event: ${JSON.stringify(provider)} ${JSON.stringify(event)} (see credhooks events).` } });
      }
      const sent = await this.#host.send(provider, event, tenant);
      return json(res, 200, sent);
    }
    if (route === "/failing") {
      if (method === "GET") return json(res, 200, { failing: this.failing });
      if (method !== "POST") return methodNotAllowed(res, "GET, POST");
      const body = await readJson(req);
      const event = typeof body?.["event"] === "string" ? body["event"].trim() : "";
      const on = body?.["failing"];
      if (event === "" || event.length > 200 || typeof on !== "boolean") {
        return json(res, 400, { error: { code: "BAD_REQUEST", message: 'Send {"event": "connection:update", "failing": true} (or "*" for every event).' } });
      }
      if (on) this.#failing.add(event);
      else this.#failing.delete(event);
      this.#host.onFailingChanged?.(this.failing);
      this.#broadcast("failing", { failing: this.failing });
      return json(res, 200, { failing: this.failing });
    }
    return json(res, 404, { error: { code: "UNKNOWN_ROUTE", message: `The inspector has no ${method} ${INSPECTOR_PREFIX}${route}.` } });
  }

  /**
   * A request of the page itself: the run's token, and — when the browser says where the
   * request comes from — this origin. A page of another site can neither read the token nor
   * send the custom header without a CORS preflight, which is never granted.
   */
  #authorized(req: IncomingMessage, token: string | null | undefined): boolean {
    if (typeof token !== "string" || !safeEqual(token, this.token)) return false;
    const site = headerOf(req, "sec-fetch-site");
    if (site !== undefined && site !== "same-origin") return false;
    const origin = headerOf(req, "origin");
    if (origin !== undefined && origin !== `http://${headerOf(req, "host") ?? ""}`) return false;
    return true;
  }

  #stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
    res.write(`retry: 1000\n\n`);
    writeEvent(res, "hello", { deliveries: this.#records, failing: this.failing });
    this.#clients.add(res);
    req.on("close", () => this.#clients.delete(res));
    if (!this.#heartbeat) {
      // Keeps idle connections open through anything that times them out.
      this.#heartbeat = setInterval(() => {
        for (const client of this.#clients) client.write(": ping\n\n");
      }, 15_000);
      this.#heartbeat.unref();
    }
  }

  #broadcast(type: string, data: unknown): void {
    for (const client of this.#clients) writeEvent(client, type, data);
  }
}

/** A failure-sink entry as the page and `credhooks failures --json` show it: payload redacted, no raw body. */
export function displayEntry(entry: FailedDelivery): Record<string, unknown> {
  return {
    key: entry.key,
    provider: entry.provider,
    tenant: entry.tenantId ?? null,
    event: entry.name ?? null,
    dedupeId: entry.dedupeId,
    reason: entry.reason,
    attempts: entry.attempts,
    firstFailedAt: entry.firstFailedAt,
    lastFailedAt: entry.lastFailedAt,
    error: entry.error,
    payload: displayPayload(entry.provider, entry.payload),
  };
}

function displayPayload(provider: string, payload: unknown): unknown {
  const redacted = redactForDisplay(provider, payload);
  let text: string | undefined;
  try {
    text = JSON.stringify(redacted);
  } catch {
    return "(a payload that cannot be shown as JSON)";
  }
  if (text !== undefined && text.length > MAX_PAYLOAD_CHARS) return `(a payload of ${text.length} characters as JSON: too large to show here)`;
  return redacted;
}

/**
 * A request made on this machine, to a loopback name: the socket's peer is loopback, the
 * `Host` names 127.0.0.1, localhost or [::1] (a DNS-rebinding page uses its own name), and no
 * proxy or tunnel header says it was forwarded from elsewhere.
 */
export function isLocal(req: IncomingMessage): boolean {
  const remote = req.socket.remoteAddress ?? "";
  if (!(remote.startsWith("127.") || remote === "::1" || remote.startsWith("::ffff:127."))) return false;
  const host = (headerOf(req, "host") ?? "").toLowerCase();
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
  if (name !== "127.0.0.1" && name !== "localhost" && name !== "[::1]") return false;
  for (const forwarded of ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "cf-connecting-ip", "true-client-ip", "via"]) {
    if (req.headers[forwarded] !== undefined) return false;
  }
  return true;
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isJsonRequest(req: IncomingMessage): boolean {
  const type = (headerOf(req, "content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  return type === "application/json";
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function writeEvent(res: ServerResponse, type: string, data: unknown): void {
  // JSON never holds a raw newline, so one data line carries it.
  res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(JSON.stringify(body));
}

function forbidden(res: ServerResponse): void {
  json(res, 403, { error: { code: "FORBIDDEN", message: "The inspector's API answers its own page only (the run's token, same origin)." } });
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader("allow", allow);
  json(res, 405, { error: { code: "METHOD_NOT_ALLOWED", message: `Use ${allow}.` } });
}
